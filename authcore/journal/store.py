"""The journal: an ordered stream of state-change records, in segment files.

Every mutating request appends one record before its answer leaves: the effect on the state (or
none, for a decline), and the response that a replay of its request_id must return. On start the
records are applied again in order to rebuild the state. A record is an authcore.v1.JournalRecord,
its effect an authcore.v1.JournalEffect (authcore.journal.effects); the records live in
<data_dir>/journal/ as framed segment files (authcore.journal.segments), appended by one writer,
concurrent requests' records together (GroupCommitter). The audit row of a decision travels in
its record; no SQL statement runs per payment.

Each record carries a digest chained over every record before it (BLAKE2b of the previous
digest and the record's fields), so a record changed, lost or reordered anywhere in the journal
stops the start with a message naming the first bad record, instead of serving wrong balances.
A torn tail (a write cut off by a crash or power loss, never acknowledged) is cut off on open.

Beside the records, in <data_dir>/authcore.db (SQLite, WAL), the data written rarely or read by
query, where a table is the simpler tool:
  snapshot - the state as of a record (the records it includes are dropped with their files,
             but the files holding answers of request ids still remembered: write_snapshot);
  versions - every policy, risk model and scorecard ever made active, by version, with its
             content; written before the record that activates it, so a record never names a
             version the table lacks;
  audit    - every decision with what it was decided on (authcore.journal.audit), indexed from the
             records' audit rows by a background thread (AuditIndex), off the request path;
             `authcore audit` reads the rows not indexed yet from the segment files. The sweeper
             prunes it past its retention.
Stores written before the segment files (schema 3: the records in a `journal` table) are
migrated once, on the first start (Journal._migrate).

Durability modes:
  "normal" - the records are in the OS (one write per group commit) before the answer leaves:
             an acknowledged record survives a crash or kill -9 of the process; the last records
             may be lost if the machine loses power.
  "fsync"  - fdatasync after each group commit's write, before its answers leave (one for every
             record of the group): survives power loss.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import io
import logging
import os
import pathlib
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np
from google.protobuf.message import DecodeError

from authcore._fast import wire
from authcore.journal import segments
from authcore.v1.journal_pb2 import JournalRecord

log = logging.getLogger("authcore.journal")

# 4: the records in segment files (authcore.journal.segments); 3: in the `journal` table.
SCHEMA_VERSION = 4
LEGACY_SCHEMA_VERSION = 3
# A snapshot is stored in blobs of at most this many bytes (SQLite refuses blobs over 1 GB).
SNAPSHOT_PART_BYTES = 256 << 20
DURABILITY_MODES = {"normal": "NORMAL", "fsync": "FULL"}
SEGMENTS_DIR = segments.SEGMENTS_DIR
# Rows written with the records of a commit, by name: (name, parameters) in Journal.append.
# "audit" rows travel in their record (JournalRecord.audit); the others are SQL, run before the
# records are written.
SIDE_ROWS = {
    "version_new": "INSERT INTO versions (kind, version, digest, content, first_activated_s, activated_s) "
                   "VALUES (?, ?, ?, ?, ?, ?)",
    "version_activated": "UPDATE versions SET activated_s = ? WHERE kind = ? AND version = ?",
    # (cutoff_s, limit): rows older than cutoff_s among the oldest limit rows. Rows come in time
    # order, so this reads the head of the table only.
    "audit_prune": "DELETE FROM audit WHERE seq IN (SELECT seq FROM (SELECT seq, at_s FROM audit ORDER BY seq "
                   "LIMIT ?2) WHERE at_s < ?1)",
}
AUDIT_INSERT = ("INSERT INTO audit (at_s, method, request_id, decisions, policy_version, model_version, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)")
# A write to the journal's disk that is not a record: whether the journal can be written again
# (GroupCommitter.probe) once a write failed and no caller writes any more.
WRITE_PROBE = "write_probe"
PROBE_FILE = ".write-probe"


LOCK_FILE = "authcore.lock"
# Segment files read_record keeps open (a retry's answer is read from its record's file).
READ_FILES_OPEN = 8


class JournalCorrupt(RuntimeError):
    """The journal cannot be trusted; the server must not start on it."""


class DataDirInUse(RuntimeError):
    """Another live process holds the data dir; a second writer must not open it."""


class DataDirLock:
    """The exclusive hold of a data dir by the one process that writes it.

    An flock on <data_dir>/authcore.lock, taken without waiting: a second opener is refused at
    once, with the holder's pid (written in the file) in the message. The kernel drops the lock
    when the holder exits, however it exits (kill -9, the OOM killer), so a stale file never
    blocks a start. The descriptor is not inherited by child processes (Python opens files
    close-on-exec). Read-only tools (authcore audit) open the database read-only and never take it.
    """

    def __init__(self, data_dir: str | pathlib.Path):
        self.path = pathlib.Path(data_dir) / LOCK_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise DataDirInUse(f"{self.path.parent} is in use by another authcore process "
                               f"({'pid ' + holder if holder else 'pid unknown'}, holding {self.path}); "
                               "stop it first, or use another --data-dir") from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd: int | None = fd

    def release(self) -> None:
        """Give the data dir up (closing twice is harmless)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the only descriptor drops the flock


