"""The journal: an ordered stream of state-change records in embedded SQLite (WAL).

Every mutating request appends one record in its own transaction before its answer leaves:
the effect on the state (or none, for a decline), and the response that a replay of its
request_id must return. On start the records are applied again in order to rebuild the state.

Durability modes:
  "normal" - synchronous=NORMAL: a committed record survives a crash or kill -9 of the
             process; the last records may be lost if the machine loses power.
  "fsync"  - synchronous=FULL: every commit is fsynced; survives power loss.
"""

from __future__ import annotations

import dataclasses
import pathlib
import sqlite3
from collections.abc import Iterator

SCHEMA_VERSION = 1
DURABILITY_MODES = {"normal": "NORMAL", "fsync": "FULL"}


@dataclasses.dataclass(frozen=True, slots=True)
class Record:
    seq: int
    at_s: int
    method: str
    request_id: str | None
    fingerprint: bytes | None
    effect: str | None
    response: bytes | None


class Journal:
    """Append-only journal in <data_dir>/authcore.db."""

    def __init__(self, data_dir: str | pathlib.Path, durability: str = "normal"):
        if durability not in DURABILITY_MODES:
            raise ValueError(f"durability must be one of {sorted(DURABILITY_MODES)}")
        self.path = pathlib.Path(data_dir) / "authcore.db"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection, used under the engine's lock.
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(f"PRAGMA synchronous={DURABILITY_MODES[durability]}")
        self.durability = durability
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS journal (
                seq INTEGER PRIMARY KEY,
                at_s INTEGER NOT NULL,
                method TEXT NOT NULL,
                request_id TEXT,
                fingerprint BLOB,
                effect TEXT,
                response BLOB
            );
            """
        )
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) != SCHEMA_VERSION:
            raise RuntimeError(f"{self.path}: schema version {row[0]}, this build reads {SCHEMA_VERSION}")

    def append(self, records: list[tuple]) -> None:
        """Append (at_s, method, request_id, fingerprint, effect, response) tuples atomically."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany(
                "INSERT INTO journal (at_s, method, request_id, fingerprint, effect, response) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                records,
            )
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def records(self) -> Iterator[Record]:
        """Every record in order."""
        cursor = self.db.execute(
            "SELECT seq, at_s, method, request_id, fingerprint, effect, response FROM journal ORDER BY seq"
        )
        for row in cursor:
            yield Record(*row)

    def close(self) -> None:
        self.db.close()
