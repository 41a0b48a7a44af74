"""A damaged journal stops the start with a clear message instead of serving wrong balances."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

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


def raise_an_amount(db: sqlite3.Connection) -> None:
    """Record 7's hold of 105 made one of 99999: a well-formed effect, with another amount."""
    (blob,) = db.execute("SELECT effect FROM journal WHERE seq = 7").fetchone()
    effect = JournalEffect.FromString(blob)
    assert effect.hold_placed.amount_minor == 105
    effect.hold_placed.amount_minor = 99999
    db.execute("UPDATE journal SET effect = ? WHERE seq = 7", (effect.SerializeToString(),))


@pytest.mark.parametrize("damage", [
    raise_an_amount,
    "DELETE FROM journal WHERE seq = 9",
    "UPDATE journal SET at_s = at_s + 1 WHERE seq = 12",
])
def test_changed_or_missing_records_stop_the_start(data_dir, clock, damage):
    fill(data_dir, clock)
    db = sqlite3.connect(data_dir / "authcore.db")
    if callable(damage):
        damage(db)
    else:
        db.execute(damage)
    db.commit()
    db.close()
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
    engine.snapshot()
    engine.close()
    fill_more = Engine(Journal(data_dir), clock=clock, default_model=False)
    from authcore.v1 import authorization_pb2 as authz
    for i in range(5):
        fill_more.authorize(authz.AuthorizeRequest(request_id=f"s{i}", account_id="a", channel=c.CHANNEL_WALLET,
                                                   amount_minor=300 + i, currency="CNY",
                                                   merchant=authz.Merchant(merchant_id="m", mcc="5411")))
    fill_more.close()
    db = sqlite3.connect(data_dir / "authcore.db")
    first_after = db.execute("SELECT min(seq) FROM journal").fetchone()[0]
    db.execute("UPDATE journal SET at_s = at_s + 1 WHERE seq = ?", (first_after,))
    db.commit()
    db.close()
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
os._exit(0)  # no close, no checkpoint: the records stay in the write-ahead log
"""


def test_a_torn_tail_is_dropped_and_the_rest_served(data_dir, clock):
    """A crash in the middle of writing the log leaves a torn last frame: SQLite's frame checksums
    drop it on open, and the journal before it is served intact."""
    import pathlib

    root = str(pathlib.Path(__file__).resolve().parent.parent)
    subprocess.run([sys.executable, "-c", WRITER.format(root=root, data_dir=str(data_dir))], check=True, timeout=60)
    wal = data_dir / "authcore.db-wal"
    size = wal.stat().st_size
    assert size > 4096, "the records are in the write-ahead log"
    with open(wal, "r+b") as f:
        f.truncate(size - 1500)   # tear the last frame
    engine = Engine(Journal(data_dir), clock=clock, default_model=False)
    try:
        assert 1 <= engine.replayed_records < 41
        held = engine.ledger.row(engine.ledger.slot_of["a"])["held"]
        # The default policy's velocity cap approves 10 a minute; the rest of the 40 are declines.
        assert held == 100 * min(engine.replayed_records - 1, 10), "every record kept is applied, exactly once"
    finally:
        engine.close()
