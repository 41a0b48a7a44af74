"""The versioned policy: the shipped default, validation before activation, resolution of tiers
and overrides, and GetPolicy / SetPolicy over gRPC."""

from __future__ import annotations

import json

import grpc
import pytest
from google.protobuf import json_format

from authcore.decision import policy as policy_mod
from authcore.v1 import admin_pb2, common_pb2 as c

from helpers import call_error, error_reason, violated_fields


def test_default_policy_is_valid_and_complete():
    policy = policy_mod.default_policy()
    assert policy_mod.validate_policy(policy) == []
    assert policy.hold_ttl_seconds == 7 * 86400
    assert {t.tier for t in policy.tiers} == set(policy_mod.TIERS)


def test_invalid_policies_name_every_problem():
    policy = policy_mod.default_policy()
    policy.version = ""
    policy.hold_ttl_seconds = 1
    del policy.tiers[2]
    policy.tiers[0].limits.scan_dynamic_qr_level_b_daily_minor = 600_000
    fields = {v.field for v in policy_mod.validate_policy(policy)}
    assert fields == {"policy.version", "policy.hold_ttl_seconds", "policy.tiers",
                      "policy.tiers[0].limits.scan_dynamic_qr_level_b_daily_minor"}


@pytest.mark.parametrize("days, valid", [(None, True), (1, True), (180, True), (3650, True), (0, False),
                                         (-1, False), (3651, False)])
def test_refund_window_days_is_1_to_3650_or_unset(days, valid):
    policy = policy_mod.default_policy()
    policy.ClearField("refund_window_days")
    if days is not None:
        policy.refund_window_days = days
    fields = {v.field for v in policy_mod.validate_policy(policy)}
    assert fields == (set() if valid else {"policy.refund_window_days"})
    assert policy_mod.refund_window_days(policy) == (days if days is not None else 180)


def test_resolve_applies_overrides_and_regulatory_defaults():
    tier = c.LimitProfile(daily_amount_minor=100, channels=[c.ChannelLimits(channel=c.CHANNEL_WALLET, daily_count=3)])
    overrides = c.LimitProfile(daily_count=9, channels=[
        c.ChannelLimits(channel=c.CHANNEL_WALLET, per_transaction_minor=50),
        c.ChannelLimits(channel=c.CHANNEL_QUICK_PAY, allowed=False)])
    merged = policy_mod.resolve(tier, overrides)
    assert (merged.daily_amount_minor, merged.daily_count) == (100, 9)
    wallet = next(x for x in merged.channels if x.channel == c.CHANNEL_WALLET)
    assert (wallet.daily_count, wallet.per_transaction_minor) == (3, 50)
    assert merged.scan_static_qr_daily_minor == 50_000
    assert merged.scan_dynamic_qr_level_a_daily_minor == merged.scan_dynamic_qr_level_b_daily_minor == 500_000
    row = policy_mod.profile_row(merged)
    assert row["channel_allowed"].tolist() == [1, 1, 0]
    assert row["per_transaction"] == policy_mod.NO_LIMIT


def test_policy_file_round_trip(tmp_path):
    policy = policy_mod.default_policy()
    policy.version = "from-file"
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(json_format.MessageToDict(policy)))
    assert policy_mod.load_policy(path) == policy


def test_set_policy_changes_decisions_and_stamps_version(client):
    client.upsert("acct", 10_000_000, tier=c.TIER_STANDARD)
    assert client.admin.GetPolicy(admin_pb2.GetPolicyRequest()).policy.version == "default-2026.1"
    assert client.pay("acct", 10_000).decision == c.DECISION_APPROVED
    policy = policy_mod.default_policy()
    policy.version = "tight-1"
    policy_mod.tier_limits(policy, c.TIER_STANDARD).per_transaction_minor = 5_000
    client.admin.SetPolicy(admin_pb2.SetPolicyRequest(request_id="p1", policy=policy))
    response = client.pay("acct", 10_000)
    assert (response.reason, response.policy_version) == (c.REASON_TRANSACTION_LIMIT_EXCEEDED, "tight-1")
    assert client.admin.GetPolicy(admin_pb2.GetPolicyRequest()).policy == policy


def test_set_policy_refuses_invalid_and_reused_versions(client):
    bad = policy_mod.default_policy()
    bad.version = "bad"
    bad.tiers[0].limits.quick_pay_no_verification_per_transaction_minor = 100_001
    error = call_error(client.admin.SetPolicy, admin_pb2.SetPolicyRequest(request_id="p1", policy=bad))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violated_fields(error) == ["policy.tiers[0].limits.quick_pay_no_verification_per_transaction_minor"]
    changed = policy_mod.default_policy()
    changed.hold_ttl_seconds = 3600
    error = call_error(client.admin.SetPolicy, admin_pb2.SetPolicyRequest(request_id="p2", policy=changed))
    assert error_reason(error) == "POLICY_VERSION_EXISTS"
    assert client.admin.GetPolicy(admin_pb2.GetPolicyRequest()).policy == policy_mod.default_policy()


def test_account_overrides_and_tier_changes(client):
    client.upsert("acct", 10_000_000, tier=c.TIER_NEW)
    assert client.pay("acct", 200_001).reason == c.REASON_TRANSACTION_LIMIT_EXCEEDED
    client.upsert("acct", 10_000_000, tier=c.TIER_PREMIUM)
    assert client.pay("acct", 200_001).decision == c.DECISION_APPROVED
    updated = client.upsert("acct", 10_000_000, limit_overrides=c.LimitProfile(per_transaction_minor=1_000))
    assert updated.account.limit_overrides.per_transaction_minor == 1_000
    assert client.pay("acct", 1_001).reason == c.REASON_TRANSACTION_LIMIT_EXCEEDED
    kept = client.upsert("acct", 10_000_000)
    assert kept.account.limit_overrides.per_transaction_minor == 1_000, "unset overrides keep the current ones"
    cleared = client.upsert("acct", 10_000_000, limit_overrides=c.LimitProfile())
    assert not cleared.account.HasField("limit_overrides")
    assert client.pay("acct", 1_001).decision == c.DECISION_APPROVED
