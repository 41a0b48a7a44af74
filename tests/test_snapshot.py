"""Snapshots: a restart from a snapshot plus the journal after it rebuilds exactly the state of a
restart from the whole journal; the journal before the snapshot is dropped, and with it every
request_id past the retention window — both bounded on disk."""

from __future__ import annotations

import pickle
import sqlite3

import numpy as np
import pytest

from authcore.engine import Engine
from authcore.journal.store import Journal, JournalCorrupt
from authcore.v1 import (
    account_pb2, admin_pb2, authorization_pb2 as authz, common_pb2 as c, credit_pb2, installment_pb2 as inst,
)

from authcore.engine.common import risk_inputs
from helpers import rows_v1
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
        assert "old" not in restarted.idempotency and len(restarted.idempotency) == 0
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


def ids_and_zones_as_lists(ledger: dict) -> dict:
    """A ledger's snapshot data as builds before the compiled account index wrote it: the ids
    (account_ids) and each account's zone (zones) as lists of str."""
    old = dict(ledger)
    index = old.pop("account_index")
    data, offsets = index["ids"].tobytes(), index["offsets"].tolist()
    old["account_ids"] = [data[a:b].decode() for a, b in zip(offsets, offsets[1:])]
    names, codes = old.pop("zone_names"), old.pop("zone_codes")
    old["zones"] = [names[code] for code in codes.tolist()]
    return old


def test_a_snapshot_with_ids_and_zones_as_lists_still_starts(engine, clock, data_dir):
    zones = ("Asia/Shanghai", "UTC", "Asia/Tokyo", "Asia/Shanghai")
    accounts = [f"acct-{i}" for i in range(len(zones))]
    for i, (account_id, zone) in enumerate(zip(accounts, zones)):
        engine.upsert_account(admin_pb2.UpsertAccountRequest(
            request_id=f"u{i}", account_id=account_id, credit_limit_minor=10**6, tier=c.TIER_STANDARD, time_zone=zone))
    held, _ = engine.authorize(authz.AuthorizeRequest(
        request_id="pay", account_id="acct-2", channel=c.CHANNEL_WALLET, amount_minor=5_000, currency="CNY",
        merchant=authz.Merchant(merchant_id="m", mcc="5411")))
    assert held.decision == c.DECISION_APPROVED
    seq = engine.snapshot()
    ask = lambda e, a: e.get_account(account_pb2.GetAccountRequest(account_id=a))  # noqa: E731
    answers = {a: ask(engine, a) for a in accounts}
    engine.close()
    db = sqlite3.connect(data_dir / "authcore.db")
    try:
        (blob,) = db.execute("SELECT state FROM snapshot WHERE seq = ?", (seq,)).fetchone()
        state = pickle.loads(blob)
        assert state["format"] == 4
        state["format"], state["ledger"] = 2, ids_and_zones_as_lists(state["ledger"])
        # Format 2 kept the request ids as tuples (tests/test_request_index.py starts on those).
        state["idempotency"] = []
        assert state["ledger"]["account_ids"] == accounts and state["ledger"]["zones"] == list(zones)
        db.execute("UPDATE snapshot SET state = ? WHERE seq = ?", (pickle.dumps(state), seq))
        db.commit()
    finally:
        db.close()

    restarted = Engine(Journal(data_dir), clock=clock, default_model=False)
    try:
        assert restarted.snapshot_seq == seq and restarted.replayed_records == 0
        assert {a: ask(restarted, a) for a in accounts} == answers
        assert list(restarted.ledger.account_ids) == accounts and list(restarted.ledger.zones) == list(zones)
        # It goes on as before: the next account takes the next slot, the next snapshot the new form.
        restarted.upsert_account(admin_pb2.UpsertAccountRequest(request_id="u9", account_id="acct-new",
                                                                credit_limit_minor=10, time_zone="UTC"))
        assert restarted.ledger.slot_of["acct-new"] == len(accounts)
        assert "account_index" in restarted.ledger.dump() and "account_ids" not in restarted.ledger.dump()
    finally:
        restarted.close()


def test_a_snapshot_of_a_format_this_build_does_not_know_is_refused(engine, clock, data_dir):
    engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="u", account_id="a", credit_limit_minor=10))
    seq = engine.snapshot()
    engine.close()
    db = sqlite3.connect(data_dir / "authcore.db")
    try:
        (blob,) = db.execute("SELECT state FROM snapshot WHERE seq = ?", (seq,)).fetchone()
        state = {**pickle.loads(blob), "format": 5}
        db.execute("UPDATE snapshot SET state = ? WHERE seq = ?", (pickle.dumps(state), seq))
        db.commit()
    finally:
        db.close()
    with pytest.raises(JournalCorrupt, match="snapshot format 5; this build reads formats 2, 3, 4"):
        Engine(Journal(data_dir), clock=clock, default_model=False)


