"""The journal: an ordered stream of state-change records in embedded SQLite (WAL).

Every mutating request appends one record in its own transaction before its answer leaves:
the effect on the state (or none, for a decline), and the response that a replay of its
request_id must return. On start the records are applied again in order to rebuild the state.
The effect is an authcore.v1.JournalEffect, serialized (authcore.journal.effects); journals written
before the effects were typed hold JSON text there instead, which authcore.journal.effects still reads.

Each record carries a digest chained over every record before it (BLAKE2b of the previous
digest and the record's fields), so a record changed, lost or reordered anywhere in the journal
stops the start with a message naming the first bad record, instead of serving wrong balances.
A torn tail (a transaction cut off by a crash or power loss) never becomes visible: SQLite's
write-ahead log checksums its frames and rolls an incomplete transaction back on open.

Beside the records, in the same transaction as the record that brings them (see SIDE_ROWS):
  versions - every policy, risk model and scorecard ever made active, by version, with its
             content; snapshots never drop them.
  audit    - every decision with what it was decided on (authcore.journal.audit); snapshots never
             drop it, the sweeper prunes it past its retention.

Durability modes:
  "normal" - synchronous=NORMAL: a committed record survives a crash or kill -9 of the
             process; the last records may be lost if the machine loses power.
  "fsync"  - synchronous=FULL: every commit is fsynced; survives power loss.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import os
import pathlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator

SCHEMA_VERSION = 3
# A snapshot is stored in blobs of at most this many bytes (SQLite refuses blobs over 1 GB).
SNAPSHOT_PART_BYTES = 256 << 20
DURABILITY_MODES = {"normal": "NORMAL", "fsync": "FULL"}
# Rows written with the records of a commit, by name: (name, parameters) in Journal.append.
SIDE_ROWS = {
    "version_new": "INSERT INTO versions (kind, version, digest, content, first_activated_s, activated_s) "
                   "VALUES (?, ?, ?, ?, ?, ?)",
    "version_activated": "UPDATE versions SET activated_s = ? WHERE kind = ? AND version = ?",
    "audit": "INSERT INTO audit (at_s, method, request_id, decisions, policy_version, model_version, data) "
             "VALUES (?, ?, ?, ?, ?, ?, ?)",
    # (cutoff_s, limit): rows older than cutoff_s among the oldest limit rows. Rows come in time
    # order, so this reads the head of the table only.
    "audit_prune": "DELETE FROM audit WHERE seq IN (SELECT seq FROM (SELECT seq, at_s FROM audit ORDER BY seq "
                   "LIMIT ?2) WHERE at_s < ?1)",
    # (at_s,): a real write to the database, not a record: whether the journal can be written
    # again (GroupCommitter.probe) once a write failed and no caller writes any more.
    "write_probe": "INSERT OR REPLACE INTO meta VALUES ('write_probe_s', CAST(? AS TEXT))",
}


LOCK_FILE = "authcore.lock"


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
    """Append-only journal in <data_dir>/authcore.db, held exclusively (DataDirLock) while open."""

    def __init__(self, data_dir: str | pathlib.Path, durability: str = "normal"):
        if durability not in DURABILITY_MODES:
            raise ValueError(f"durability must be one of {sorted(DURABILITY_MODES)}")
        self.path = pathlib.Path(data_dir) / "authcore.db"
        # Taken before the database is touched: two writers on one journal fork its digest
        # chain and overspend the same credit lines.
        self.lock = DataDirLock(self.path.parent)
        try:
            self._open(durability)
        except BaseException:
            if getattr(self, "db", None) is not None:
                self.db.close()
            self.lock.release()
            self.closed = True
            raise

    def _open(self, durability: str) -> None:
        # One connection, used under the engine's lock.
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError as exc:
            raise JournalCorrupt(f"{self.path}: not a readable journal ({exc}); the server will not start on it") from exc
        self.db.execute(f"PRAGMA synchronous={DURABILITY_MODES[durability]}")
        self.durability = durability
        # True once closed: its engine is no longer exported (authcore.observability).
        self.closed = False
        self.snapshot_part_bytes = SNAPSHOT_PART_BYTES
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS journal (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                at_s INTEGER NOT NULL,
                method TEXT NOT NULL,
                request_id TEXT,
                fingerprint BLOB,
                -- A serialized authcore.v1.JournalEffect, stored as a BLOB: SQLite keeps a value's
                -- own type whatever the declared one, so the TEXT of the first schema stays, and
                -- the JSON text of older records stays readable beside the new ones.
                effect TEXT,
                response BLOB,
                digest BLOB NOT NULL
            );
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
            self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) != SCHEMA_VERSION:
            raise JournalCorrupt(f"{self.path}: schema version {row[0]}, this build reads {SCHEMA_VERSION}")
        last = self.db.execute("SELECT seq, digest FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
        snap = self.db.execute("SELECT seq, digest FROM snapshot ORDER BY seq DESC LIMIT 1").fetchone()
        if last is not None:
            self.last_seq, self.last_digest = last
        elif snap is not None:
            self.last_seq, self.last_digest = snap
        else:
            self.last_seq, self.last_digest = 0, b""
        # Reads beside the writer (stored versions): a connection of their own, so that they
        # never land inside a commit's transaction; WAL lets them run while it writes.
        self._reader: sqlite3.Connection | None = None
        self._reader_lock = threading.Lock()

    def append(self, records: list[tuple], side: list[tuple] = ()) -> None:
        """Append (at_s, method, request_id, fingerprint, effect, response) tuples atomically,
        with the side rows, (name in SIDE_ROWS, parameters), in the same transaction."""
        digest = self.last_digest
        rows = []
        for record in records:
            digest = _digest(digest, *record)
            rows.append((*record, digest))
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany(
                "INSERT INTO journal (at_s, method, request_id, fingerprint, effect, response, digest) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            if len(side) == 1:
                self.db.execute(SIDE_ROWS[side[0][0]], side[0][1])
            elif side:
                # The audit rows of a group commit in one statement; every kind in arrival order.
                for name in dict.fromkeys(name for name, _ in side):
                    self.db.executemany(SIDE_ROWS[name], [params for n, params in side if n == name])
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise
        self.last_digest = digest
        self.last_seq += len(rows)

    def snapshot(self) -> tuple[int, bytes, bytes] | None:
        """The latest snapshot: (seq of the last record it includes, that record's digest, state)."""
        row = self.db.execute("SELECT seq, digest, state FROM snapshot ORDER BY seq DESC LIMIT 1").fetchone()
        if row is None:
            return None
        parts = [row[2], *(data for (data,) in self.db.execute(
            "SELECT data FROM snapshot_part WHERE seq = ? ORDER BY part", (row[0],)))]
        return row[0], row[1], b"".join(parts) if len(parts) > 1 else parts[0]

    def write_snapshot(self, at_s: int, state: bytes) -> int:
        """Store the state as of the last appended record and drop every record it includes:
        the journal then holds only what came after. Returns the snapshot's seq."""
        seq, digest = self.last_seq, self.last_digest
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
            self.db.execute("DELETE FROM journal WHERE seq <= ?", (seq,))
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise
        return seq

    def records(self, after_seq: int = 0, digest: bytes = b"") -> Iterator[Record]:
        """Every record after after_seq in order, each checked against the digest chain that
        starts from `digest` (the digest of record after_seq)."""
        expected_seq = after_seq + 1 if after_seq else None
        try:
            cursor = self.db.execute(
                "SELECT seq, at_s, method, request_id, fingerprint, effect, response, digest FROM journal "
                "WHERE seq > ? ORDER BY seq", (after_seq,)
            )
            for row in cursor:
                seq, stored = row[0], row[7]
                if expected_seq is not None and seq != expected_seq:
                    raise JournalCorrupt(f"{self.path}: records {expected_seq} to {seq - 1} are missing")
                digest = _digest(digest, *row[1:7])
                if digest != stored:
                    raise JournalCorrupt(f"{self.path}: journal record {seq} does not match its digest; the "
                                         "journal was changed or damaged from there on. Restore it from a "
                                         "replica or backup; the server will not start on it.")
                expected_seq = seq + 1
                yield Record(*row[:7])
        except sqlite3.DatabaseError as exc:
            raise JournalCorrupt(f"{self.path}: the journal database is damaged ({exc}); restore it from a "
                                 "replica or backup; the server will not start on it.") from exc

    # -- stored versions ----------------------------------------------------------------------

    def versions(self) -> list[tuple]:
        """Every stored version: (kind, version, digest, content bytes, first_activated_s, activated_s)."""
        return self.db.execute("SELECT kind, version, digest, length(content), first_activated_s, activated_s "
                               "FROM versions").fetchall()

    def put_version(self, kind: str, version: str, digest: str, content: bytes, at_s: int) -> None:
        """Store a version that became active without a record (the shipped defaults at start)."""
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
        with self._reader_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
        # Flush: the write-ahead log checkpointed into the database file (and synced) first.
        # Closing twice is harmless.
        try:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.ProgrammingError:
            pass  # closed already
        finally:
            self.db.close()
            self.lock.release()
            self.closed = True


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

    def commit(self, records: list[tuple], side: list[tuple] = ()) -> None:
        """Return once the records (and their side rows) are durable; raise what the journal
        raised otherwise."""
        mine = _Pending(records, side)
        with self._cond:
            self._queue.append(mine)
            self.submitted += len(records)
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
            error = None
            started_s = time.perf_counter()
            try:
                self.journal.append([r for item in batch for r in item.records],
                                    [row for item in batch for row in item.side])
            except Exception as exc:  # noqa: BLE001 - handed to every caller of the batch
                error = exc
            with self._cond:
                for item in batch:
                    item.done, item.error = True, error
                # Commits run one at a time, so the changes are told in the order they happened.
                writable = error is None or not isinstance(error, sqlite3.Error)
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
        if mine.error is not None:
            raise mine.error

    def probe(self, at_s: int) -> bool:
        """Write to the database (a meta row, no record) in turn with the commits; True if it could.
        Tells on_writable of a change like any commit."""
        try:
            self.commit([], [("write_probe", (at_s,))])
        except sqlite3.Error:
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
