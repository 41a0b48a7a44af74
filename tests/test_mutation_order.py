"""Every mutation runs in one order: decide without changing memory, journal, then apply the
journaled effect by the code that replays it. So memory while the record is being written is
memory before the request, a record that cannot be written leaves memory as it was, and a live
engine's state is bit for bit the state a restart rebuilds from its journal."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from authcore.decision import columns
from authcore.engine import Engine
from authcore.errors import Unavailable
from authcore.journal.store import Journal
from authcore.v1 import (
    account_pb2, admin_pb2, authorization_pb2 as authz, common_pb2 as c, installment_pb2 as inst,
)

from conftest import Clock
from helpers import journal_refusing_writes

OK, NO = c.DECISION_APPROVED, c.DECISION_DECLINED


def payment(request_id: str, account_id: str, amount_minor: int, channel: int = c.CHANNEL_WALLET, *,
            device: str = "", ip: str = "", latitude: float = 0.0, longitude: float = 0.0,
            factors: tuple = (1, 2)) -> authz.AuthorizeRequest:
    qr = c.QR_CODE_TYPE_DYNAMIC if channel == c.CHANNEL_SCAN_TO_PAY else c.QR_CODE_TYPE_UNSPECIFIED
    return authz.AuthorizeRequest(
        request_id=request_id, account_id=account_id, channel=channel, amount_minor=amount_minor, currency="CNY",
        qr_code_type=qr, merchant=authz.Merchant(merchant_id=f"m-{account_id}", mcc="5411", country="CN"),
        device=authz.Device(device_id=device, ip=ip, latitude=latitude, longitude=longitude),
        verification=authz.Verification(factors=factors))


def upsert(engine: Engine, request_id: str, account_id: str, limit_minor: int, **fields):
    return engine.upsert_account(admin_pb2.UpsertAccountRequest(
        request_id=request_id, account_id=account_id, credit_limit_minor=limit_minor, **fields))[0]


def memory(engine: Engine) -> tuple:
    """Everything the journal builds in memory, as comparable plain data (row bytes: bit for bit)."""
    ledger = engine.ledger
    n = ledger.n_accounts
    return (n, ledger.accounts[:n].tobytes(), ledger.behaviour[:n].tobytes(), list(ledger.account_ids),
            list(ledger.zones), {slot: p.SerializeToString(deterministic=True) for slot, p in ledger.overrides.items()},
            dict(ledger.credit_scores), dict(ledger.auto_installment), list(ledger.profile_specs),
            holds_of(ledger))


def holds_of(ledger) -> dict:
    """The hold table as comparable plain data: its arrays (rows, per-account lists, index,
    id arena) as bytes, bit for bit, and its merchant table."""
    return {name: value.tobytes() if isinstance(value, np.ndarray) else value
            for name, value in ledger.hold_table.dump().items()}


def test_live_state_after_mixed_traffic_is_bit_for_bit_the_replayed_state(tmp_path):
    """Unary, batch and bulk traffic with declines, challenges, repeated accounts in one batch
    and chunk, unknown accounts, captures, voids, repayments, upserts, a day boundary and an
    import chunk (a new account, existing ones changed, one frozen for overdue): the
    live engine's rows equal those of an engine started on its journal, byte for byte."""
    clock = Clock()
    live = Engine(Journal(tmp_path / "d"), clock=clock)
    for k, limit in enumerate((5_000_000, 80_000, 30_000, 2_000_000)):
        upsert(live, f"open-{k}", f"acct-{k}", limit, tier=c.TIER_STANDARD)
    live.set_auto_installment(inst.SetAutoInstallmentRequest(
        request_id="auto", account_id="acct-3",
        setting=inst.AutoInstallment(enabled=True, term_months=6, threshold_minor=50_000)))
    decisions = []
    for day in range(2):
        first, _ = live.authorize(payment(f"u{day}", "acct-0", 12_000, device="phone-1", ip="10.0.0.1",
                                          latitude=31.2, longitude=121.5))
        decisions.append(first.decision)
        batch = live.authorize_batch(authz.AuthorizeBatchRequest(requests=[
            payment(f"b{day}-0", "acct-1", 30_000, device="phone-2"),
            payment(f"b{day}-1", "acct-1", 30_000, c.CHANNEL_SCAN_TO_PAY, ip="10.1.0.9"),
            payment(f"b{day}-2", "acct-1", 30_000),  # over the credit left: declined
            payment(f"b{day}-3", "acct-2", 20_000, c.CHANNEL_QUICK_PAY, factors=()),
            payment(f"b{day}-4", "nobody", 1_000),
            payment(f"b{day}-0", "acct-1", 30_000, device="phone-2"),  # the same request twice
            payment(f"b{day}-5", "acct-0", 8_000, latitude=39.9, longitude=116.4),
        ]))
        decisions += [r.response.decision for r in batch.results if r.HasField("response")]
        chunk = [payment(f"k{day}-{j}", f"acct-{j % 4}", 4_000 + 997 * j, (c.CHANNEL_WALLET, c.CHANNEL_SCAN_TO_PAY,
                                                                            c.CHANNEL_QUICK_PAY)[j % 3],
                         device=f"dev-{j % 5}", ip=f"10.2.{j % 3}.1", latitude=30.0 + j / 10, longitude=120.0)
                 for j in range(60)]
        chunk.insert(7, payment(f"k{day}-x", "nobody", 1_000))
        bulk, _ = live.authorize_bulk(columns.bulk_request(f"chunk-{day}", chunk))
        decisions += list(bulk.decisions)
        held = [a for a in bulk.authorization_ids if a]
        live.capture(authz.CaptureRequest(request_id=f"cap{day}", authorization_id=held[0], currency="CNY",
                                          amount_minor=1_000))
        live.void(authz.VoidRequest(request_id=f"void{day}", authorization_id=held[1]))
        repaid = live.ledger.account_ids[live.ledger.holds[held[0]].slot]
        live.repay(account_pb2.RepayRequest(request_id=f"repay{day}", account_id=repaid, amount_minor=500,
                                            currency="CNY"))
        upsert(live, f"raise{day}", "acct-2", 60_000 + day, tier=c.TIER_STANDARD,
               limit_overrides=c.LimitProfile(daily_count=40 + day))
        clock.advance(86_400 - 3_600)
    # Accounts opened and changed in bulk: a new one, a limit, a tier over overrides, a freeze.
    others = [a for a in ("acct-1", "acct-2", "acct-3") if a != repaid][:2]
    imported = live.import_accounts([admin_pb2.ImportAccountsRequest(
        request_id="import", account_ids=["bulk-1", *others, repaid],
        credit_limits_minor=[9_000, 70_000, 61_000, 5_000_000], tiers=[0, c.TIER_PREMIUM, c.TIER_NEW, 0],
        overdue_minor=[0, 0, 0, 100], time_zones=["UTC", "", "", ""], credit_scores=[0.4, float("nan"), 0.9, 0.1])])
    assert not imported.chunks[0].HasField("error"), imported
    # The traffic exercised approvals and declines, on more than one path.
    assert {OK, NO} <= set(decisions)
    before = memory(live)
    live.close()
    replayed = Engine(Journal(tmp_path / "d"), clock=clock)
    try:
        assert replayed.replayed_records > 20
        assert memory(replayed) == before
    finally:
        replayed.close()


