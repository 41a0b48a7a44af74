"""Retries with the same request_id never act twice, conflicting reuse is refused, and a
restart rebuilds the same state from the journal."""

from __future__ import annotations

import grpc
import pytest

from authcore.engine import Engine
from authcore.decision.policy import default_policy
from authcore.api.server import create_server
from authcore.journal.store import Journal
from authcore.v1 import (
    account_pb2, admin_pb2, authorization_pb2 as authz, common_pb2 as c, credit_pb2,
)

from conftest import connect
from helpers import call_error, error_reason, journal_refusing_writes
from test_risk_grpc import linear_model
from test_lifecycle_grpc import capture, refund, repay, view, void

OK = c.DECISION_APPROVED


def replayed(call) -> bool:
    return ("authcore-replayed", "true") in tuple(call.trailing_metadata())


def test_authorize_replay_returns_the_original(client):
    client.upsert("acct", 100_000, tier=c.TIER_STANDARD)
    request = client.pay_request("acct", 30_000)
    first, call1 = client.authz.Authorize.with_call(request)
    second, call2 = client.authz.Authorize.with_call(request)
    assert second == first and not replayed(call1) and replayed(call2)
    assert view(client).held_minor == 30_000


def test_declines_replay_too(client):
    client.upsert("acct", 100, tier=c.TIER_STANDARD)
    request = client.pay_request("acct", 30_000)
    first = client.authz.Authorize(request)
    client.upsert("acct", 1_000_000)  # now it would pass
    assert client.authz.Authorize(request) == first
    assert first.decision == c.DECISION_DECLINED


@pytest.mark.parametrize("rpc", ["Authorize", "Capture", "Void", "Refund", "Repay", "UpsertAccount", "SetPolicy",
                                 "SetRiskModel", "SetScorecard"])
def test_every_mutating_rpc_replays_and_refuses_conflicts(client, rpc):
    client.upsert("acct", 100_000, tier=c.TIER_STANDARD)
    held = client.pay("acct", 40_000)
    captured = client.pay("acct", 20_000)
    capture(client, captured.authorization_id)
    policy = default_policy()
    policy.version = "v-test"
    other = default_policy()
    other.version = "v-other"
    calls = {
        "Authorize": (client.authz.Authorize, lambda rid, n: client.pay_request("acct", n, request_id=rid)),
        "Capture": (client.authz.Capture, lambda rid, n: authz.CaptureRequest(
            request_id=rid, authorization_id=held.authorization_id, amount_minor=n, currency="CNY")),
        "Void": (client.authz.Void, lambda rid, n: authz.VoidRequest(
            request_id=rid, authorization_id=held.authorization_id if n == 1_000 else captured.authorization_id)),
        "Refund": (client.authz.Refund, lambda rid, n: authz.RefundRequest(
            request_id=rid, authorization_id=captured.authorization_id, amount_minor=n, currency="CNY")),
        "Repay": (client.accounts.Repay, lambda rid, n: account_pb2.RepayRequest(
            request_id=rid, account_id="acct", amount_minor=n, currency="CNY")),
        "UpsertAccount": (client.admin.UpsertAccount, lambda rid, n: admin_pb2.UpsertAccountRequest(
            request_id=rid, account_id="acct", credit_limit_minor=100_000 + n)),
        "SetPolicy": (client.admin.SetPolicy, lambda rid, n: admin_pb2.SetPolicyRequest(
            request_id=rid, policy=policy if n == 1_000 else other)),
        "SetRiskModel": (client.admin.SetRiskModel, lambda rid, n: admin_pb2.SetRiskModelRequest(
            request_id=rid, model=linear_model(-3.0, {"amount": n / 1e6}), version=f"m{n}")),
        "SetScorecard": (client.admin.SetScorecard, lambda rid, n: admin_pb2.SetScorecardRequest(
            request_id=rid, scorecard=credit_pb2.Scorecard(
                version=f"s{n}", variables=[credit_pb2.ScorecardVariable(name="age", bins=[credit_pb2.ScorecardBin(
                    label="any", missing=True, points=n)])]))),
    }
    method, make = calls[rpc]
    first, _ = method.with_call(make("same-id", 1_000))
    before = view(client)
    again, call = method.with_call(make("same-id", 1_000))
    assert again == first and replayed(call)
    assert view(client) == before, "a replay changes nothing"
    error = call_error(method, make("same-id", 2_000))
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error_reason(error) == "REQUEST_ID_REUSED"
    assert view(client) == before


