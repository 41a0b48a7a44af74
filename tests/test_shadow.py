"""Shadow mode: a candidate policy and/or model decides every payment (unary, batch and bulk
items) on the same state as the active one, never acts, and its report counts the decisions by
(active, shadow) with the latest disagreements."""

from __future__ import annotations

import json

import grpc
import pytest

from authcore.decision import columns
from authcore.risk import features
from authcore.engine import Engine
from authcore.risk.models import LINEAR_FORMAT
from authcore.decision.policy import default_policy, tier_limits
from authcore.risk.shadow import MAX_DISAGREEMENTS, merge_reports
from authcore.journal.store import Journal
from authcore.v1 import account_pb2, admin_pb2, authorization_pb2 as authz, common_pb2 as c

from helpers import call_error, violated_fields

OK, NO, STEP = c.DECISION_APPROVED, c.DECISION_DECLINED, c.DECISION_CHALLENGE


def candidate_policy(version: str = "candidate-1", per_transaction_minor: int = 5_000, daily_count: int | None = None):
    policy = default_policy()
    policy.version = version
    limits = tier_limits(policy, c.TIER_STANDARD)
    limits.per_transaction_minor = per_transaction_minor
    if daily_count is not None:
        limits.daily_count = daily_count
    return policy


def fraud_model(intercept: float) -> bytes:
    coefficients = [0.0] * features.N_FEATURES
    return json.dumps({"format": LINEAR_FORMAT, "features": features.NAMES, "coefficients": coefficients,
                       "intercept": intercept}).encode()


def report(client) -> admin_pb2.ShadowReport:
    return client.admin.GetShadowReport(admin_pb2.GetShadowReportRequest()).report


def counts(shadow_report) -> dict[tuple[int, int], int]:
    return {(e.active, e.shadow): e.count for e in shadow_report.counts}


def held(client, account_id: str) -> int:
    return client.accounts.GetAccount(account_pb2.GetAccountRequest(account_id=account_id)).account.held_minor


def test_a_shadow_policy_decides_beside_the_active_one_and_never_acts(client, clock):
    client.upsert("acct", 10_000_000, tier=c.TIER_STANDARD)
    assert not report(client).active
    started = client.admin.SetShadow(admin_pb2.SetShadowRequest(policy=candidate_policy())).report
    assert started.active and started.decisions == 0 and started.policy_version == "candidate-1"
    assert started.since.seconds == int(clock())
    small, large = client.pay("acct", 4_000), client.pay("acct", 10_000, request_id="large-1")
    assert small.decision == large.decision == OK and large.policy_version == "default-2026.1"
    assert held(client, "acct") == 14_000, "the active decisions alone act"
    # A payment the shadow would approve and the active policy declines places no hold either.
    client.upsert("capped", 10_000_000, tier=c.TIER_STANDARD,
                  limit_overrides=c.LimitProfile(per_transaction_minor=1_000))
    assert client.pay("capped", 2_000).decision == NO
    assert held(client, "capped") == 0

    shadow = report(client)
    assert (shadow.decisions, shadow.agreements) == (3, 2)
    assert counts(shadow) == {(OK, OK): 1, (OK, NO): 1, (NO, NO): 1}
    (disagreement,) = shadow.disagreements
    assert (disagreement.request_id, disagreement.account_id, disagreement.amount_minor) == ("large-1", "acct", 10_000)
    assert disagreement.active.decision == OK and list(disagreement.active.reasons) == [c.REASON_APPROVED]
    assert disagreement.shadow.decision == NO
    assert list(disagreement.shadow.reasons) == [c.REASON_TRANSACTION_LIMIT_EXCEEDED]
    assert disagreement.shadow.max_approvable_minor == 5_000 and disagreement.active.max_approvable_minor > 5_000

    final = client.admin.ClearShadow(admin_pb2.ClearShadowRequest()).report
    assert final.decisions == 3
    client.pay("acct", 10_000)
    assert not report(client).active and report(client).decisions == 0


