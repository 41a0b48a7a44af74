"""The journal's tail replayed at start: runs of approvals (HoldPlaced) and of records without
an effect are applied from their bytes in C (Journal.tail, Ledger.place_hold_rows,
IdempotencyIndex.put_positions), every other record by the applier. Memory after such a restart
equals memory after the same journal replayed record by record through the applier."""

from __future__ import annotations

import pathlib
import pickle
import shutil

import numpy as np
import pytest

from authcore.decision import columns
from authcore.engine import Engine
from authcore.journal import effects, segments
from authcore.journal.store import Journal, JournalCorrupt
from authcore.v1 import (
    account_pb2, admin_pb2, authorization_pb2 as authz, common_pb2 as c, installment_pb2 as inst,
)
from authcore._fast import wire

from conftest import Clock

ACCOUNTS = [f"acct-{i}" for i in range(12)]


def payment(request_id: str, account_id: str, amount_minor: int, channel: int = c.CHANNEL_WALLET,
            **fields) -> authz.AuthorizeRequest:
    if channel == c.CHANNEL_SCAN_TO_PAY:
        fields.setdefault("qr_code_type", c.QR_CODE_TYPE_DYNAMIC)
    return authz.AuthorizeRequest(
        request_id=request_id, account_id=account_id, amount_minor=amount_minor, currency="CNY", channel=channel,
        merchant=authz.Merchant(merchant_id=f"m-{amount_minor % 5}", mcc="5411", country="CN"), **fields)


def write_journal(engine: Engine, clock: Clock, snapshot_midway: bool) -> list[authz.AuthorizeRequest]:
    """Every effect kind, approvals and declines in between; returns the unary payments made."""
    for k, account_id in enumerate(ACCOUNTS[:6]):
        engine.upsert_account(admin_pb2.UpsertAccountRequest(
            request_id=f"open-{k}", account_id=account_id, credit_limit_minor=2_000_000, tier=c.TIER_STANDARD))
    engine.import_accounts([admin_pb2.ImportAccountsRequest(
        request_id="import", account_ids=ACCOUNTS[6:], credit_limits_minor=[1_500_000] * 6)])
    paid = []
    for k in range(60):
        clock.advance(7)
        channel = (c.CHANNEL_WALLET, c.CHANNEL_SCAN_TO_PAY, c.CHANNEL_QUICK_PAY)[k % 3]
        # Every seventh is over the limit: a decline, a record without an effect.
        amount = 3_000_000 if k % 7 == 3 else 1_000 + 37 * k
        extra = {"device": authz.Device(device_id=f"d-{k % 3}", ip="10.0.0.7", latitude=31.2, longitude=121.5)} \
            if k % 4 == 0 else {}
        request = payment(f"pay-{k}", ACCOUNTS[k % len(ACCOUNTS)], amount, channel, **extra)
        engine.authorize(request)
        paid.append(request)
        if snapshot_midway and k == 20:
            engine.snapshot()
    batch = authz.AuthorizeBatchRequest(requests=[payment(f"batch-{k}", ACCOUNTS[k % 5], 900 + k) for k in range(8)])
    engine.authorize_batch(batch)
    engine.authorize_bulk(columns.bulk_request("bulk", [payment("", ACCOUNTS[k % 4], 700 + k) for k in range(10)]))
    held = [engine.authorize(r)[0].authorization_id for r in paid if r.amount_minor < 3_000_000][:12]
    engine.capture(authz.CaptureRequest(request_id="cap-0", authorization_id=held[0], currency="CNY"))
    engine.capture(authz.CaptureRequest(request_id="cap-1", authorization_id=held[1], amount_minor=500,
                                        currency="CNY"))
    engine.void(authz.VoidRequest(request_id="void-0", authorization_id=held[2]))
    engine.refund(authz.RefundRequest(request_id="refund-0", authorization_id=held[0], amount_minor=300,
                                      currency="CNY"))
    engine.repay(account_pb2.RepayRequest(request_id="repay-0", account_id=ACCOUNTS[0], amount_minor=200,
                                          currency="CNY"))
    engine.set_auto_installment(inst.SetAutoInstallmentRequest(
        request_id="auto", account_id=ACCOUNTS[1], setting=inst.AutoInstallment(enabled=True, term_months=3,
                                                                              threshold_minor=50_000)))
    policy = engine.get_policy().policy
    policy.version = "tighter"
    policy.hold_ttl_seconds = 600
    engine.set_policy(admin_pb2.SetPolicyRequest(request_id="policy", policy=policy))
    for k in range(60, 70):  # approvals under the new policy, then some of them expire
        clock.advance(3)
        request = payment(f"pay-{k}", ACCOUNTS[k % len(ACCOUNTS)], 2_000 + k)
        engine.authorize(request)
        paid.append(request)
    clock.advance(601)
    assert engine.expire_due() > 0
    engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="raise", account_id=ACCOUNTS[3],
                                                         credit_limit_minor=3_000_000, tier=c.TIER_PREMIUM))
    request = payment("pay-last", ACCOUNTS[3], 2_500_000)
    engine.authorize(request)
    paid.append(request)
    return paid