def test_request_id_is_global_across_methods(client):
    client.upsert("acct", 100_000, tier=c.TIER_STANDARD)
    client.pay("acct", 1_000, request_id="shared")
    error = call_error(client.accounts.Repay, account_pb2.RepayRequest(
        request_id="shared", account_id="acct", amount_minor=1, currency="CNY"))
    assert error_reason(error) == "REQUEST_ID_REUSED"


def test_restart_rebuilds_state_exactly(client, service, data_dir, clock):
    client.upsert("a", 1_000_000, tier=c.TIER_STANDARD, limit_overrides=c.LimitProfile(daily_count=5))
    client.upsert("b", 200_000, tier=c.TIER_NEW, time_zone="UTC")
    h1 = client.pay("a", 30_000)
    h2 = client.pay("a", 20_000, c.CHANNEL_SCAN_TO_PAY, qr_code_type=c.QR_CODE_TYPE_STATIC)
    h3 = client.pay("b", 50_000, c.CHANNEL_QUICK_PAY)
    client.pay("a", 90_000_000)  # declined
    capture(client, h1.authorization_id, 25_000)
    refund(client, h1.authorization_id, 5_000)
    void(client, h2.authorization_id)
    capture(client, h3.authorization_id)
    client.upsert("b", 200_000, overdue_minor=10_000)
    repay(client, 4_000, "b")
    policy = default_policy()
    policy.version = "v2"
    policy.hold_ttl_seconds = 3600
    client.admin.SetPolicy(admin_pb2.SetPolicyRequest(request_id="p2", policy=policy))
    held = client.pay("a", 7_000)
    clock.advance(3600)
    service.engine.expire_due()
    replay_request = client.pay_request("a", 1_000)
    original = client.authz.Authorize(replay_request)
    views = {x: view(client, x) for x in ("a", "b")}
    rows = service.engine.ledger.accounts[: service.engine.ledger.n_accounts].copy()
    service.stop(grace_s=1)

    engine = Engine(Journal(data_dir), clock=clock, default_model=False)
    restarted = create_server(engine, "127.0.0.1:0", expiry_interval_s=3600).start()
    try:
        assert (engine.ledger.accounts[: engine.ledger.n_accounts] == rows).all()
        assert engine.ledger.policy.version == "v2"
        assert engine.ledger.holds[held.authorization_id].state == "expired"
        again = connect(restarted.port, counter=client.counter)
        for x, before in views.items():
            assert view(again, x) == before
        assert again.authz.Authorize(replay_request) == original
        assert error_reason(call_error(capture, again, h1.authorization_id)) == "AUTHORIZATION_ALREADY_CAPTURED"
        again.channel.close()
    finally:
        restarted.stop(grace_s=1)


def test_journal_failure_changes_nothing(client, engine):
    """If the journal cannot be written the caller gets UNAVAILABLE and memory is untouched."""
    client.upsert("acct", 100_000, tier=c.TIER_STANDARD)
    before = view(client)
    with journal_refusing_writes(engine.journal):
        for fn in (lambda: client.pay("acct", 1_000),
                   lambda: client.authz.AuthorizeBatch(authz.AuthorizeBatchRequest(
                       requests=[client.pay_request("acct", 1_000)])),
                   lambda: client.upsert("acct", 5),
                   lambda: client.upsert("new-one", 5)):
            assert call_error(fn).code() == grpc.StatusCode.UNAVAILABLE
    assert view(client) == before
    assert "new-one" not in engine.ledger.slot_of
    assert client.pay("acct", 1_000).decision == OK
