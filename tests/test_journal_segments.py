"""The journal's segment files: framing, torn tails, files rolling over and dropped after a
snapshot, writes that fail half-way, group commits, the audit rows travelling in the records,
and the one-time move of a schema-3 store's records into the files."""

from __future__ import annotations

import errno
import logging
import os
import pathlib
import shutil
import sqlite3
import subprocess
import sys

import pytest

from authcore.engine import Engine
from authcore.journal import audit, segments, store
from authcore.journal.store import GroupCommitter, Journal, JournalCorrupt
from authcore.v1 import account_pb2, admin_pb2, authorization_pb2 as authz, common_pb2 as c

ROOT = pathlib.Path(__file__).resolve().parent.parent
TYPED_FIXTURE = ROOT / "tests" / "fixtures" / "journal-v1" / "plain"


def open_engine(data_dir, clock, **journal_options) -> Engine:
    return Engine(Journal(data_dir, **journal_options), clock=clock, default_model=False)


def pay(engine: Engine, request_id: str, amount: int = 100) -> authz.AuthorizeResponse:
    response, _ = engine.authorize(authz.AuthorizeRequest(
        request_id=request_id, account_id="a", channel=c.CHANNEL_WALLET, amount_minor=amount, currency="CNY",
        merchant=authz.Merchant(merchant_id="m", mcc="5411")))
    return response


def fill(data_dir, clock, n: int = 20, **journal_options) -> dict:
    """An account and n payments; the account as GetAccount answers it."""
    engine = open_engine(data_dir, clock, **journal_options)
    engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="u", account_id="a", credit_limit_minor=10**9,
                                                         tier=c.TIER_PREMIUM))
    for i in range(n):
        pay(engine, f"r{i}", 100 + i)
    view = account_of(engine)
    engine.close()
    return view


def account_of(engine: Engine):
    return engine.get_account(account_pb2.GetAccountRequest(account_id="a")).account


def files(data_dir) -> list[pathlib.Path]:
    return [path for _, path in segments.segment_files(pathlib.Path(data_dir) / "journal")]


def test_records_are_framed_protobuf_messages_any_reader_can_parse(data_dir, clock):
    fill(data_dir, clock, n=3)
    (path,) = files(data_dir)
    raw = path.read_bytes()
    assert raw[:len(segments.MAGIC)] == segments.MAGIC
    found = segments.scan(path)
    assert not found.torn and len(found.payloads) == 4
    records = [store.JournalRecord.FromString(bytes(p)) for p in found.payloads]
    assert [(r.seq, r.method) for r in records] == [(1, "UpsertAccount"), (2, "Authorize"), (3, "Authorize"),
                                                    (4, "Authorize")]
    assert all(len(r.digest) == 16 for r in records)
    assert records[1].audit.method == "Authorize" and records[1].audit.decisions == 1
    assert not records[0].HasField("audit")


def test_files_roll_over_and_a_snapshot_drops_those_it_includes(data_dir, clock):
    view = fill(data_dir, clock, n=60, segment_bytes=4096)
    assert len(files(data_dir)) > 3
    engine = open_engine(data_dir, clock, segment_bytes=4096)
    try:
        assert engine.replayed_records == 61 and account_of(engine) == view
        first = [int(p.name[:20]) for p in files(data_dir)]
        assert first[0] == 1 and first == sorted(first)
        # The request ids of those records past the retention: no answer keeps their files.
        clock.advance(engine.idempotency.retention_s + 1)
        seq = engine.snapshot()
        assert [p.name for p in files(data_dir)] == [segments.segment_name(seq + 1)]
        assert engine.journal.record_count() == 0
        pay(engine, "after")
        view = account_of(engine)
    finally:
        engine.close()
    again = open_engine(data_dir, clock, segment_bytes=4096)
    try:
        assert again.replayed_records == 1 and account_of(again) == view
        assert again.journal.db.execute("SELECT sum(decisions) FROM audit").fetchone() == (61,)
    finally:
        again.close()


def tear(path: pathlib.Path, how: str) -> None:
    raw = bytearray(path.read_bytes())
    if how == "cut short":
        del raw[-7:]
    elif how == "bad checksum":
        raw[-3] ^= 0xFF
    elif how == "zeros after":
        raw += b"\0" * 4096  # a file extended as the power went, its data never written
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("how", ["cut short", "bad checksum", "zeros after"])
def test_a_torn_tail_is_cut_off_and_appending_goes_on(data_dir, clock, how, caplog):
    fill(data_dir, clock, n=10)
    (path,) = files(data_dir)
    tear(path, how)
    caplog.set_level(logging.WARNING, "authcore.journal")
    engine = open_engine(data_dir, clock)
    try:
        kept = 11 if how == "zeros after" else 10
        assert engine.replayed_records == kept
        assert "torn write" in caplog.text
        assert engine.journal.last_seq == kept
        pay(engine, "next")
        view = account_of(engine)
    finally:
        engine.close()
    again = open_engine(data_dir, clock)
    try:
        assert again.replayed_records == kept + 1 and account_of(again) == view
    finally:
        again.close()


