"""ImportAccounts and `authcore import`: accounts opened and updated in bulk, a chunk at a time,
each chunk one request (one request_id, one journal record) applied whole or not at all, the
same after a restart as before it."""

from __future__ import annotations

import csv
import math
import socket
import sys

import grpc
import pytest
from google.rpc import error_details_pb2

from authcore.engine import Engine
from authcore.api.server import create_server
from authcore.journal.store import Journal
from authcore.tools import cli
from authcore.v1 import account_pb2, admin_pb2, authorization_pb2 as authz, common_pb2 as c

from conftest import Clock, connect
from test_mutation_order import memory, payment

STATUS_NAMES = {c.ACCOUNT_STATUS_ACTIVE: "active", c.ACCOUNT_STATUS_FROZEN: "FROZEN", c.ACCOUNT_STATUS_CLOSED: "closed"}
TIER_NAMES = {c.TIER_NEW: "new", c.TIER_STANDARD: "standard", c.TIER_PREMIUM: "TIER_PREMIUM"}


def chunk(request_id: str, account_ids, **columns) -> admin_pb2.ImportAccountsRequest:
    return admin_pb2.ImportAccountsRequest(request_id=request_id, account_ids=list(account_ids), **columns)


def violations(result: admin_pb2.ImportChunkResult) -> dict[str, str]:
    """The field violations of a refused chunk's BadRequest, by field."""
    assert result.error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0], result.error
    for detail in result.error.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            return {v.field: v.description for v in bad.field_violations}
    raise AssertionError("no BadRequest in the refused chunk's status")


@pytest.fixture
def served(data_dir, clock):
    """A server on a free port as `authcore serve` runs it, with stubs over one channel."""
    engine = Engine(Journal(data_dir), clock=clock, max_accounts=50_000)
    service = create_server(engine, "127.0.0.1:0", expiry_interval_s=3600).start()
    client = connect(service.port)
    yield engine, service, client
    client.channel.close()
    service.stop(grace_s=1)