def test_a_snapshot_of_holds_as_tuples_still_starts(data_dir, clock, monkeypatch):
    """A snapshot written before the hold table held every hold as a tuple of the Hold dataclass's
    fields: a build with the table starts on it with the same holds, listings and plans, and
    serves them on."""
    engine = Engine(Journal(data_dir), clock=clock, default_model=False)
    engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="u", account_id="a", credit_limit_minor=10**6,
                                                         tier=c.TIER_STANDARD))
    engine.set_auto_installment(inst.SetAutoInstallmentRequest(
        request_id="auto", account_id="a", setting=inst.AutoInstallment(enabled=True, term_months=6,
                                                                        threshold_minor=50_000)))
    ids = []
    for i, amount in enumerate((10_000, 60_000, 20_000, 30_000, 40_000)):
        clock.advance(60)
        ids.append(engine.authorize(authz.AuthorizeRequest(
            request_id=f"r{i}", account_id="a", channel=c.CHANNEL_WALLET, amount_minor=amount, currency="CNY",
            merchant=authz.Merchant(merchant_id=f"m{i % 2}", mcc="5411")))[0].authorization_id)
    for k in (0, 1):
        engine.capture(authz.CaptureRequest(request_id=f"c{k}", authorization_id=ids[k], currency="CNY"))
    engine.refund(authz.RefundRequest(request_id="rf", authorization_id=ids[0], amount_minor=1_000, currency="CNY"))
    engine.void(authz.VoidRequest(request_id="v", authorization_id=ids[2]))
    before = {i: engine.ledger.holds[i].astuple() for i in ids}
    account = engine.get_account(account_pb2.GetAccountRequest(account_id="a")).account
    assert len(account.installments) == 1 and len(account.holds) == 2
    old_state = engine._state

    def as_before_the_table():
        state = old_state()
        state["ledger"]["holds"] = [engine.ledger.holds[i].astuple() for i in ids]
        return state

    monkeypatch.setattr(engine, "_state", as_before_the_table)
    engine.snapshot()
    engine.close()
    restarted = Engine(Journal(data_dir), clock=clock, default_model=False)
    try:
        assert restarted.replayed_records == 0
        assert {i: restarted.ledger.holds[i].astuple() for i in ids} == before
        assert restarted.get_account(account_pb2.GetAccountRequest(account_id="a")).account == account
        restarted.capture(authz.CaptureRequest(request_id="c3", authorization_id=ids[3], currency="CNY"))
        assert restarted.refund(authz.RefundRequest(request_id="rf2", authorization_id=ids[1], amount_minor=5_000,
                                                    currency="CNY"))[0].refunded_total_minor == 5_000
        clock.advance(8 * 86400)
        assert restarted.expire_due() == 1 and restarted.ledger.holds[ids[4]].state == "expired"
        assert restarted.ledger.row(0)["held"] == 0
    finally:
        restarted.close()


def test_a_snapshot_with_rows_of_the_old_layouts_still_starts(engine, clock, data_dir):
    """A snapshot whose account and behaviour rows are of the layouts before narrowing (168 B and
    264 B, 64-bit device hashes, float64 amounts) starts: its rows are converted field by field."""
    device = authz.Device(device_id="phone-a", ip="10.1.2.3", latitude=31.23, longitude=121.47)
    for account_id in ("paid", "idle"):
        engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id=f"u-{account_id}", account_id=account_id,
                                                             credit_limit_minor=10**6, tier=c.TIER_STANDARD))
    for i, amount in enumerate((1_234, 5_678)):
        held, _ = engine.authorize(authz.AuthorizeRequest(
            request_id=f"pay{i}", account_id="paid", channel=c.CHANNEL_WALLET, amount_minor=amount, currency="CNY",
            merchant=authz.Merchant(merchant_id="m", mcc="5411"), device=device))
        assert held.decision == c.DECISION_APPROVED
    seq = engine.snapshot()
    n = engine.ledger.n_accounts
    accounts, behaviour = engine.ledger.accounts[:n].copy(), engine.ledger.behaviour[:n].copy()
    hashes = risk_inputs(authz.AuthorizeRequest(device=device, merchant=authz.Merchant(mcc="5411")))[:2]
    engine.close()
    db = sqlite3.connect(data_dir / "authcore.db")
    try:
        (blob,) = db.execute("SELECT state FROM snapshot WHERE seq = ?", (seq,)).fetchone()
        state = pickle.loads(blob)
        old_accounts, old_behaviour = rows_v1(state["ledger"]["accounts"], state["ledger"]["behaviour"], hashes)
        assert old_accounts.itemsize == 168 and old_behaviour.itemsize == 264
        assert old_behaviour["last_device"][0] == hashes[0] and old_accounts["day_index"][1] == -2**31
        # A mean the old row held in float64: it comes back rounded to float32.
        old_behaviour["mean_amount"][0] = 34.561
        state["ledger"]["accounts"], state["ledger"]["behaviour"] = old_accounts, old_behaviour
        db.execute("UPDATE snapshot SET state = ? WHERE seq = ?", (pickle.dumps(state), seq))
        db.commit()
    finally:
        db.close()

    restarted = Engine(Journal(data_dir), clock=clock, default_model=False)
    try:
        assert restarted.snapshot_seq == seq and restarted.replayed_records == 0
        assert restarted.ledger.accounts[:n].tobytes() == accounts.tobytes()
        expected = behaviour.copy()
        expected["mean_amount"][0] = np.float32(34.561)
        assert restarted.ledger.behaviour[:n].tobytes() == expected.tobytes()
        # The device paid from before reads as known; the idle account goes on with fresh windows.
        answer, _ = restarted.authorize(authz.AuthorizeRequest(
            request_id="pay-after", account_id="paid", channel=c.CHANNEL_WALLET, amount_minor=100, currency="CNY",
            merchant=authz.Merchant(merchant_id="m", mcc="5411"), device=device))
        assert answer.decision == c.DECISION_APPROVED
        assert restarted.ledger.book.features[13] == 0.0   # new_device
        answer, _ = restarted.authorize(authz.AuthorizeRequest(
            request_id="idle-pays", account_id="idle", channel=c.CHANNEL_WALLET, amount_minor=100, currency="CNY",
            merchant=authz.Merchant(merchant_id="m", mcc="5411")))
        assert answer.decision == c.DECISION_APPROVED
        slot = restarted.ledger.slot_of["idle"]
        assert restarted.ledger.accounts[slot]["day_count"] == 1 and restarted.ledger.accounts[slot]["day_amount"] == 100
    finally:
        restarted.close()