@pytest.fixture
def live(tmp_path):
    """An engine with the default model and two accounts with some history."""
    engine = Engine(Journal(tmp_path / "d"), clock=Clock())
    upsert(engine, "o1", "a", 1_000_000, tier=c.TIER_STANDARD)
    upsert(engine, "o2", "b", 50_000, tier=c.TIER_STANDARD)
    engine.authorize(payment("first", "a", 10_000, device="d1"))
    yield engine
    engine.close()


MUTATIONS = {
    "Authorize": lambda e: e.authorize(payment("p", "a", 20_000, device="d2")),
    "AuthorizeBatch": lambda e: e.authorize_batch(authz.AuthorizeBatchRequest(requests=[
        payment("p1", "a", 20_000), payment("p2", "b", 30_000), payment("p3", "b", 30_000),
        payment("p4", "a", 5_000, c.CHANNEL_QUICK_PAY)])),
    "AuthorizeBulk": lambda e: e.authorize_bulk(columns.bulk_request("chunk", [
        payment("", "a", 20_000), payment("", "b", 30_000), payment("", "b", 30_000), payment("", "nobody", 1),
        payment("", "a", 5_000, c.CHANNEL_QUICK_PAY)])),
    "UpsertAccount (create)": lambda e: upsert(e, "u", "new", 70_000, tier=c.TIER_PREMIUM,
                                               limit_overrides=c.LimitProfile(daily_count=3)),
    "UpsertAccount (change)": lambda e: upsert(e, "u", "a", 70_000, tier=c.TIER_PREMIUM,
                                               limit_overrides=c.LimitProfile(daily_count=4)),
    "ImportAccounts (create and change)": lambda e: e.accounts.import_chunk(admin_pb2.ImportAccountsRequest(
        request_id="i", account_ids=["new-1", "a", "new-2"], credit_limits_minor=[1, 2, 3],
        tiers=[c.TIER_PREMIUM, c.TIER_NEW, 0], credit_scores=[0.5, 0.6, float("nan")])),
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_memory_is_unchanged_while_the_record_is_written(live, mutation):
    """Decided first, applied after: what the journal write sees in memory is the state before."""
    before = memory(live)
    seen = []
    commit = live.committer.commit

    def spy(records, side=()):
        seen.append(memory(live))
        return commit(records, side)

    live.committer.commit = spy
    MUTATIONS[mutation](live)
    assert seen == [before]
    assert memory(live) != before


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_a_record_that_cannot_be_written_changes_nothing(live, mutation):
    before = memory(live)
    commit = live.committer.commit

    def full(records, side=()):
        raise sqlite3.OperationalError("database or disk is full")

    live.committer.commit = full
    with pytest.raises(Unavailable, match="could not be written"):
        MUTATIONS[mutation](live)
    assert memory(live) == before
    # The request_id was not remembered: the same request acts once the journal takes it.
    live.committer.commit = commit
    MUTATIONS[mutation](live)
    assert memory(live) != before


def test_an_upsert_answers_with_the_account_as_it_is_afterwards(live):
    """The answer is built before the change is applied, from the decided settings."""
    cases = [
        dict(account_id="new", credit_limit_minor=70_000, tier=c.TIER_PREMIUM, time_zone="UTC",
             limit_overrides=c.LimitProfile(daily_count=3), credit_score=0.7),
        dict(account_id="a", credit_limit_minor=90_000, tier=c.TIER_PREMIUM, overdue_minor=5_000,
             limit_overrides=c.LimitProfile(daily_amount_minor=77_000)),
        dict(account_id="a", credit_limit_minor=90_000, status=c.ACCOUNT_STATUS_FROZEN),
        dict(account_id="b", credit_limit_minor=10_000),
    ]
    live.capture(authz.CaptureRequest(request_id="cap", currency="CNY", authorization_id=next(iter(live.ledger.holds))))
    for k, fields in enumerate(cases):
        answer, _ = live.upsert_account(admin_pb2.UpsertAccountRequest(request_id=f"u{k}", **fields))
        now = live.get_account(account_pb2.GetAccountRequest(account_id=fields["account_id"]))
        assert answer.account == now.account, fields


def test_a_book_over_copied_rows_decides_as_the_ledgers_and_books_into_the_copies_only(live):
    ledger = live.ledger
    slot = ledger.slot_of["b"]
    accounts, behaviour = ledger.accounts.copy(), ledger.behaviour.copy()
    scratch = ledger.scratch(np.array([slot]))
    now_s = live.core.now()
    # Channel index 0 (wallet), CNY (156), no QR code, password and biometric verified.
    payment_args = (0, 20_000, 156, 0, 3, now_s)
    theirs = scratch.authorize(0, *payment_args)
    ours = ledger.book.authorize(slot, *payment_args, book=False)
    assert theirs == ours and theirs[0] == OK
    assert ledger.accounts.tobytes() == accounts.tobytes() and ledger.behaviour.tobytes() == behaviour.tobytes()
    assert int(scratch.accounts[0]["held"]) == int(accounts[slot]["held"]) + 20_000
    assert scratch.behaviour[0]["n_payments"] == behaviour[slot]["n_payments"] + 1


@pytest.mark.parametrize("snapshot_after_round", [None, 1])
def test_holds_dropped_after_the_refund_window_replay_to_the_same_table(tmp_path, snapshot_after_round):
    """Holds captured (one with an installment plan), voided and expired, dropped by the sweeper
    once the refund window passed, new holds taking their rows: the live hold table is bit for
    bit the one a restart rebuilds, from the whole journal or from a snapshot taken midway."""
    clock = Clock()
    live = Engine(Journal(tmp_path / "d"), clock=clock)
    upsert(live, "o", "a", 50_000_000, tier=c.TIER_STANDARD)
    live.set_auto_installment(inst.SetAutoInstallmentRequest(
        request_id="auto", account_id="a",
        setting=inst.AutoInstallment(enabled=True, term_months=6, threshold_minor=50_000)))
    placed, first = 0, []
    for day in range(4):
        held = [live.authorize(payment(f"p{day}-{k}", "a", 10_000 + 15_000 * k))[0].authorization_id
                for k in range(6)]
        placed += len(held)
        for k in (0, 4):  # 10_000 in full; 70_000 over the auto-installment threshold: a plan
            live.capture(authz.CaptureRequest(request_id=f"c{day}-{k}", authorization_id=held[k], currency="CNY"))
        live.void(authz.VoidRequest(request_id=f"v{day}", authorization_id=held[1]))
        first = first if day else held
        assert len(live.ledger.plans_of(0)) == day + 1, "a plan is kept a refund window past its last installment"
        clock.advance(8 * 86_400)
        assert live.expire_due() == 3
        clock.advance(100 * 86_400)
        live.expire_due()
        if day == snapshot_after_round:
            live.snapshot()
    clock.advance(400 * 86_400)
    live.expire_due()
    assert len(live.ledger.holds) == 0
    fresh = [live.authorize(payment(f"late-{k}", "a", 1_000))[0].authorization_id for k in range(3)]
    table = live.ledger.hold_table
    assert table.top < placed and table.live == 3, "dropped holds' rows are used again"
    assert all(live.ledger.dropped(authorization_id) for authorization_id in first)
    before = memory(live)
    live.close()
    replayed = Engine(Journal(tmp_path / "d"), clock=clock)
    try:
        assert memory(replayed) == before
        assert sorted(replayed.ledger.holds) == sorted(fresh)
    finally:
        replayed.close()


def test_a_drop_that_cannot_be_written_drops_nothing_and_each_sweep_drops_a_bounded_batch(tmp_path, monkeypatch):
    monkeypatch.setattr("authcore.engine.holds.DROP_BATCH", 2)
    clock = Clock()
    engine = Engine(Journal(tmp_path / "d"), clock=clock)
    try:
        upsert(engine, "o", "a", 1_000_000, tier=c.TIER_STANDARD)
        held = [engine.authorize(payment(f"p{k}", "a", 1_000))[0].authorization_id for k in range(5)]
        for k, authorization_id in enumerate(held):
            engine.void(authz.VoidRequest(request_id=f"v{k}", authorization_id=authorization_id))
        clock.advance(180 * 86_400)
        before = memory(engine)
        with journal_refusing_writes(engine.journal), pytest.raises(Unavailable):
            engine.expire_due()
        assert memory(engine) == before
        dropped = []
        for _ in range(3):
            engine.expire_due()
            dropped.append(sum(engine.ledger.dropped(authorization_id) for authorization_id in held))
        assert dropped == [2, 4, 5], "the holds whose drop could not be written are dropped by a later sweep"
    finally:
        engine.close()