def python_tail(monkeypatch) -> None:
    """Journal.tail as the applier's record-by-record replay reads it (the reference)."""
    monkeypatch.setattr(Journal, "tail", lambda self, after_seq=0, digest=b"", channel_index=None:
                        iter(self.positioned_records(after_seq, digest)))


def open_counted(data_dir, clock) -> tuple[Engine, dict]:
    """The engine of data_dir, and how its tail came: rows read in C, records read alone."""
    seen = {"compiled_rows": 0, "records": 0}
    tail = Journal.tail

    def counted(self, *args):
        for item in tail(self, *args):
            if isinstance(item, wire.TailBuffer):
                seen["compiled_rows"] += item.count
            else:
                seen["records"] += 1
            yield item

    Journal.tail = counted
    try:
        return Engine(Journal(data_dir), clock=clock, default_model=False), seen
    finally:
        Journal.tail = tail


def memory(engine: Engine) -> dict:
    state = engine._state()
    return {"ledger": state["ledger"], "idempotency": state["idempotency"]}


def assert_same(a, b, path="") -> None:
    """Nested dicts, lists, tuples and arrays equal (NaN equal to NaN)."""
    assert type(a) is type(b), path
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            assert_same(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for k, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{k}]")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, path
        if a.dtype.names:
            for name in a.dtype.names:
                assert_same(a[name], b[name], f"{path}.{name}")
        else:
            assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), path
    else:
        assert a == b or (a != a and b != b), path


def answers(engine: Engine, paid: list[authz.AuthorizeRequest]) -> list:
    """Each payment's retry (its remembered answer), then every account as GetAccount shows it."""
    retried = []
    for request in paid:
        response, replayed = engine.authorize(request)
        retried.append((response.SerializeToString(deterministic=True), replayed))
    accounts = [engine.get_account(account_pb2.GetAccountRequest(account_id=a)).SerializeToString(deterministic=True)
                for a in ACCOUNTS]
    return [retried, accounts]


@pytest.mark.parametrize("snapshot_midway", [False, True], ids=["whole-journal", "snapshot-midway"])
def test_compiled_replay_equals_the_applier(tmp_path, monkeypatch, snapshot_midway):
    clock = Clock()
    data_dir = tmp_path / "data"
    engine = Engine(Journal(data_dir), clock=clock, default_model=False)
    paid = write_journal(engine, clock, snapshot_midway)
    live = memory(engine)
    engine.close()

    compiled, seen = open_counted(data_dir, clock)
    try:
        replayed = memory(compiled)
        assert compiled.replayed_records == seen["compiled_rows"] + seen["records"]
    finally:
        compiled.close()
    # Most of the tail is approvals and declines, read in C; the rest came record by record.
    assert seen["compiled_rows"] > 40 and seen["records"] >= 10, seen
    with monkeypatch.context() as patched:
        python_tail(patched)
        reference = Engine(Journal(data_dir), clock=clock, default_model=False)
        try:
            expected = memory(reference)
            expected_answers = answers(reference, paid)
        finally:
            reference.close()
    assert_same(replayed, expected)
    assert_same(replayed["ledger"], live["ledger"])
    compiled = Engine(Journal(data_dir), clock=clock, default_model=False)
    try:
        assert answers(compiled, paid) == expected_answers
    finally:
        compiled.close()