def test_a_shadow_model_scores_beside_the_active_model(client):
    client.upsert("acct", 10_000_000, tier=c.TIER_STANDARD)
    client.admin.SetShadow(admin_pb2.SetShadowRequest(model=admin_pb2.ShadowModel(model=fraud_model(4.0),
                                                                                  version="fraud-everything")))
    response = client.pay("acct", 1_000)
    assert response.decision == OK and response.risk.model_version == ""  # the test engine runs without a model
    shadow = report(client)
    assert (shadow.model_version, shadow.policy_version) == ("fraud-everything", "default-2026.1")
    (disagreement,) = shadow.disagreements
    assert disagreement.shadow.decision == NO and list(disagreement.shadow.reasons) == [c.REASON_SUSPECTED_FRAUD]
    assert disagreement.shadow.score > 0.98 and disagreement.active.score != disagreement.active.score  # NaN


def test_batch_and_bulk_items_are_shadowed_on_the_state_of_their_turn(client):
    """With a candidate allowing one payment a day, the second payment of an account in a batch
    is declined by the shadow: it sees the first one booked by the active decision."""
    client.upsert("acct", 10_000_000, tier=c.TIER_STANDARD)
    client.upsert("other", 10_000_000, tier=c.TIER_STANDARD)
    client.admin.SetShadow(admin_pb2.SetShadowRequest(policy=candidate_policy(per_transaction_minor=1_000_000,
                                                                              daily_count=1)))
    batch = client.authz.AuthorizeBatch(authz.AuthorizeBatchRequest(requests=[
        client.pay_request("acct", 100, request_id="b-1"), client.pay_request("other", 100, request_id="b-2"),
        client.pay_request("acct", 100, request_id="b-3")]))
    assert [r.response.decision for r in batch.results] == [OK, OK, OK]
    shadow = report(client)
    assert counts(shadow) == {(OK, OK): 2, (OK, NO): 1}
    assert [(d.request_id, d.item) for d in shadow.disagreements] == [("b-3", 2)]
    assert list(shadow.disagreements[0].shadow.reasons) == [c.REASON_DAILY_COUNT_LIMIT_EXCEEDED]

    chunk = columns.bulk_request("chunk-1", [client.pay_request("other", 100), client.pay_request("nobody", 100),
                                            client.pay_request("acct", 100)])
    assert list(client.authz.AuthorizeBulk(chunk).decisions) == [OK, c.DECISION_UNSPECIFIED, OK]
    shadow = report(client)
    assert shadow.decisions == 5, "the unknown account is decided by neither"
    assert [(d.request_id, d.item) for d in shadow.disagreements] == [("chunk-1", 2), ("chunk-1", 0), ("b-3", 2)]


def test_shadow_of_stored_versions_and_refusals(client):
    client.upsert("acct", 10_000_000, tier=c.TIER_STANDARD)
    client.admin.SetPolicy(admin_pb2.SetPolicyRequest(request_id=client.rid(), policy=candidate_policy("stored-1")))
    client.admin.ActivateVersion(admin_pb2.ActivateVersionRequest(
        request_id=client.rid(), kind=admin_pb2.VERSION_KIND_POLICY, version="default-2026.1"))
    client.admin.SetShadow(admin_pb2.SetShadowRequest(policy_version="stored-1"))
    assert client.pay("acct", 10_000).decision == OK
    assert counts(report(client)) == {(OK, NO): 1}

    error = call_error(client.admin.SetShadow, admin_pb2.SetShadowRequest(model_version="never-stored"))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    error = call_error(client.admin.SetShadow, admin_pb2.SetShadowRequest())
    assert violated_fields(error) == ["policy_candidate"]
    bad = candidate_policy()
    bad.hold_ttl_seconds = 1
    error = call_error(client.admin.SetShadow, admin_pb2.SetShadowRequest(policy=bad))
    assert violated_fields(error) == ["policy.hold_ttl_seconds"]
    error = call_error(client.admin.SetShadow, admin_pb2.SetShadowRequest(model=admin_pb2.ShadowModel(model=b"{}")))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert report(client).policy_version == "stored-1", "a refused candidate leaves the one set"


