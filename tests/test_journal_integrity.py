"""A damaged journal stops the start with a clear message instead of serving wrong balances."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers import rewrite_records

from authcore.engine import Engine
from authcore.journal.store import Journal, JournalCorrupt
from authcore.v1 import admin_pb2, common_pb2 as c
from authcore.v1.journal_pb2 import JournalEffect


def fill(data_dir, clock, n=20):
    engine = Engine(Journal(data_dir), clock=clock, default_model=False)
    engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="u", account_id="a", credit_limit_minor=10**7,
                                                         tier=c.TIER_STANDARD))
    from authcore.v1 import authorization_pb2 as authz
    for i in range(n):
        engine.authorize(authz.AuthorizeRequest(request_id=f"r{i}", account_id="a", channel=c.CHANNEL_WALLET,
                                                amount_minor=100 + i, currency="CNY",
                                                merchant=authz.Merchant(merchant_id="m", mcc="5411")))
    engine.close()


def raise_an_amount(records: list) -> None:
    """Record 7's hold of 105 made one of 99999: a well-formed effect, with another amount."""
    record = records[6]
    assert record.seq == 7
    effect = JournalEffect.FromString(record.effect)
    assert effect.hold_placed.amount_minor == 105
    effect.hold_placed.amount_minor = 99999
    record.effect = effect.SerializeToString()


def delete_record_9(records: list) -> None:
    assert records[8].seq == 9
    del records[8]


def move_record_12_by_a_second(records: list) -> None:
    assert records[11].seq == 12
    records[11].at_s += 1


@pytest.mark.parametrize("damage", [raise_an_amount, delete_record_9, move_record_12_by_a_second])
def test_changed_or_missing_records_stop_the_start(data_dir, clock, damage):
    """Records rewritten in well-formed frames (their CRCs right): the digest chain finds them."""
    fill(data_dir, clock)
    rewrite_records(data_dir, damage)
    with pytest.raises(JournalCorrupt, match="journal record|missing"):
        Engine(Journal(data_dir), clock=clock, default_model=False)


def test_a_clean_journal_restarts(data_dir, clock):
    fill(data_dir, clock)
    engine = Engine(Journal(data_dir), clock=clock, default_model=False)
    assert engine.replayed_records == 21
    engine.close()


def test_serve_refuses_a_damaged_file(data_dir, clock):
    fill(data_dir, clock)
    path = data_dir / "authcore.db"
    raw = bytearray(path.read_bytes())
    raw[200:4000] = b"\xff" * 3800   # the first pages: the schema itself is gone
    path.write_bytes(bytes(raw))
    for leftover in data_dir.glob("authcore.db-*"):
        leftover.unlink()
    result = subprocess.run([sys.executable, "-m", "authcore", "serve", "--port", "0", "--data-dir", str(data_dir)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "will not start" in result.stderr or "not a readable journal" in result.stderr, result.stderr


def test_the_chain_continues_across_a_snapshot(data_dir, clock):
    fill(data_dir, clock, n=5)
    engine = Engine(Journal(data_dir), clock=clock, default_model=False)
    # Past the retention: no remembered answer keeps the files the snapshot includes.
    clock.advance(engine.idempotency.retention_s + 1)
    engine.snapshot()
    engine.close()
    fill_more = Engine(Journal(data_dir), clock=clock, default_model=False)
    from authcore.v1 import authorization_pb2 as authz
    for i in range(5):
        fill_more.authorize(authz.AuthorizeRequest(request_id=f"s{i}", account_id="a", channel=c.CHANNEL_WALLET,
                                                   amount_minor=300 + i, currency="CNY",
                                                   merchant=authz.Merchant(merchant_id="m", mcc="5411")))
    fill_more.close()
    first_after = []

    def move_the_first(records: list) -> None:
        first_after.append(records[0].seq)
        records[0].at_s += 1

    rewrite_records(data_dir, move_the_first)
    first_after = first_after[0]
    with pytest.raises(JournalCorrupt, match=f"journal record {first_after}"):
        Engine(Journal(data_dir), clock=clock, default_model=False)


WRITER = """
import os, sys
sys.path.insert(0, {root!r})
from authcore.engine import Engine
from authcore.journal.store import Journal
from authcore.v1 import admin_pb2, authorization_pb2 as authz, common_pb2 as c
engine = Engine(Journal({data_dir!r}), default_model=False)
engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="u", account_id="a", credit_limit_minor=10**7,
                                                     tier=c.TIER_STANDARD))
for i in range(40):
    engine.authorize(authz.AuthorizeRequest(request_id=f"r{{i}}", account_id="a", channel=c.CHANNEL_WALLET,
                                            amount_minor=100, currency="CNY",
                                            merchant=authz.Merchant(merchant_id="m", mcc="5411")))
os._exit(0)  # no close: as a crash leaves the files
"""


def test_a_torn_tail_is_dropped_and_the_rest_served(data_dir, clock):
    """A crash (or power loss) in the middle of a write leaves a torn last frame: its length or CRC
    does not hold, so it is cut off on open, and the journal before it is served intact."""
    import pathlib

    root = str(pathlib.Path(__file__).resolve().parent.parent)
    subprocess.run([sys.executable, "-c", WRITER.format(root=root, data_dir=str(data_dir))], check=True, timeout=60)
    (segment,) = (data_dir / "journal").glob("*.seg")
    size = segment.stat().st_size
    assert size > 4096, "the records are in the segment file"
    with open(segment, "r+b") as f:
        f.truncate(size - 1500)   # tear the last frame
    engine = Engine(Journal(data_dir), clock=clock, default_model=False)
    try:
        assert 1 <= engine.replayed_records < 41
        held = engine.ledger.row(engine.ledger.slot_of["a"])["held"]
        # The default policy's velocity cap approves 10 a minute; the rest of the 40 are declines.
        assert held == 100 * min(engine.replayed_records - 1, 10), "every record kept is applied, exactly once"
    finally:
        engine.close()