def test_damage_before_the_end_stops_the_start(data_dir, clock):
    fill(data_dir, clock, n=10)
    (path,) = files(data_dir)
    raw = bytearray(path.read_bytes())
    raw[len(segments.MAGIC) + 40] ^= 0xFF  # inside the first record: valid frames follow it
    path.write_bytes(bytes(raw))
    with pytest.raises(JournalCorrupt, match="a damaged frame at byte 8 of .*, with data after it"):
        open_engine(data_dir, clock)


def test_damage_in_a_file_before_the_last_stops_the_start(data_dir, clock):
    fill(data_dir, clock, n=40, segment_bytes=4096)
    paths = files(data_dir)
    assert len(paths) >= 3
    tear(paths[1], "bad checksum")
    with pytest.raises(JournalCorrupt, match="before the end of the journal"):
        open_engine(data_dir, clock, segment_bytes=4096)


def test_a_missing_file_stops_the_start(data_dir, clock):
    fill(data_dir, clock, n=40, segment_bytes=4096)
    paths = files(data_dir)
    paths[1].unlink()
    with pytest.raises(JournalCorrupt, match="missing|belongs"):
        open_engine(data_dir, clock, segment_bytes=4096)


def test_a_write_failing_half_way_is_cut_off(data_dir, clock, monkeypatch):
    """A full disk takes part of a group's frames: the part is cut off, the caller is told, and the
    next append continues at the last acknowledged record."""
    fill(data_dir, clock, n=3)
    engine = open_engine(data_dir, clock)
    try:
        real_write = os.write
        size = engine.journal.writer.size

        def half(fd, data):
            real_write(fd, bytes(data[:len(data) // 2]))
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(segments.os, "write", half)
        with pytest.raises(Exception, match="could not be written"):
            pay(engine, "refused")
        monkeypatch.setattr(segments.os, "write", real_write)
        assert files(data_dir)[-1].stat().st_size == size
        assert pay(engine, "refused").decision == c.DECISION_APPROVED  # the same request_id, never acted on
        view = account_of(engine)
    finally:
        engine.close()
    again = open_engine(data_dir, clock)
    try:
        assert again.replayed_records == 5 and account_of(again) == view
    finally:
        again.close()


def test_one_write_and_one_fdatasync_per_group_commit(data_dir, monkeypatch):
    journal = Journal(data_dir, durability="fsync")
    try:
        committer = GroupCommitter(journal)
        calls = {"write": 0, "fdatasync": 0}
        real_write, real_sync = os.write, os.fdatasync

        def counted_write(fd, data):
            calls["write"] += 1
            return real_write(fd, data)

        def counted_sync(fd):
            calls["fdatasync"] += 1
            return real_sync(fd)

        monkeypatch.setattr(segments.os, "write", counted_write)
        monkeypatch.setattr(segments.os, "fdatasync", counted_sync)
        journal.writer.begin(1)
        calls.update(write=0, fdatasync=0)
        committer.commit([(1_795_000_000, "Authorize", f"r{i}", b"f", b"", b"answer") for i in range(50)])
        assert calls == {"write": 1, "fdatasync": 1}
        assert journal.last_seq == 50
    finally:
        journal.close()


KILLED = """
import os, sys
from authcore.engine import Engine
from authcore.journal.store import Journal
from authcore.v1 import admin_pb2, authorization_pb2 as authz, common_pb2 as c
engine = Engine(Journal(sys.argv[1], audit_interval_s=3600), default_model=False)
engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="u", account_id="a", credit_limit_minor=10**9,
                                                     tier=c.TIER_PREMIUM))
for i in range(25):
    engine.authorize(authz.AuthorizeRequest(request_id=f"r{i}", account_id="a", channel=c.CHANNEL_WALLET,
                                            amount_minor=100, currency="CNY",
                                            merchant=authz.Merchant(merchant_id="m", mcc="5411")))
os._exit(0)  # killed: the audit rows were never indexed
"""


def test_audit_rows_of_a_killed_process_are_in_the_export_and_indexed_at_the_next_start(data_dir, clock):
    subprocess.run([sys.executable, "-c", KILLED, str(data_dir)], check=True, timeout=120,
                   env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "clients" / "python"),
                                                                     os.environ.get("PYTHONPATH", "")])})
    db = sqlite3.connect(data_dir / "authcore.db")
    assert db.execute("SELECT count(*) FROM audit").fetchone() == (0,)
    db.close()
    # Read-only, with the rows in the records only.
    assert sum(1 for _ in audit.decisions(data_dir)) == 25
    engine = open_engine(data_dir, clock)
    try:
        assert engine.journal.db.execute("SELECT sum(decisions) FROM audit").fetchone() == (25,)
        assert sum(1 for _ in audit.decisions(data_dir)) == 25, "each row once, indexed or not"
    finally:
        engine.close()