def test_the_shadow_follows_new_profiles_growth_and_the_active_model(data_dir, clock):
    engine = Engine(Journal(data_dir), clock=clock, default_model=False)
    try:
        engine.set_shadow(admin_pb2.SetShadowRequest(policy=candidate_policy()))
        request = authz.AuthorizeRequest(channel=c.CHANNEL_WALLET, amount_minor=6_000, currency="CNY",
                                         merchant=authz.Merchant(merchant_id="m", mcc="5411"))
        # More accounts than the tables first hold (they are reallocated), each with its own
        # overrides (a new limit profile the candidate resolves under its own policy).
        for i in range(1_100):
            engine.upsert_account(admin_pb2.UpsertAccountRequest(
                request_id=f"u-{i}", account_id=f"a-{i}", credit_limit_minor=1_000_000, tier=c.TIER_STANDARD,
                limit_overrides=c.LimitProfile(daily_count=1_000 + i)))
        for i in (0, 1_099):
            request.request_id, request.account_id = f"r-{i}", f"a-{i}"
            assert engine.authorize(request)[0].decision == OK
        shadow = engine.get_shadow_report().report
        assert counts(shadow) == {(OK, NO): 2}
        assert {tuple(d.shadow.reasons) for d in shadow.disagreements} == {(c.REASON_TRANSACTION_LIMIT_EXCEEDED,)}
        # A policy-only candidate scores with the active model, whichever it is.
        engine.set_risk_model(admin_pb2.SetRiskModelRequest(request_id="m", model=fraud_model(4.0), version="m"))
        request.request_id, request.amount_minor = "r-model", 100
        assert engine.authorize(request)[0].decision == NO
        latest = engine.get_shadow_report().report
        assert counts(latest)[(NO, NO)] == 1 and latest.model_version == "m"
    finally:
        engine.close()


def test_disagreements_are_bounded_newest_first(data_dir, clock):
    engine = Engine(Journal(data_dir), clock=clock, default_model=False)
    try:
        engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="u", account_id="acct",
                                                             credit_limit_minor=10**10, tier=c.TIER_PREMIUM,
                                                             limit_overrides=c.LimitProfile(daily_count=10_000)))
        engine.set_shadow(admin_pb2.SetShadowRequest(model=admin_pb2.ShadowModel(model=fraud_model(4.0))))
        chunk = columns.bulk_request("", [authz.AuthorizeRequest(
            account_id="acct", channel=c.CHANNEL_WALLET, amount_minor=1, currency="CNY",
            merchant=authz.Merchant(merchant_id="m", mcc="5411"))] * 150)
        policy = default_policy()
        policy.version = "no-velocity"
        policy.risk.max_payments_per_minute = policy.risk.max_payments_per_hour = 0
        engine.set_policy(admin_pb2.SetPolicyRequest(request_id="p", policy=policy))
        chunk.request_id = "big"
        engine.authorize_bulk(chunk)
        shadow = engine.get_shadow_report().report
        assert shadow.decisions == 150 and len(shadow.disagreements) == MAX_DISAGREEMENTS
        assert [d.item for d in shadow.disagreements[:3]] == [149, 148, 147]
    finally:
        engine.close()


def test_partition_reports_merge():
    one = admin_pb2.ShadowReport(active=True, policy_version="p", model_version="m", decisions=3, agreements=2,
                                 counts=[admin_pb2.ShadowCount(active=OK, shadow=OK, count=2),
                                         admin_pb2.ShadowCount(active=OK, shadow=NO, count=1)])
    one.since.seconds = 20
    one.disagreements.add(request_id="a").decided_at.seconds = 5
    two = admin_pb2.ShadowReport(active=True, policy_version="p", model_version="m", decisions=1, agreements=0,
                                 counts=[admin_pb2.ShadowCount(active=OK, shadow=NO, count=1)])
    two.since.seconds = 10
    two.disagreements.add(request_id="b").decided_at.seconds = 7
    merged = merge_reports([one, two, admin_pb2.ShadowReport()])
    assert (merged.decisions, merged.agreements, merged.since.seconds) == (4, 2, 10)
    assert counts(merged) == {(OK, OK): 2, (OK, NO): 2}
    assert [d.request_id for d in merged.disagreements] == ["b", "a"]
    assert merge_reports([admin_pb2.ShadowReport()]) == admin_pb2.ShadowReport()


@pytest.mark.parametrize("amount", [1, 5_000, 5_001])
def test_agreement_at_the_candidate_limit(client, amount):
    """Table: the candidate's per-transaction limit of 5,000, one payment each."""
    client.upsert("acct", 10_000_000, tier=c.TIER_STANDARD)
    client.admin.SetShadow(admin_pb2.SetShadowRequest(policy=candidate_policy()))
    client.pay("acct", amount)
    expected = (OK, OK) if amount <= 5_000 else (OK, NO)
    assert counts(report(client)) == {expected: 1}
