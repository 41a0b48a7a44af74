"""Snapshots: a restart from a snapshot plus the journal after it rebuilds exactly the state of a
restart from the whole journal; the journal before the snapshot is dropped, and with it every
request_id past the retention window — both bounded on disk."""

from __future__ import annotations

import numpy as np

from authcore.engine import Engine
from authcore.journal.store import Journal
from authcore.v1 import admin_pb2, authorization_pb2 as authz, common_pb2 as c, credit_pb2

from test_lifecycle_grpc import capture, view, void
from test_scorecard import small_card


def equal_state(a: Engine, b: Engine) -> None:
    n = a.ledger.n_accounts
    assert n == b.ledger.n_accounts
    assert (a.ledger.accounts[:n] == b.ledger.accounts[:n]).all()
    for name in a.ledger.behaviour.dtype.names:
        assert np.array_equal(a.ledger.behaviour[:n][name], b.ledger.behaviour[:n][name], equal_nan=True), name
    assert a.ledger.policy == b.ledger.policy
    # Authorization ids are random per store: compare the holds themselves.
    holds = lambda e: sorted((h.slot, h.created_s, h.state, h.amount, h.captured, h.refunded, h.day_index)  # noqa: E731
                             for h in e.ledger.holds.values())
    assert holds(a) == holds(b)
    assert a.ledger.hold_table.open_slots() == b.ledger.hold_table.open_slots()
    assert a.model_info == b.model_info
    assert a.get_scorecard() == b.get_scorecard()


def test_snapshot_restart_equals_full_replay(client, service, data_dir, clock):
    client.upsert("a", 1_000_000, tier=c.TIER_STANDARD, limit_overrides=c.LimitProfile(daily_count=9))
    client.upsert("b", 500_000, tier=c.TIER_NEW, time_zone="UTC")
    client.admin.SetScorecard(admin_pb2.SetScorecardRequest(request_id="sc", scorecard=small_card()))
    early = client.pay_request("a", 10_000)
    first = client.authz.Authorize(early)
    capture(client, first.authorization_id, 8_000)
    held = client.pay("b", 20_000, c.CHANNEL_QUICK_PAY)
    seq = service.engine.snapshot()
    assert seq > 0 and service.engine.journal.record_count() == 0
    void(client, held.authorization_id)
    later = client.pay("a", 5_000)
    views = {x: view(client, x) for x in ("a", "b")}
    service.stop(grace_s=1)

    restarted = Engine(Journal(data_dir), clock=clock, default_model=False)
    try:
        assert restarted.snapshot_seq == seq and restarted.replayed_records == 2
        for x, before in views.items():
            assert restarted.get_account(__import__("authcore.v1.account_pb2", fromlist=["x"]).GetAccountRequest(
                account_id=x)).account == before
        # A request from before the snapshot still replays its stored answer...
        again, replayed = restarted.authorize(early)
        assert replayed and again == first
        assert restarted.ledger.holds[later.authorization_id].state == "held"
        assert restarted.assess_credit(credit_pb2.AssessCreditRequest(applicant_id="x", attributes=[
            credit_pb2.ApplicantAttribute(name="age", number=45)])).approved
    finally:
        restarted.close()


def test_snapshot_drops_request_ids_past_retention(engine, clock, data_dir):
    engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="u", account_id="a", credit_limit_minor=10**6,
                                                         tier=c.TIER_STANDARD))
    request = authz.AuthorizeRequest(request_id="old", account_id="a", channel=c.CHANNEL_WALLET, amount_minor=100,
                                     currency="CNY", merchant=authz.Merchant(merchant_id="m", mcc="5411"))
    engine.authorize(request)
    clock.advance(engine.idempotency.retention_s + 1)
    engine.snapshot()
    engine.close()
    restarted = Engine(Journal(data_dir), clock=clock, default_model=False)
    try:
        assert "old" not in dict(restarted.idempotency.items())
        _, replayed = restarted.authorize(request)
        assert not replayed, "past the retention window the id is new again"
    finally:
        restarted.close()


def test_snapshot_then_full_replay_match(data_dir, clock, tmp_path):
    """The same requests into two stores, one snapshotted midway: both restart to the same state."""
    stores = [Engine(Journal(data_dir), clock=clock, default_model=False),
              Engine(Journal(tmp_path / "other"), clock=clock, default_model=False)]
    for k, engine in enumerate(stores):
        clock.now_s = 1_795_000_000
        for i in range(5):
            engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id=f"u{i}", account_id=f"a{i}",
                                                                 credit_limit_minor=10**6, tier=c.TIER_STANDARD))
        # Snapshots in parts of 1,000 bytes: a large state is stored across rows, each under
        # SQLite's blob limit, and read back whole.
        engine.journal.snapshot_part_bytes = 1_000
        for i in range(60):
            if i in (20, 30) and k == 0:
                engine.snapshot()
            clock.advance(37)
            engine.authorize(authz.AuthorizeRequest(
                request_id=f"r{i}", account_id=f"a{i % 5}", channel=c.CHANNEL_WALLET, amount_minor=100 + i,
                currency="CNY", merchant=authz.Merchant(merchant_id="m", mcc="5411"),
                device=authz.Device(device_id=f"d{i % 3}", ip=f"10.0.{i % 4}.1", latitude=31.2, longitude=121.4)))
        engine.close()
    a = Engine(Journal(data_dir), clock=clock, default_model=False)
    b = Engine(Journal(tmp_path / "other"), clock=clock, default_model=False)
    try:
        assert a.snapshot_seq > 0 and b.snapshot_seq == 0
        parts = a.journal.db.execute("SELECT DISTINCT seq, count(*) FROM snapshot_part GROUP BY seq").fetchall()
        assert len(parts) == 1 and parts[0][0] == a.snapshot_seq and parts[0][1] > 3  # the older one was dropped
        equal_state(a, b)
    finally:
        a.close()
        b.close()