# -- the move from the journal table -------------------------------------------------------------


def typed_store(tmp_path) -> pathlib.Path:
    data = tmp_path / "old"
    data.mkdir(parents=True)
    shutil.copyfile(TYPED_FIXTURE / "authcore.db", data / "authcore.db")
    return data


def accounts_of(engine: Engine) -> dict:
    return {a: engine.get_account(account_pb2.GetAccountRequest(account_id=a)) for a in engine.ledger.account_ids}


def test_the_move_from_the_table_happens_once(tmp_path, clock):
    data = typed_store(tmp_path)
    first = open_engine(data, clock)
    answers, records = accounts_of(first), first.replayed_records
    first.close()
    db = sqlite3.connect(data / "authcore.db")
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(store.SCHEMA_VERSION),)
    assert db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'journal'").fetchone() == (0,)
    db.close()
    assert sum(len(segments.scan(p).payloads) for p in files(data)) == records
    again = open_engine(data, clock)
    try:
        assert again.replayed_records == records and accounts_of(again) == answers
    finally:
        again.close()


def test_a_move_stopped_before_its_rename_starts_over(tmp_path, clock):
    data = typed_store(tmp_path)
    reference = open_engine(typed_store(tmp_path / "ref"), clock)
    expected = accounts_of(reference)
    reference.close()
    staging = data / "journal.new"
    staging.mkdir()
    (staging / segments.segment_name(1)).write_bytes(segments.MAGIC + b"half a file")
    engine = open_engine(data, clock)
    try:
        assert not staging.exists() and accounts_of(engine) == expected
    finally:
        engine.close()


def test_a_move_stopped_after_its_rename_is_finished(tmp_path, clock, monkeypatch):
    data = typed_store(tmp_path)
    reference = open_engine(typed_store(tmp_path / "ref"), clock)
    expected = accounts_of(reference)
    reference.close()

    synced = store.segments.sync_dir

    def stopped(directory):
        synced(directory)
        if directory == data:
            raise KeyboardInterrupt  # the process stopped between the rename and the table's drop

    monkeypatch.setattr(store.segments, "sync_dir", stopped)
    with pytest.raises(KeyboardInterrupt):
        Journal(data)
    monkeypatch.undo()
    assert files(data) and (data / "journal").is_dir()
    db = sqlite3.connect(data / "authcore.db")
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("3",)
    db.close()
    engine = open_engine(data, clock)
    try:
        assert accounts_of(engine) == expected
    finally:
        engine.close()


def test_a_snapshot_while_the_audit_index_is_writing_does_not_deadlock(data_dir, clock):
    """The index takes its own lock, then the journal's write lock; a snapshot must never hold the
    write lock while it waits for the index (the two would wait for each other forever)."""
    import threading

    fill(data_dir, clock, n=3)
    engine = open_engine(data_dir, clock)
    try:
        index, journal = engine.journal.audit_index, engine.journal
        held, got_write_lock = threading.Event(), []

        def indexing():
            with index._flush_lock:  # as flush() holds it while it takes the write lock
                held.set()
                snapshotting.join(timeout=0.3)  # let the snapshot run into the index's lock
                acquired = journal._write_lock.acquire(timeout=5)
                got_write_lock.append(acquired)
                if acquired:
                    journal._write_lock.release()

        snapshotting = threading.Thread(target=lambda: (held.wait(), engine.snapshot()))
        indexer = threading.Thread(target=indexing)
        snapshotting.start()
        indexer.start()
        indexer.join(timeout=30)
        snapshotting.join(timeout=30)
        assert got_write_lock == [True], "the snapshot held the write lock while it waited for the index"
        assert not snapshotting.is_alive()
        assert engine.journal.record_count() == 0
    finally:
        engine.close()


@pytest.mark.parametrize("size", [0, 1, 100, 127, 128, 16_383, 16_384, 2_100_000])
def test_a_record_with_an_audit_row_of_any_size_is_framed_as_protobuf_frames_it(size):
    """The compiled frame writes an audit row's data straight into the record after its small
    fields: the sub-message's length must count the data's own length prefix at every size."""
    from authcore._fast import wire

    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    for audit_row in ((0, "AuthorizeBulk", "chunk-1", 2000, "2026.1", "default-2026.1", data),
                      (0, "", "", 0, "", "", data)):
        args = (7, 1_795_000_000, "AuthorizeBulk", "chunk-1", bytes(16), b"\x1a\x02\x08\x01", b"\x08\x01", bytes(16))
        assert wire.record_frame(*args, audit_row) == \
            segments.frame(store._record_message(*args, audit_row).SerializeToString())