class _Parts(io.RawIOBase):
    """A snapshot's blobs read in order as one stream."""

    def __init__(self, parts: list[bytes]):
        self._parts = parts
        self._part = 0
        self._at = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        out = memoryview(buffer).cast("B")
        done = 0
        while done < len(out) and self._part < len(self._parts):
            part = self._parts[self._part]
            take = min(len(out) - done, len(part) - self._at)
            out[done:done + take] = memoryview(part)[self._at:self._at + take]
            done += take
            self._at += take
            if self._at == len(part):
                self._parts[self._part] = b""  # read: let it go
                self._part, self._at = self._part + 1, 0
        return done


def _corrupt_segment(exc: Exception) -> JournalCorrupt:
    return JournalCorrupt(f"{exc}; restore the journal from a replica or backup; the server will not start on it.")


def _read_holder(fd: int) -> str:
    """The pid written by the process that holds the lock ("" when it has not written it yet)."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""


def _digest(previous: bytes, at_s: int, method: str, request_id, fingerprint, effect, response) -> bytes:
    h = hashlib.blake2b(previous, digest_size=16)
    for part in (str(at_s), method, request_id or "", effect or ""):
        # An effect is bytes (a serialized JournalEffect), hashed as it is; text (the JSON effects
        # of older journals, and the other parts) as UTF-8, so that older records verify unchanged.
        h.update(part if isinstance(part, bytes) else part.encode())
        h.update(b"\0")
    h.update(fingerprint or b"")
    h.update(b"\0")
    h.update(response or b"")
    return h.digest()


@dataclasses.dataclass(frozen=True, slots=True)
class Record:
    seq: int
    at_s: int
    method: str
    request_id: str | None
    fingerprint: bytes | None
    # A serialized authcore.v1.JournalEffect; str: the JSON form of older journals (authcore.journal.effects.decode reads both).
    effect: bytes | str | None
    response: bytes | None


class Journal:
    """The journal of a data dir: the records in <data_dir>/journal/, the rest in
    <data_dir>/authcore.db; held exclusively (DataDirLock) while open."""

    def __init__(self, data_dir: str | pathlib.Path, durability: str = "normal", *,
                 segment_bytes: int = segments.SEGMENT_BYTES, audit_interval_s: float = 0.2):
        if durability not in DURABILITY_MODES:
            raise ValueError(f"durability must be one of {sorted(DURABILITY_MODES)}")
        self.path = pathlib.Path(data_dir) / "authcore.db"
        self.segments_dir = self.path.parent / SEGMENTS_DIR
        # Taken before anything is touched: two writers on one journal fork its digest chain
        # and overspend the same credit lines.
        self.lock = DataDirLock(self.path.parent)
        self.db: sqlite3.Connection | None = None
        self.writer: segments.SegmentWriter | None = None
        self.audit_index: AuditIndex | None = None
        try:
            self._open(durability, segment_bytes, audit_interval_s)
        except BaseException:
            if self.audit_index is not None:
                self.audit_index.stop()
            if self.writer is not None:
                self.writer.close()
            if self.db is not None:
                self.db.close()
            self.lock.release()
            self.closed = True
            raise

    def _open(self, durability: str, segment_bytes: int, audit_interval_s: float) -> None:
        # One connection for the tables, used under _sql_lock (the writer, the audit index and
        # the sweeper share it).
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._sql_lock = threading.RLock()
        # Serializes appends with snapshots' rotation of the files, and with what the audit
        # index takes to be appended (AuditIndex.flush).
        self._write_lock = threading.RLock()
        # replicator(first_seq, frames): set by a cluster node (authcore.cluster.replication) to
        # publish the frames to the replicated log before they are written here; it raises (an
        # OSError, so the write fails as any other) when they must not be written.
        self.replicator: Callable[[int, list[bytes]], None] | None = None
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError as exc:
            raise JournalCorrupt(f"{self.path}: not a readable journal ({exc}); the server will not start on it") from exc
        self.db.execute(f"PRAGMA synchronous={DURABILITY_MODES[durability]}")
        self.durability = durability
        # True once closed: its engine is no longer exported (authcore.observability).
        self.closed = False
        self.snapshot_part_bytes = SNAPSHOT_PART_BYTES
        # The bytes of the segment files the last snapshot kept only for the answers in them.
        self.answer_bytes = 0
        # The files read_record keeps open, first seq -> descriptor, oldest first.
        self._read_lock = threading.Lock()
        self._read_fds: dict[int, int] = {}
        # When a write probe (GroupCommitter.probe) last got through to the disk.
        self.probed_at_s: int | None = None
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS snapshot (
                seq INTEGER PRIMARY KEY,
                at_s INTEGER NOT NULL,
                digest BLOB NOT NULL,
                state BLOB NOT NULL
            );
            -- A state too large for one blob (SQLite's limit is 1 GB) continues here, in order.
            CREATE TABLE IF NOT EXISTS snapshot_part (
                seq INTEGER NOT NULL,
                part INTEGER NOT NULL,
                data BLOB NOT NULL,
                PRIMARY KEY (seq, part)
            );
            -- Every policy, risk model and scorecard made active; a version names one content.
            CREATE TABLE IF NOT EXISTS versions (
                kind TEXT NOT NULL,
                version TEXT NOT NULL,
                digest TEXT NOT NULL,
                content BLOB NOT NULL,
                first_activated_s INTEGER NOT NULL,
                activated_s INTEGER NOT NULL,
                PRIMARY KEY (kind, version)
            );
            -- Decisions as columns, one row per Authorize, AuthorizeBatch or AuthorizeBulk chunk.
            CREATE TABLE IF NOT EXISTS audit (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                at_s INTEGER NOT NULL,
                method TEXT NOT NULL,
                request_id TEXT NOT NULL,
                decisions INTEGER NOT NULL,
                policy_version TEXT NOT NULL,
                model_version TEXT NOT NULL,
                data BLOB NOT NULL
            );
            """
        )
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            self._set_meta("schema_version", SCHEMA_VERSION)
        elif int(row[0]) == LEGACY_SCHEMA_VERSION:
            self._migrate()
        elif int(row[0]) != SCHEMA_VERSION:
            raise JournalCorrupt(f"{self.path}: schema version {row[0]}, this build reads {SCHEMA_VERSION}")
        try:
            self.writer = segments.SegmentWriter(self.segments_dir, durability == "fsync", segment_bytes)
        except segments.SegmentCorrupt as exc:
            raise JournalCorrupt(f"{exc}; restore the journal from a replica or backup; the server will not start "
                                 "on it") from exc
        snap = self.db.execute("SELECT seq, digest FROM snapshot ORDER BY seq DESC LIMIT 1").fetchone()
        last = self.writer.last
        if snap is not None and snap[0] >= last[0]:
            last = (snap[0], snap[1])
        self.last_seq, self.last_digest = last
        if self.writer.next_seq == 1 and not segments.segment_files(self.segments_dir):
            self.writer.next_seq = self.last_seq + 1
        if self.writer.next_seq != self.last_seq + 1:
            raise JournalCorrupt(f"{self.segments_dir}: records {self.last_seq + 1} to {self.writer.next_seq - 1} "
                                 "are missing; restore the journal from a replica or backup; the server will not "
                                 "start on it")
        # Reads beside the writer (stored versions): a connection of their own, so that they
        # never land inside a transaction of the writer's; WAL lets them run while it writes.
        self._reader: sqlite3.Connection | None = None
        self._reader_lock = threading.Lock()
        self.audit_index = AuditIndex(self, audit_interval_s)

    def _set_meta(self, key: str, value) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, str(value)))

    def meta(self, key: str) -> str | None:
        with self._sql_lock:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    # -- migration ------------------------------------------------------------------------------

    def _migrate(self) -> None:
        """A store of schema 3, its records in the `journal` table: the records move into segment
        files, once. Each record is checked against the old digest chain as it is read; effects
        still in the JSON text of the first journals become typed JournalEffects, and the chain is
        computed again over what is written (starting from the snapshot's digest, which stays).
        The files are written in journal.new/ and renamed into place, then the table is dropped,
        with the schema raised, in one transaction: a stop anywhere in between leaves either the
        old store or the new one, and the next start finishes the job."""
        from authcore.journal import effects  # the reader of the old effects' JSON text

        staging = self.path.parent / (SEGMENTS_DIR + ".new")
        if staging.exists():
            shutil.rmtree(staging)
        if not segments.segment_files(self.segments_dir):
            snap = self.db.execute("SELECT seq, digest FROM snapshot ORDER BY seq DESC LIMIT 1").fetchone()
            after_seq, digest = (snap[0], snap[1]) if snap is not None else (0, b"")
            staging.mkdir()
            frames, first_seq, count = [], after_seq + 1, 0
            for record in _legacy_records(self.db, self.path, after_seq, digest):
                effect = record.effect
                if isinstance(effect, str):
                    try:
                        effect = effects.decode(effect).SerializeToString()
                    except JournalCorrupt as exc:
                        raise JournalCorrupt(f"{self.path}: journal record {record.seq}: {exc}; the server will not "
                                             "start on it") from exc
                digest = _digest(digest, record.at_s, record.method, record.request_id, record.fingerprint, effect,
                                 record.response)
                frames.append(segments.frame(_record_message(record.seq, record.at_s, record.method, record.request_id,
                                                             record.fingerprint, effect, record.response, digest,
                                                             None).SerializeToString()))
                count += 1
            if frames:
                writer = segments.SegmentWriter(staging, fsync=True, segment_bytes=1 << 62)
                writer.begin(first_seq)
                for start in range(0, len(frames), 4096):
                    writer.append(first_seq + start, frames[start:start + 4096])
                writer.sync()
                writer.close()
            segments.sync_dir(staging)
            if self.segments_dir.exists():
                self.segments_dir.rmdir()  # empty: no file of a record in it
            os.rename(staging, self.segments_dir)
            segments.sync_dir(self.path.parent)
            log.info("%s: %d journal records moved into %s", self.path, count, self.segments_dir)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            # The audit rows of the old records were written with them: all indexed.
            last = self.db.execute("SELECT max(seq) FROM journal").fetchone()[0] if _has_table(self.db, "journal") \
                else None
            if last is not None:
                self._set_meta(AUDIT_INDEXED, last)
            self.db.execute("DROP TABLE IF EXISTS journal")
            self._set_meta("schema_version", SCHEMA_VERSION)
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    # -- records --------------------------------------------------------------------------------

    def append(self, records: list[tuple], side: list[tuple] = ()) -> list[tuple[int, int]]:
        """Append (at_s, method, request_id, fingerprint, effect, response[, audit]) tuples in one
        write, audit being an "audit" side row's parameters (it travels in its record); the SQL
        side rows, (name in SIDE_ROWS, parameters), are written first, in one transaction.
        Returns each record's position: (seq, the byte offset of its frame in its file)."""
        with self._write_lock:
            sql = [row for row in side if row[0] != WRITE_PROBE]
            if sql:
                self._side_rows(sql)
            for name, params in side:
                if name == WRITE_PROBE:
                    self._probe(*params)
            if not records:
                return []
            digest, seq = self.last_digest, self.last_seq
            frames, audits = [], []
            for record in records:
                at_s, method, request_id, fingerprint, effect, response = record[:6]
                audit_row = record[6] if len(record) > 6 else None
                # The digest and the framed JournalRecord, written in C (authcore._fast.wire): the
                # bytes of _digest and of segments.frame(_record_message(...)) (tests hold them equal).
                digest = wire.record_digest(digest, at_s, method, request_id, fingerprint, effect, response)
                seq += 1
                frames.append(wire.record_frame(seq, at_s, method, request_id, fingerprint, effect, response, digest,
                                                audit_row))
                if audit_row is not None:
                    audits.append((seq, *audit_row))
            first_seq = self.last_seq + 1
            if self.replicator is not None:
                self.replicator(first_seq, frames)
            offsets = self.writer.append(first_seq, frames)
            self.last_digest, self.last_seq = digest, seq
            if audits:
                self.audit_index.add(audits)
            return list(zip(range(first_seq, seq + 1), offsets))

    def append_frames(self, frames: list[bytes]) -> list[tuple[JournalRecord, int]]:
        """Append records framed by another journal (a cluster's owner of this partition), after
        checking that they continue this one: the next seqs, each record's digest chained on the
        one before. Returns each record with the byte offset of its frame; raises JournalCorrupt
        (and writes nothing) when they do not continue it."""
        with self._write_lock:
            digest, seq = self.last_digest, self.last_seq
            records, audits = [], []
            for data in frames:
                try:
                    payloads = segments.frame_payloads(data)
                    if len(payloads) != 1:
                        raise segments.SegmentCorrupt("not one frame")
                    message = JournalRecord.FromString(payloads[0])
                except (segments.SegmentCorrupt, DecodeError) as exc:
                    raise JournalCorrupt(f"a replicated record after {seq} is not a framed JournalRecord: {exc}") from exc
                if message.seq != seq + 1:
                    raise JournalCorrupt(f"replicated record {message.seq} arrived where record {seq + 1} belongs")
                digest = wire.record_digest(digest, message.at_s, message.method, message.request_id or None,
                                            message.fingerprint or None, message.effect or None,
                                            message.response or None)
                if digest != message.digest:
                    raise JournalCorrupt(f"replicated record {message.seq} does not match its digest: this journal "
                                         "and the replicated log have different histories")
                seq = message.seq
                records.append(message)
                if message.HasField("audit"):
                    audits.append(message)
            if not records:
                return []
            first_seq = self.last_seq + 1
            offsets = self.writer.append(first_seq, frames)
            self.last_digest, self.last_seq = digest, seq
            if audits:
                self.audit_index.add([(m.seq, m.at_s, m.audit.method, m.audit.request_id, m.audit.decisions,
                                       m.audit.policy_version, m.audit.model_version, m.audit.data)
                                      for m in audits])
            return list(zip(records, offsets))

    def _side_rows(self, side: list[tuple]) -> None:
        with self._sql_lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for name, params in side:
                    self.db.execute(SIDE_ROWS[name], params)
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise

    def _probe(self, at_s: int) -> None:
        """Write a block to the journal's disk and sync it (OSError when the disk refuses)."""
        path = self.segments_dir / PROBE_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        try:
            os.write(fd, b"\0" * 4096)
            os.fdatasync(fd)
        finally:
            os.close(fd)
            path.unlink(missing_ok=True)
        self.probed_at_s = at_s

    def records(self, after_seq: int = 0, digest: bytes = b"") -> Iterator[Record]:
        """Every record after after_seq in order, each checked against the digest chain that
        starts from `digest` (the digest of record after_seq)."""
        for record, _ in self.positioned_records(after_seq, digest):
            yield record

    def positioned_records(self, after_seq: int = 0, digest: bytes = b"") -> Iterator[tuple[Record, int]]:
        """records(), each with the byte offset of its frame in its segment file."""
        expected_seq = after_seq + 1
        try:
            for message, offset in segments.read_positioned(self.segments_dir, after_seq):
                record, digest = self._checked(message, expected_seq, digest)
                expected_seq += 1
                yield record, offset
        except segments.SegmentCorrupt as exc:
            raise _corrupt_segment(exc) from exc
        except DecodeError as exc:
            raise self._not_a_record(exc) from exc
        if expected_seq <= self.last_seq:
            raise JournalCorrupt(f"{self.segments_dir}: records {expected_seq} to {self.last_seq} are missing")

    def tail(self, after_seq: int = 0, digest: bytes = b"", channel_index=None
             ) -> Iterator[wire.TailBuffer | tuple[Record, int]]:
        """positioned_records(), read in C (authcore._fast.wire.read_tail): runs of records
        without an effect or with a HoldPlaced come as one TailBuffer of columns (valid until
        the next item is asked for); every other record comes alone, as (record, offset), read
        and checked as positioned_records does. Both in journal order, the chain checked the
        same way. channel_index: Channel value -> the ledger's channel index (int32, -1: none)."""
        expected_seq = after_seq + 1
        out = wire.TailBuffer()
        if channel_index is None:
            channel_index = np.full(0, -1, np.int32)  # no channel known: every HoldPlaced read in Python
        try:
            files = segments.segment_files(self.segments_dir)
            for i, (first_seq, path) in enumerate(files):
                if i + 1 < len(files) and files[i + 1][0] <= after_seq + 1:
                    continue  # every record of this file is at or before after_seq
                data = path.read_bytes()
                found = segments.scan(path, data)
                segments.check_scan(path, found, last=i + 1 == len(files))
                offsets = np.array(found.offsets, np.int64)
                k = 0
                while k < len(offsets):
                    k, digest = wire.read_tail(out, data, offsets, k, first_seq, after_seq, expected_seq, digest,
                                               channel_index)
                    if out.count:
                        expected_seq += out.count
                        yield out
                    if k < len(offsets):
                        # A record the C reader left: read, and checked, here.
                        message = JournalRecord.FromString(found.payloads[k])
                        if message.seq != first_seq + k:
                            raise segments.SegmentCorrupt(f"{path}: record {message.seq} where record "
                                                          f"{first_seq + k} belongs")
                        if message.seq > after_seq:
                            record, digest = self._checked(message, expected_seq, digest)
                            expected_seq += 1
                            yield record, int(offsets[k])
                        k += 1
        except segments.SegmentCorrupt as exc:
            raise _corrupt_segment(exc) from exc
        except DecodeError as exc:
            raise self._not_a_record(exc) from exc
        if expected_seq <= self.last_seq:
            raise JournalCorrupt(f"{self.segments_dir}: records {expected_seq} to {self.last_seq} are missing")

    def _checked(self, message: JournalRecord, expected_seq: int, digest: bytes) -> tuple[Record, bytes]:
        """The record of a message read from a segment, checked to be expected_seq and to link
        to digest; with its own digest."""
        seq = message.seq
        if seq != expected_seq:
            raise JournalCorrupt(f"{self.segments_dir}: records {expected_seq} to {seq - 1} are missing")
        record = Record(seq, message.at_s, message.method, message.request_id or None,
                        message.fingerprint or None, message.effect or None, message.response or None)
        # The chain's link in C (authcore._fast.wire): _digest's bytes.
        digest = wire.record_digest(digest, record.at_s, record.method, record.request_id, record.fingerprint,
                                    record.effect, record.response)
        if digest != message.digest:
            raise JournalCorrupt(f"{self.segments_dir}: journal record {seq} does not match its digest; the "
                                 "journal was changed or damaged from there on. Restore it from a "
                                 "replica or backup; the server will not start on it.")
        return record, digest

    def _not_a_record(self, exc: DecodeError) -> JournalCorrupt:
        return JournalCorrupt(f"{self.segments_dir}: a record that is not a JournalRecord ({exc}); restore the "
                              "journal from a replica or backup; the server will not start on it.")

    def record_count(self) -> int:
        """How many records follow the last snapshot in the segment files (files kept past a
        snapshot for the answers in them hold records it includes: those are not counted)."""
        with self._sql_lock:
            row = self.db.execute("SELECT max(seq) FROM snapshot").fetchone()
        after, count = row[0] or 0, 0
        for first_seq, path in segments.segment_files(self.segments_dir):
            held = len(segments.scan(path).payloads)
            count += max(0, min(held, first_seq + held - 1 - after))
        return count

    def read_record(self, seq: int, offset: int) -> JournalRecord | None:
        """The record seq, read from its frame at offset (its CRCs checked); None when its file
        is gone (dropped past the answers' byte budget) or the frame there is not record seq.
        The last few files read stay open (READ_FILES_OPEN)."""
        first_seq = self.writer.first_of(seq)
        if first_seq is None:
            return None
        with self._read_lock:
            fd = self._read_fds.get(first_seq)
            if fd is None:
                try:
                    fd = os.open(self.segments_dir / segments.segment_name(first_seq), os.O_RDONLY | os.O_CLOEXEC)
                except FileNotFoundError:
                    return None
                self._read_fds[first_seq] = fd
                if len(self._read_fds) > READ_FILES_OPEN:
                    os.close(self._read_fds.pop(next(iter(self._read_fds))))
            try:
                record = segments.read_frame(fd, offset)
            except (OSError, DecodeError):
                log.warning("%s: the frame of record %d at byte %d cannot be read; its answer counts as no longer "
                            "kept", self.segments_dir / segments.segment_name(first_seq), seq, offset, exc_info=True)
                return None
        if record is None or record.seq != seq:
            log.warning("%s: no intact frame of record %d at byte %d; its answer counts as no longer kept",
                        self.segments_dir / segments.segment_name(first_seq), seq, offset)
            return None
        return record

    def _close_reads(self, first_seq: int | None = None) -> None:
        """Close the file read_record keeps open for first_seq (None: every one)."""
        with self._read_lock:
            for seq in list(self._read_fds) if first_seq is None else [first_seq]:
                fd = self._read_fds.pop(seq, None)
                if fd is not None:
                    os.close(fd)

    def first_seq(self) -> int:
        """The first seq the segment files hold (the next one when there is no file)."""
        firsts = self.writer.firsts
        return firsts[0] if firsts else self.writer.next_seq

    # -- snapshots ------------------------------------------------------------------------------

    def snapshot(self) -> tuple[int, bytes, bytes] | None:
        """The latest snapshot: (seq of the last record it includes, that record's digest, state)."""
        found = self._snapshot_parts()
        if found is None:
            return None
        seq, digest, parts = found
        return seq, digest, b"".join(parts) if len(parts) > 1 else parts[0]

    def snapshot_stream(self) -> tuple[int, bytes, io.RawIOBase] | None:
        """snapshot(), the state as a stream over its stored blobs (no copy of them joined): for
        pickle.load, which reads each array straight into its own buffer."""
        found = self._snapshot_parts()
        if found is None:
            return None
        seq, digest, parts = found
        return seq, digest, _Parts(parts)

    def _snapshot_parts(self) -> tuple[int, bytes, list[bytes]] | None:
        """The latest snapshot's seq, digest and stored blobs, in order."""
        with self._sql_lock:
            row = self.db.execute("SELECT seq, digest, state FROM snapshot ORDER BY seq DESC LIMIT 1").fetchone()
            if row is None:
                return None
            parts = [row[2], *(data for (data,) in self.db.execute(
                "SELECT data FROM snapshot_part WHERE seq = ? ORDER BY part", (row[0],)))]
        return row[0], row[1], parts

    def write_snapshot(self, at_s: int, state: bytes, answers_from_seq: int = 0, answer_budget_bytes: int = 0
                       ) -> int:
        """Store the state as of the last appended record and drop the segment files of every
        record it includes (once their audit rows are indexed), but those that hold an answer
        still remembered, from the one holding record answers_from_seq (0: none) on, while they
        take no more than answer_budget_bytes (past it, the oldest go). Returns the snapshot's
        seq; first_seq() tells which answers are still in the files."""
        with self._write_lock:
            seq, digest = self.last_seq, self.last_digest
        with self._sql_lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                view = memoryview(state)
                self.db.execute("INSERT OR REPLACE INTO snapshot VALUES (?, ?, ?, ?)",
                                (seq, at_s, digest, view[:self.snapshot_part_bytes]))
                self.db.execute("DELETE FROM snapshot_part WHERE seq = ?", (seq,))
                for part, start in enumerate(range(self.snapshot_part_bytes, len(state), self.snapshot_part_bytes), 1):
                    self.db.execute("INSERT INTO snapshot_part VALUES (?, ?, ?)",
                                    (seq, part, view[start:start + self.snapshot_part_bytes]))
                self.db.execute("DELETE FROM snapshot WHERE seq < ?", (seq,))
                self.db.execute("DELETE FROM snapshot_part WHERE seq < ?", (seq,))
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
        # The snapshot is durable; the files before it can go once their audit rows are indexed.
        # No lock is held here: the index takes its own lock, then the write lock (that order,
        # everywhere).
        indexed = self.audit_index.flush()
        with self._write_lock:
            if self.writer.size > len(segments.MAGIC):
                self.writer.begin(self.last_seq + 1)
            files = segments.segment_files(self.segments_dir)
            included = [(first_seq, path, files[i + 1][0] - 1) for i, (first_seq, path) in enumerate(files[:-1])
                        if files[i + 1][0] - 1 <= min(seq, indexed)]
            # Kept for their answers: the files from the one holding answers_from_seq on, the
            # newest first within the budget. What goes is always the oldest files.
            kept_bytes, drop_before = 0, len(included)
            for k in range(len(included) - 1, -1, -1):
                first_seq, path, last_in_file = included[k]
                if not answers_from_seq or last_in_file < answers_from_seq:
                    break
                size = path.stat().st_size
                if kept_bytes + size > answer_budget_bytes:
                    break
                kept_bytes += size
                drop_before = k
            for first_seq, path, _ in included[:drop_before]:
                self._close_reads(first_seq)
                path.unlink()
                self.writer.forget(first_seq)
            self.answer_bytes = kept_bytes
        return seq

    # -- stored versions ----------------------------------------------------------------------

    def versions(self) -> list[tuple]:
        """Every stored version: (kind, version, digest, content bytes, first_activated_s, activated_s)."""
        with self._sql_lock:
            return self.db.execute("SELECT kind, version, digest, length(content), first_activated_s, activated_s "
                                   "FROM versions").fetchall()

    def put_version(self, kind: str, version: str, digest: str, content: bytes, at_s: int) -> None:
        """Store a version that became active without a record (the shipped defaults at start)."""
        with self._sql_lock:
            self.db.execute("INSERT OR IGNORE INTO versions VALUES (?, ?, ?, ?, ?, ?)",
                            (kind, version, digest, content, at_s, at_s))

    def oldest_audit_s(self) -> int | None:
        """The time of the oldest audit row, read beside the writer."""
        row = self._read("SELECT at_s FROM audit ORDER BY seq LIMIT 1", ())
        return None if row is None else row[0]

    def _read(self, query: str, params: tuple):
        with self._reader_lock:
            if self._reader is None:
                self._reader = sqlite3.connect(self.path, check_same_thread=False)
            return self._reader.execute(query, params).fetchone()

    def version_content(self, kind: str, version: str) -> bytes | None:
        """The content of a stored version, read beside the writer."""
        row = self._read("SELECT content FROM versions WHERE kind = ? AND version = ?", (kind, version))
        return None if row is None else bytes(row[0])

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.audit_index.stop()
        finally:
            with self._reader_lock:
                if self._reader is not None:
                    self._reader.close()
                    self._reader = None
            self._close_reads()
            with self._write_lock:
                self.writer.sync()
                self.writer.close()
            # Flush: the write-ahead log checkpointed into the database file (and synced) first.
            try:
                with self._sql_lock:
                    self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self.db.close()
                self.lock.release()