def test_a_tail_record_that_does_not_match_its_digest_stops_the_start(tmp_path):
    clock = Clock()
    data_dir = tmp_path / "data"
    engine = Engine(Journal(data_dir), clock=clock, default_model=False)
    engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="o", account_id="a", credit_limit_minor=10**6))
    for k in range(5):
        engine.authorize(payment(f"p-{k}", "a", 1_000 + k))
    engine.close()
    # Record 4's amount changed, its frame written anew (CRCs good): only the chain can tell.
    (first_seq, path), = segments.segment_files(data_dir / "journal")
    data = bytearray(path.read_bytes())
    found = segments.scan(path, bytes(data))
    record = segments.JournalRecord.FromString(found.payloads[3])
    effect = effects.decode(record.effect)
    effect.hold_placed.amount_minor += 1
    record.effect = effect.SerializeToString()
    frame = wire.record_frame(record.seq, record.at_s, record.method, record.request_id, record.fingerprint,
                              record.effect, record.response, record.digest, None)
    start = found.offsets[3]
    end = start + 12 + len(found.payloads[3])
    path.write_bytes(bytes(data[:start]) + frame + bytes(data[end:]))
    with pytest.raises(JournalCorrupt, match="journal record 4 does not match its digest"):
        Engine(Journal(data_dir), clock=clock, default_model=False)


@pytest.mark.parametrize("fixture", ["journal-v0/plain", "journal-v0/snapshot", "journal-v1/plain",
                                     "journal-v1/snapshot"])
def test_older_journals_start_with_the_same_memory(tmp_path, monkeypatch, fixture):
    """Journals written by older builds (tests/fixtures: JSON effects, then typed effects in the
    SQLite table; moved into segment files on their first start) replay to the memory the
    applier alone builds."""
    clock = Clock()
    source = pathlib.Path(__file__).resolve().parent / "fixtures" / fixture / "authcore.db"
    for name in ("compiled", "python"):
        (tmp_path / name).mkdir()
        shutil.copyfile(source, tmp_path / name / "authcore.db")
    compiled, seen = open_counted(tmp_path / "compiled", clock)
    try:
        replayed = memory(compiled)
    finally:
        compiled.close()
    if fixture.startswith("journal-v1"):
        assert seen["compiled_rows"] > 0, seen  # typed approvals: read in C
    python_tail(monkeypatch)
    reference = Engine(Journal(tmp_path / "python"), clock=clock, default_model=False)
    try:
        assert_same(replayed, memory(reference))
    finally:
        reference.close()


@pytest.mark.parametrize("part_bytes", [1_000, 4_099, 1 << 20])
def test_a_snapshot_unpickles_as_a_stream_over_its_blobs(tmp_path, part_bytes):
    """Journal.snapshot_stream: the stored blobs read in order, without joining them first."""
    state = {"rows": np.arange(50_000, dtype=np.int64), "blob": b"x" * 70_000, "list": [1, "two", None],
             "structured": np.zeros(5, dtype=[("a", "<i8"), ("b", "<f8")])}
    journal = Journal(tmp_path / "data")
    try:
        journal.snapshot_part_bytes = part_bytes
        blob = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        seq = journal.write_snapshot(0, blob)
        found_seq, _, stream = journal.snapshot_stream()
        loaded = pickle.load(stream)
    finally:
        journal.close()
    assert found_seq == seq and journal.snapshot_part_bytes == part_bytes
    assert loaded.keys() == state.keys()
    assert np.array_equal(loaded["rows"], state["rows"]) and loaded["rows"].flags.writeable
    assert loaded["blob"] == state["blob"] and loaded["list"] == state["list"]
    assert np.array_equal(loaded["structured"], state["structured"])