def write_csv(path, rows: list[dict]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def customers(n: int) -> list[dict]:
    """n customers with every column, the enums spelled the ways the file may spell them."""
    zones = ("Asia/Shanghai", "UTC", "Asia/Tokyo")
    return [{"account_id": f"cust-{i:06d}", "credit_limit_minor": 100_000 + 37 * i,
             "status": STATUS_NAMES[(c.ACCOUNT_STATUS_ACTIVE, c.ACCOUNT_STATUS_FROZEN)[i % 7 == 0]],
             "tier": TIER_NAMES[(c.TIER_NEW, c.TIER_STANDARD, c.TIER_PREMIUM)[i % 3]], "overdue_minor": 0,
             "currency": "USD" if i % 50 == 0 else "CNY", "time_zone": zones[i % 3],
             "credit_score": "" if i % 4 else round(0.3 + i / 100_000, 4)} for i in range(n)]


def test_the_cli_imports_20000_accounts_and_get_account_answers_with_them(served, tmp_path, capsys):
    engine, service, client = served
    rows = customers(20_000)
    path = tmp_path / "accounts.csv"
    write_csv(path, rows)
    target = f"127.0.0.1:{service.port}"
    assert cli.main(["import", str(path), "--target", target, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "20000 accounts in 2 chunks (20000 created, 0 updated)" in out
    assert engine.ledger.n_accounts == 20_000
    for row in rows[::997] + rows[-1:]:
        account = client.accounts.GetAccount(account_pb2.GetAccountRequest(account_id=row["account_id"]),
                                             timeout=10).account
        i = int(row["account_id"][5:])
        assert account.credit_limit_minor == row["credit_limit_minor"]
        assert account.status == (c.ACCOUNT_STATUS_FROZEN if i % 7 == 0 else c.ACCOUNT_STATUS_ACTIVE)
        assert account.tier == (c.TIER_NEW, c.TIER_STANDARD, c.TIER_PREMIUM)[i % 3]
        assert (account.currency, account.time_zone) == (row["currency"], row["time_zone"])
        assert account.HasField("credit_score") == (row["credit_score"] != "")
        if row["credit_score"] != "":
            assert account.credit_score == pytest.approx(row["credit_score"])
    # Running the same import again is answered from the journal: nothing is applied twice.
    records = engine.journal.last_seq
    before = memory(engine)
    assert cli.main(["import", str(path), "--target", target, "--quiet"]) == 0
    assert "2 chunks imported before" in capsys.readouterr().out
    assert engine.journal.last_seq == records and memory(engine) == before


def test_a_retried_chunk_is_answered_from_the_journal_and_not_applied_again(served):
    engine, service, client = served
    first = chunk("limits-1", ["r-1", "r-2"], credit_limits_minor=[5_000, 6_000])
    answer = client.admin.ImportAccounts(iter([first]), timeout=10)
    assert (answer.created, answer.updated, answer.chunks[0].replayed) == (2, 0, False)
    # A later change, then the chunk again (a client that did not see its answer): the change stands.
    client.upsert("r-1", 9_000)
    again = client.admin.ImportAccounts(iter([first]), timeout=10)
    assert again.chunks[0].replayed and (again.chunks[0].created, again.chunks[0].updated) == (2, 0)
    assert client.accounts.GetAccount(account_pb2.GetAccountRequest(account_id="r-1")).account.credit_limit_minor \
        == 9_000
    # Other columns under the same request_id: refused, as any request_id reused for another request.
    other = client.admin.ImportAccounts(iter([chunk("limits-1", ["r-1"], credit_limits_minor=[1])]), timeout=10)
    assert other.chunks[0].error.code == grpc.StatusCode.ALREADY_EXISTS.value[0]
    assert client.accounts.GetAccount(account_pb2.GetAccountRequest(account_id="r-1")).account.credit_limit_minor \
        == 9_000


def test_a_chunk_with_bad_rows_is_refused_whole_and_ends_the_stream(served):
    engine, service, client = served
    good = chunk("good-1", ["g-1", "g-2"], credit_limits_minor=[1, 2])
    bad = chunk("bad-1", ["b-0", "b 1", "b-2", "b-3", "b-4", "b-5", "b-6", "b-0"],
                credit_limits_minor=[1, 2, -3, 4, 5, 6, 7, 8], statuses=[0, 0, 0, 9, 0, 0, 0, 0],
                tiers=[0, 0, 0, 0, 7, 0, 0, 0], time_zones=["", "", "", "", "", "America/New_York", "", ""],
                currencies=["", "", "", "", "", "", "XXY", ""])
    after = chunk("good-2", ["g-3"], credit_limits_minor=[3])
    answer = client.admin.ImportAccounts(iter([good, bad, after]), timeout=10)
    assert [r.request_id for r in answer.chunks] == ["good-1", "bad-1"]
    assert (answer.created, answer.updated) == (2, 0)
    found = violations(answer.chunks[1])
    assert set(found) == {"account_ids[1]", "account_ids[7]", "credit_limits_minor[2]", "statuses[3]", "tiers[4]",
                          "currencies[6]"}, found
    assert "first at account_ids[0]" in found["account_ids[7]"]
    # The zone is checked once the columns pass: the same chunk with the other rows fixed.
    fixed = chunk("bad-2", ["b-0", "b-5"], time_zones=["", "America/New_York"])
    assert violations(client.admin.ImportAccounts(iter([fixed]), timeout=10).chunks[0]) == {
        "time_zones[1]": "zones with daylight saving time are not supported"}
    assert sorted(engine.ledger.slot_of) == ["g-1", "g-2"]


# One row breaking one rule that depends on the account already there, per line: (the chunk's
# columns for accounts "old" (CNY, Asia/Shanghai, posted balance 20,000) and "new", field, message).
STATE_RULES = [
    (dict(account_ids=["new"], overdue_minor=[1]), "overdue_minor[0]", "a new account has no balance"),
    (dict(account_ids=["old"], overdue_minor=[20_001]), "overdue_minor[0]", "above the posted balance 20000"),
    (dict(account_ids=["new", "old"], currencies=["USD", "USD"]), "currencies[1]", "old is in CNY"),
    (dict(account_ids=["old"], currency="USD"), "currency", "the currency is fixed"),
    (dict(account_ids=["new", "old"], time_zones=["UTC", "UTC"]), "time_zones[1]", "old is in Asia/Shanghai"),
    (dict(account_ids=["old"], time_zone="UTC"), "time_zone", "the time zone is fixed"),
    (dict(account_ids=["new"], time_zone="Europe/London"), "time_zone", "daylight saving"),
]


@pytest.mark.parametrize(("columns", "field", "message"), STATE_RULES)
def test_a_row_that_cannot_apply_to_the_account_refuses_the_chunk(engine, columns, field, message):
    engine.import_accounts([chunk("open", ["old"], credit_limits_minor=[100_000])])
    held, _ = engine.authorize(payment("p", "old", 20_000))
    engine.capture(authz.CaptureRequest(request_id="cap", authorization_id=held.authorization_id, currency="CNY"))
    before = memory(engine)
    answer = engine.import_accounts([chunk("k", **columns)])
    found = violations(answer.chunks[0])
    assert list(found) == [field] and message in found[field], found
    assert memory(engine) == before


def test_updates_change_limits_and_freeze_for_overdue(engine):
    engine.import_accounts([chunk("open", ["u-1", "u-2"], credit_limits_minor=[100_000, 50_000],
                                  tiers=[c.TIER_STANDARD, 0], credit_scores=[0.8, math.nan])])
    held, _ = engine.authorize(payment("p", "u-1", 30_000))
    engine.capture(authz.CaptureRequest(request_id="cap", authorization_id=held.authorization_id, currency="CNY"))
    # The credit system raises a limit; billing freezes u-1 for overdue: the columns each sends.
    answer = engine.import_accounts([chunk("limits", ["u-2"], credit_limits_minor=[80_000]),
                                     chunk("billing", ["u-1", "u-2"], overdue_minor=[12_000, 0])])
    assert (answer.created, answer.updated) == (0, 3)
    one = engine.get_account(account_pb2.GetAccountRequest(account_id="u-1")).account
    two = engine.get_account(account_pb2.GetAccountRequest(account_id="u-2")).account
    assert (one.credit_limit_minor, one.tier, one.overdue_minor, one.status) == (
        100_000, c.TIER_STANDARD, 12_000, c.ACCOUNT_STATUS_FROZEN)
    assert one.credit_score == pytest.approx(0.8) and not two.HasField("credit_score")
    assert [r.reason for r in one.blocking_reasons] == [c.REASON_ACCOUNT_FROZEN_OVERDUE]
    assert (two.credit_limit_minor, two.tier, two.status) == (80_000, c.TIER_NEW, c.ACCOUNT_STATUS_ACTIVE)
    slot = engine.ledger.slot_of["u-1"]
    assert engine.ledger.behaviour["overdue_events"][slot] == 1
    declined, _ = engine.authorize(payment("p2", "u-1", 1_000))
    assert declined.reason == c.REASON_ACCOUNT_FROZEN_OVERDUE
    # Overdue again while overdue is no new event; 0 lifts the freeze; a status of 0 keeps the account's.
    engine.import_accounts([chunk("billing-2", ["u-1"], overdue_minor=[15_000], statuses=[0])])
    assert engine.ledger.behaviour["overdue_events"][slot] == 1
    engine.import_accounts([chunk("billing-3", ["u-1"], overdue_minor=[0], statuses=[c.ACCOUNT_STATUS_CLOSED])])
    one = engine.get_account(account_pb2.GetAccountRequest(account_id="u-1")).account
    assert (one.overdue_minor, one.status) == (0, c.ACCOUNT_STATUS_CLOSED)


def test_an_import_keeps_limit_overrides_and_moves_them_with_the_tier(engine):
    engine.upsert_account(admin_pb2.UpsertAccountRequest(
        request_id="o", account_id="ov", credit_limit_minor=10, limit_overrides=c.LimitProfile(daily_count=3)))
    engine.import_accounts([chunk("t", ["ov"], tiers=[c.TIER_PREMIUM])])
    account = engine.get_account(account_pb2.GetAccountRequest(account_id="ov")).account
    assert account.tier == c.TIER_PREMIUM and account.limit_overrides.daily_count == 3
    assert engine.ledger.resolved[int(engine.ledger.row(engine.ledger.slot_of["ov"])["profile"])].daily_count == 3


def test_a_restart_replays_imports_to_the_same_state(tmp_path):
    clock = Clock()
    live = Engine(Journal(tmp_path / "d"), clock=clock)
    ids = [f"a-{i:05d}" for i in range(3_000)]
    live.import_accounts(chunk(f"open-{k}", ids[k * 1_000:(k + 1) * 1_000],
                               credit_limits_minor=list(range(100_000, 101_000)), time_zones=["UTC", "Asia/Tokyo"] * 500)
                         for k in range(3))
    held, _ = live.authorize(payment("p", "a-00001", 500))
    live.capture(authz.CaptureRequest(request_id="cap", authorization_id=held.authorization_id, currency="CNY"))
    live.snapshot()
    clock.advance(60)
    live.import_accounts([chunk("more", ["a-00001", "z-1"], overdue_minor=[300, 0], credit_scores=[0.5, 0.6],
                                statuses=[c.ACCOUNT_STATUS_FROZEN, 0])])
    before = memory(live)
    live.close()
    replayed = Engine(Journal(tmp_path / "d"), clock=clock)
    try:
        assert memory(replayed) == before
        assert replayed.get_account(account_pb2.GetAccountRequest(account_id="a-00001")).account.time_zone == "Asia/Tokyo"
    finally:
        replayed.close()


def test_max_accounts_refuses_a_chunk_that_would_pass_it_whole(tmp_path):
    engine = Engine(Journal(tmp_path / "d"), clock=Clock(), max_accounts=15)
    try:
        assert engine.import_accounts([chunk("ten", [f"m-{i}" for i in range(10)])]).created == 10
        before = memory(engine)
        answer = engine.import_accounts([chunk("six", ["m-0", "m-1", *(f"n-{i}" for i in range(6))],
                                               credit_limits_minor=[7] * 8)])
        assert answer.chunks[0].error.code == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]
        assert "at most 15 accounts" in answer.chunks[0].error.message
        assert memory(engine) == before
        assert engine.import_accounts([chunk("five", [f"n-{i}" for i in range(5)])]).created == 5
        assert engine.ledger.n_accounts == 15
    finally:
        engine.close()


def test_the_cli_prints_refused_rows_with_their_lines_and_fails(served, tmp_path, capsys):
    engine, service, client = served
    path = tmp_path / "bad.csv"
    path.write_text("account_id,credit_limit_minor,tier\nok-1,100,new\nok 2,100,\nok-3,-5,premium\nok-4,1,9\n")
    assert cli.main(["import", str(path), "--target", f"127.0.0.1:{service.port}", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert f"{path} line 3, column account_id: letters, digits" in err
    assert f"{path} line 4, column credit_limit_minor: between 0 and" in err
    assert f"{path} line 5, column tier: unknown tier" in err
    assert engine.ledger.n_accounts == 0
    # A value that is no number is the file's fault: said before anything of its chunk is sent.
    path.write_text("account_id,credit_limit_minor\nok-1,100\nok-2,lots\n")
    assert cli.main(["import", str(path), "--target", f"127.0.0.1:{service.port}", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{path} line 3, column credit_limit_minor: 'lots' is not a whole number" in err
    path.write_text("account_id,limit\nok-1,100\n")
    assert cli.main(["import", str(path), "--target", f"127.0.0.1:{service.port}", "--quiet"]) == 2
    assert "expected account_id and any of credit_limit_minor" in capsys.readouterr().err
    assert engine.ledger.n_accounts == 0


def test_the_cli_reads_parquet(served, tmp_path, capsys):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    engine, service, client = served
    rows = customers(1_200)
    path = tmp_path / "accounts.parquet"
    pq.write_table(pa.Table.from_pylist([{**row, "credit_score": None if row["credit_score"] == "" else
                                          row["credit_score"]} for row in rows]), path)
    assert cli.main(["import", str(path), "--target", f"127.0.0.1:{service.port}", "--chunk-rows", "500",
                     "--quiet"]) == 0
    assert "1200 accounts in 3 chunks" in capsys.readouterr().out
    account = engine.get_account(account_pb2.GetAccountRequest(account_id="cust-000700")).account
    assert (account.credit_limit_minor, account.time_zone) == (100_000 + 37 * 700, "UTC")


def test_parquet_without_pyarrow_names_the_extra(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    path = tmp_path / "accounts.parquet"
    path.write_bytes(b"PAR1")
    assert cli.main(["import", str(path), "--target", "127.0.0.1:1", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pip install 'authcore[parquet]'" in err


def test_a_stream_past_the_chunk_bound_is_refused_there(engine, monkeypatch):
    from authcore.engine import accounts

    monkeypatch.setattr(accounts, "MAX_IMPORT_CHUNKS", 2)
    answer = engine.import_accounts(chunk(f"c{k}", [f"x-{k}"]) for k in range(4))
    assert [bool(r.HasField("error")) for r in answer.chunks] == [False, False, True]
    assert "at most 2 chunks per stream" in answer.chunks[-1].error.message
    assert engine.ledger.n_accounts == 2


def test_a_server_that_is_not_there_is_one_line_and_exit_status_1(tmp_path, capsys):
    path = tmp_path / "accounts.csv"
    path.write_text("account_id\nx-1\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        target = f"127.0.0.1:{s.getsockname()[1]}"
    assert cli.main(["import", str(path), "--target", target, "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"ImportAccounts on {target} failed: UNAVAILABLE" in err
    assert "check that the server runs" in err
    assert cli.main(["import", str(tmp_path / "missing.csv"), "--quiet"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_the_asyncio_client_imports_from_an_async_iterable(served):
    import asyncio

    from authcore.client import AsyncClient

    engine, service, client = served

    async def chunks():
        for k in range(3):
            yield chunk("", [f"aio-{k}-{i}" for i in range(4)], credit_limits_minor=[k] * 4)

    async def run():
        async with AsyncClient(f"127.0.0.1:{service.port}") as aio:
            return await aio.import_accounts(chunks())

    answer = asyncio.run(run())
    assert answer.created == 12 and all(len(r.request_id) == 32 for r in answer.chunks)
    assert engine.ledger.n_accounts == 12