AUDIT_INDEXED = "audit_indexed_seq"


class AuditIndex:
    """Copies the audit rows of appended records into the `audit` table, off the request path:
    a thread wakes every interval_s (or when MAX_BATCH rows wait) and inserts what waits in one
    transaction, with the seq it reached (meta audit_indexed_seq) in the same one, so that a row is
    indexed exactly once. The rows wait in memory, at most MAX_WAITING; past that, and after a
    start, they are read back from the segment files. `authcore audit` reads the rows not yet
    indexed from the files too, so an export is never behind."""

    MAX_WAITING = 20_000
    MAX_BATCH = 2_000

    def __init__(self, journal: Journal, interval_s: float):
        self.journal = journal
        self.interval_s = interval_s
        self._cond = threading.Condition()
        self._waiting: list[tuple] = []
        # True when rows were let go of (too many waiting): the files are read instead.
        self._behind = True
        self._flush_lock = threading.Lock()
        # A connection of its own: its transactions never mix with the writer's, and SQLite
        # serializes the two (WAL, with a busy timeout).
        self.db = sqlite3.connect(journal.path, isolation_level=None, check_same_thread=False, timeout=30)
        self.db.execute(f"PRAGMA synchronous={DURABILITY_MODES[journal.durability]}")
        self.indexed = int(journal.meta(AUDIT_INDEXED) or 0)
        self.flush()  # catches up with the files before the journal is used
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="authcore-audit-index", daemon=True)
        self._thread.start()

    def add(self, rows: list[tuple]) -> None:
        """(seq, at_s, method, request_id, decisions, policy_version, model_version, data) rows of
        records just appended, in seq order."""
        with self._cond:
            if self._behind:
                return
            self._waiting.extend(rows)
            if len(self._waiting) > self.MAX_WAITING:
                self._waiting.clear()
                self._behind = True
            if len(self._waiting) >= self.MAX_BATCH:
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._stopping and len(self._waiting) < self.MAX_BATCH:
                    self._cond.wait(self.interval_s)
                if self._stopping:
                    return
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the rows stay in the files; tried again
                log.exception("indexing the audit rows failed; trying again")
                time.sleep(self.interval_s)

    def flush(self) -> int:
        """Index every row appended so far; returns the seq reached."""
        with self._flush_lock:
            # What is appended and what was handed over, taken together: the rows of every
            # record up to `last` are in `rows` (or, behind, in the files).
            with self.journal._write_lock, self._cond:
                last = self.journal.last_seq
                rows, self._waiting = self._waiting, []
                behind, self._behind = self._behind, False
            if behind:
                rows = [(m.seq, m.at_s, m.audit.method, m.audit.request_id, m.audit.decisions,
                         m.audit.policy_version, m.audit.model_version, m.audit.data)
                        for m in segments.read_records(self.journal.segments_dir, self.indexed)
                        if m.seq <= last and m.HasField("audit")]
            rows = [r for r in rows if r[0] > self.indexed]
            reached = max(last, self.indexed)
            if not rows and reached == self.indexed:
                return self.indexed
            db = self.db
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    if rows:
                        db.executemany(AUDIT_INSERT, [row[1:] for row in rows])
                    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (AUDIT_INDEXED, str(reached)))
                    db.execute("COMMIT")
                except BaseException:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
            except BaseException:
                with self._cond:
                    self._waiting.clear()
                    self._behind = True  # read from the files next time
                raise
            self.indexed = reached
            return reached

    def stop(self) -> None:
        """Index what waits and stop the thread."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join()
        try:
            self.flush()
        finally:
            self.db.close()


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _record_message(seq: int, at_s: int, method: str, request_id, fingerprint, effect, response, digest: bytes,
                    audit_row) -> JournalRecord:
    message = JournalRecord(seq=seq, at_s=at_s, method=method, request_id=request_id or "",
                            fingerprint=fingerprint or b"", effect=effect or b"", response=response or b"",
                            digest=digest)
    if audit_row is not None:
        _, audit_method, audit_request_id, decisions, policy_version, model_version, data = audit_row
        message.audit.method = audit_method
        message.audit.request_id = audit_request_id
        message.audit.decisions = decisions
        message.audit.policy_version = policy_version
        message.audit.model_version = model_version
        message.audit.data = data
    return message


def _legacy_records(db: sqlite3.Connection, path: pathlib.Path, after_seq: int, digest: bytes) -> Iterator[Record]:
    """The records of a schema-3 store's `journal` table after after_seq, each checked against
    the digest chain that starts from `digest`."""
    if not _has_table(db, "journal"):
        return
    expected_seq = after_seq + 1 if after_seq else None
    try:
        cursor = db.execute("SELECT seq, at_s, method, request_id, fingerprint, effect, response, digest FROM journal "
                            "WHERE seq > ? ORDER BY seq", (after_seq,))
        for row in cursor:
            seq, stored = row[0], row[7]
            if expected_seq is not None and seq != expected_seq:
                raise JournalCorrupt(f"{path}: records {expected_seq} to {seq - 1} are missing")
            digest = _digest(digest, *row[1:7])
            if digest != stored:
                raise JournalCorrupt(f"{path}: journal record {seq} does not match its digest; the "
                                     "journal was changed or damaged from there on. Restore it from a "
                                     "replica or backup; the server will not start on it.")
            expected_seq = seq + 1
            yield Record(*row[:7])
    except sqlite3.DatabaseError as exc:
        raise JournalCorrupt(f"{path}: the journal database is damaged ({exc}); restore it from a "
                             "replica or backup; the server will not start on it.") from exc


# What a journal that cannot be written raises: the segment files' OSError (a full disk, an I/O
# error) or the tables' sqlite3.Error.
WRITE_ERRORS = (OSError, sqlite3.Error)


class WriteRefused(OSError):
    """A write the journal was not allowed to make (a cluster node that does not own its
    partition): nothing is wrong with the disk, so health stays SERVING."""


def _gathered(batch: list) -> tuple[list, list]:
    """The records and side rows of the queued commits: an "audit" side row rides in the last
    record of its commit (JournalRecord.audit)."""
    records, side = [], []
    for item in batch:
        mine = list(item.records)
        for row in item.side:
            if row[0] == "audit" and mine:
                mine[-1] = (*mine[-1][:6], row[1])
            else:
                side.append(row)
        records.extend(mine)
    return records, side


class GroupCommitter:
    """Commits the records of concurrent requests together: one transaction (and, in fsync mode,
    one fsync) for everything that queued while the previous commit ran. The first caller to
    find no commit running leads: it takes the queue and commits it; the others wait for it.
    Alone, a caller commits its own records at once."""

    def __init__(self, journal: Journal, max_records: int = 4096):
        self.journal = journal
        self.max_records = max_records
        self._cond = threading.Condition()
        self._queue: list[_Pending] = []
        self._busy = False
        self.commits = 0
        self.records = 0
        # Records handed to commit() so far; less self.records, those not yet durable.
        self.submitted = 0
        # on_commit(seconds, records) after each commit, outside the lock (metrics).
        self.on_commit: Callable[[float, int], None] | None = None
        # False from a commit that failed (a full disk, an I/O error) to the next that succeeds;
        # on_writable(writable) at each change, in commit order (health).
        self.writable = True
        self.on_writable: Callable[[bool], None] | None = None

    def commit(self, records: list[tuple], side: list[tuple] = ()) -> list[tuple[int, int]]:
        """Return once the records (and their side rows) are durable, with each record's position
        (seq, the byte offset of its frame in its segment file); raise what the journal raised
        otherwise."""
        mine = _Pending(records, side)
        with self._cond:
            self.submitted += len(records)
            if not self._busy and not self._queue:
                # Alone: lead at once with our own records (the common case of a quiet journal).
                self._busy = True
                lead = [mine]
            else:
                self._queue.append(mine)
                lead = None
        if lead is not None:
            self._run(lead, len(records))
            if mine.error is not None:
                raise mine.error
            return mine.positions
        while True:
            with self._cond:
                while not mine.done and self._busy:
                    self._cond.wait()
                if mine.done:
                    break
                # Lead: take what is queued (ours may be behind a full batch: then lead again).
                self._busy = True
                batch, count = [], 0
                while self._queue and (not batch or count + len(self._queue[0].records) <= self.max_records):
                    item = self._queue.pop(0)
                    batch.append(item)
                    count += len(item.records)
            self._run(batch, count)
        if mine.error is not None:
            raise mine.error
        return mine.positions

    def _run(self, batch: list, count: int) -> None:
        """Commit a batch taken by its leader (self._busy set), hand each caller its outcome, and
        let the next leader in."""
        error, positions = None, []
        started_s = time.perf_counter()
        try:
            records, side = _gathered(batch)
            positions = self.journal.append(records, side) or []
        except Exception as exc:  # noqa: BLE001 - handed to every caller of the batch
            error = exc
        with self._cond:
            at = 0
            for item in batch:
                item.done, item.error = True, error
                if error is None:
                    item.positions = positions[at:at + len(item.records)]
                    at += len(item.records)
            # Commits run one at a time, so the changes are told in the order they happened.
            writable = error is None or not isinstance(error, WRITE_ERRORS) or isinstance(error, WriteRefused)
            if writable != self.writable:
                self.writable = writable
                if self.on_writable is not None:
                    self.on_writable(writable)
            self._busy = False
            self.commits += 1
            self.records += count
            self._cond.notify_all()
        if self.on_commit is not None:
            self.on_commit(time.perf_counter() - started_s, count)

    def probe(self, at_s: int) -> bool:
        """Write to the database (a meta row, no record) in turn with the commits; True if it could.
        Tells on_writable of a change like any commit."""
        try:
            self.commit([], [(WRITE_PROBE, (at_s,))])
        except WRITE_ERRORS:
            return False
        return True

    def pending_records(self) -> int:
        """Records handed to commit() and not yet durable: queued, or in the commit running now."""
        return self.submitted - self.records


@dataclasses.dataclass(slots=True)
class _Pending:
    records: list
    side: list
    done: bool = False
    error: BaseException | None = None
    # (seq, offset) of each of its records, once committed.
    positions: list = dataclasses.field(default_factory=list)
