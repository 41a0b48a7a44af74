"""The decision audit: every decision, durably, with what it was decided on.

Each Authorize, each AuthorizeBatch and each AuthorizeBulk chunk writes one row to the journal
database's `audit` table, in the same transaction as its journal record (so an acknowledged
decision always has its audit row), and snapshots never drop it; rows older than the retention
([store] audit_retention_days) are pruned by the sweeper. A row holds its decisions as columns:

  inputs     int64 (n, 10)  the kernel's request columns (authcore._fast.ledger IN_*)
  locations  float64 (n, 2) latitude, longitude (NaN: unknown)
  outcome    int64 (n, 7)   the kernel's answer columns (OUT_*): decision, failed checks, ...
  scores     float64 (n,)   the model's probability (NaN: no model)
  answered   int64 (n, 2)   the decision and first reason answered (an installment refusal may
                            turn an approval into a decline)
  features   float64 (n, 26) the feature vector (authcore.risk.features)
  accounts, behaviour       uint8 (n, row size): the account's rows just before the decision
  profiles   uint8 (k, row size), profile_of int32 (n,): its resolved limit profile
  stand_in   uint8 (n,)     the stand-in cause given to the kernel (a deadline); a model that
                            fails stands in by itself, which a replay with that model repeats
  items      int32 (n,)     the decision's place in its batch or chunk

with the request ids (one per decision for Authorize and AuthorizeBatch; the chunk's for
AuthorizeBulk), account ids and merchant ids as strings, and the policy and model versions of
the row. That is enough to decide each payment again (`authcore audit replay`) under its
versions, which the versions table keeps, from the recorded state, on a scratch ledger.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import math
import pathlib
import sqlite3
import struct
import sys
from collections.abc import Iterator

import numpy as np
import zstandard

from authcore.risk import features
from authcore._fast.ledger import FLAG_STAND_IN, Book
from authcore._fast.state import ACCOUNT_DTYPE, BEHAVIOUR_DTYPE, PROFILE_DTYPE
from authcore.decision.money import currency_alpha
from authcore.decision.reasons import reasons_of_mask
from authcore.journal import segments
from authcore.state.rows import ACCOUNT_DTYPE_V1, BEHAVIOUR_DTYPE_V1, accounts_from_v1, behaviour_from_v1
from authcore.v1 import common_pb2 as c

MAGIC = b"ACA1"
# A row of many decisions (a batch or a chunk) is kept as this magic, the length of its ACA1
# blob, then that blob compressed with Zstandard: a chunk's columns are about 730 B a decision
# (the features, the account's rows), which compress about sixfold, and every record is written
# to the journal, the audit index and, in a cluster, JetStream's three servers and the standbys.
COMPRESSED = b"ACZ1"
COMPRESS_FROM_BYTES = 16 << 10
COMPRESSION_LEVEL = 1
# An audit row never decodes to more than this (a bulk chunk's limit of payments, with room).
MAX_ROW_BYTES = 256 << 20
# Rows pruned per transaction, and transactions per sweep: bounded work beside the commits.
PRUNE_BATCH = 2_000
PRUNE_ROUNDS = 10
# Every layout the blob depends on: a build with other row layouts refuses to read it wrongly.
LAYOUT = {"account": ACCOUNT_DTYPE.itemsize, "behaviour": BEHAVIOUR_DTYPE.itemsize,
          "profile": PROFILE_DTYPE.itemsize, "features": features.SCHEMA_VERSION}
_LAYOUT_JSON = json.dumps(LAYOUT, separators=(",", ":"))
# The layouts before the account and behaviour rows were narrowed: such rows are converted as
# they are read (authcore/state/rows.py), and decode() marks them with a "converted" array.
LAYOUT_V1 = {**LAYOUT, "account": ACCOUNT_DTYPE_V1.itemsize, "behaviour": BEHAVIOUR_DTYPE_V1.itemsize}
_HEADER = struct.Struct("<4sI")


class AuditError(RuntimeError):
    """An audit row that cannot be read."""


# -- encoding -----------------------------------------------------------------------------------


def encode(arrays: dict[str, np.ndarray], strings: dict[str, list[str]]) -> bytes:
    """arrays and strings as one blob: a JSON header, then each array's bytes in order."""
    specs, buffers = [], []
    for name, array in arrays.items():
        array = np.ascontiguousarray(array)
        specs.append((name, array.dtype.str, array.shape))
        # The array's own buffer: join copies it once, into the blob (a chunk's are megabytes).
        buffers.append(array)
    header = f'{{"layout":{_LAYOUT_JSON},"arrays":{json.dumps(specs)},"strings":{json.dumps(strings)}}}'.encode()
    blob = b"".join((_HEADER.pack(MAGIC, len(header)), header, *buffers))
    if len(blob) < COMPRESS_FROM_BYTES:
        return blob
    return _HEADER.pack(COMPRESSED, len(blob)) + zstandard.ZstdCompressor(level=COMPRESSION_LEVEL).compress(blob)


def decode(blob: bytes) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    if len(blob) < _HEADER.size:
        raise AuditError("not an audit row")
    magic, size = _HEADER.unpack_from(blob)
    if magic == COMPRESSED:
        if size > MAX_ROW_BYTES:
            raise AuditError(f"an audit row of {size} bytes (at most {MAX_ROW_BYTES})")
        try:
            blob = zstandard.ZstdDecompressor().decompress(blob[_HEADER.size:], max_output_size=size)
        except zstandard.ZstdError as exc:
            raise AuditError(f"a compressed audit row that does not decompress: {exc}") from None
        if len(blob) != size or size < _HEADER.size:
            raise AuditError("a compressed audit row of the wrong length")
        magic, size = _HEADER.unpack_from(blob)
    if magic != MAGIC:
        raise AuditError("not an audit row")
    header = json.loads(blob[_HEADER.size:_HEADER.size + size])
    old = header["layout"] == LAYOUT_V1
    if header["layout"] != LAYOUT and not old:
        raise AuditError(f"audit row written with row layouts {header['layout']}, this build has {LAYOUT}")
    offset = _HEADER.size + size
    arrays = {}
    for name, dtype, shape in header["arrays"]:
        count = math.prod(shape)
        array = np.frombuffer(blob, dtype, count, offset).reshape(shape)
        arrays[name] = array
        offset += array.nbytes
    if offset != len(blob):
        raise AuditError("audit row of the wrong length")
    if old:
        # (n, old row size) bytes to (n, row size) bytes of the current layouts.
        for name, dtype, convert in (("accounts", ACCOUNT_DTYPE_V1, accounts_from_v1),
                                     ("behaviour", BEHAVIOUR_DTYPE_V1, behaviour_from_v1)):
            rows_ = convert(np.ascontiguousarray(arrays[name]).view(dtype).reshape(-1))
            arrays[name] = rows_.view(np.uint8).reshape(len(rows_), rows_.dtype.itemsize)
        arrays["converted"] = np.ones(1, np.bool_)
    return arrays, header["strings"]


# One Authorize decision: the scalars packed at once, then the feature vector and the rows.
_ONE_SCALARS = struct.Struct("<10q2d7qd2qiiB")
_ONE_ARRAYS = [("inputs", "<i8", [1, 10]), ("locations", "<f8", [1, 2]), ("outcome", "<i8", [1, 7]),
               ("scores", "<f8", [1]), ("answered", "<i8", [1, 2]), ("profile_of", "<i4", [1]),
               ("items", "<i4", [1]), ("stand_in", "|u1", [1]), ("features", "<f8", [1, features.N_FEATURES]),
               ("accounts", "|u1", [1, ACCOUNT_DTYPE.itemsize]), ("behaviour", "|u1", [1, BEHAVIOUR_DTYPE.itemsize]),
               ("profiles", "|u1", [1, PROFILE_DTYPE.itemsize])]
_ONE_PREFIX = f'{{"layout":{_LAYOUT_JSON},"arrays":{json.dumps(_ONE_ARRAYS)},"strings":'


_json_string = json.encoder.encode_basestring_ascii


def one_prefix() -> bytes:
    """The start of the JSON header of one Authorize decision's row, up to its strings (the
    compiled request path writes the rest)."""
    return _ONE_PREFIX.encode()


def row_for_one(now_s: int, request_id: str, account_id: str, merchant_id: str, inputs: tuple, location: tuple,
                outcome: tuple, answered: tuple, x: np.ndarray, account: bytes, behaviour: bytes, profile: bytes,
                stand_in: int, policy_version: str, model_version: str) -> tuple:
    """The side row (authcore.journal.store.SIDE_ROWS "audit") of one Authorize decision: the kernel's
    inputs and outcome, the answer, the features, and the bytes of the account's rows before
    the decision. Built without numpy: this is on every unary call's path."""
    # The JSON of {"request_ids": [...], ...}, each string escaped by json's own encoder.
    header = (f'{_ONE_PREFIX}{{"request_ids":[{_json_string(request_id)}],"account_ids":[{_json_string(account_id)}],'
              f'"merchant_ids":[{_json_string(merchant_id)}]}}}}').encode()
    blob = b"".join((_HEADER.pack(MAGIC, len(header)), header,
                     _ONE_SCALARS.pack(*inputs, *location, *outcome, *answered, 0, 0, stand_in),
                     x.tobytes(), account, behaviour, profile))
    return "audit", (now_s, "Authorize", request_id, 1, policy_version, model_version, blob)


def row_for_many(method: str, now_s: int, request_id: str, request_ids: list[str] | None, items: np.ndarray,
                 account_ids: list[str], merchant_ids: list[str], inputs: np.ndarray, locations: np.ndarray,
                 outcome: np.ndarray, scores: np.ndarray, answered: np.ndarray, x: np.ndarray,
                 accounts: np.ndarray, behaviour: np.ndarray, profile_bytes: np.ndarray, stand_in: np.ndarray,
                 policy_version: str, model_version: str) -> tuple:
    """The side row of the decisions of a batch or a chunk (rows selected already); accounts and
    behaviour are (n, row size) bytes, profile_bytes the ledger's profile table as (rows, size) bytes."""
    profile_ids = accounts.view(ACCOUNT_DTYPE).reshape(-1)["profile"]
    used, profile_of = np.unique(profile_ids, return_inverse=True)
    arrays = {
        "inputs": inputs, "locations": locations, "outcome": outcome, "scores": scores, "answered": answered,
        "features": x, "accounts": accounts, "behaviour": behaviour, "profiles": profile_bytes[used],
        "profile_of": profile_of.astype(np.int32), "stand_in": stand_in.astype(np.uint8),
        "items": items.astype(np.int32),
    }
    strings = {"account_ids": account_ids, "merchant_ids": merchant_ids}
    if request_ids is not None:
        strings["request_ids"] = request_ids
    return "audit", (now_s, method, request_id, len(items), policy_version, model_version, encode(arrays, strings))


# -- reading --------------------------------------------------------------------------------------


def databases(data_dir: str | pathlib.Path) -> list[pathlib.Path]:
    """The journal databases of a data dir: one process's, or every partition's."""
    root = pathlib.Path(data_dir)
    found = [root / "authcore.db"] if (root / "authcore.db").is_file() else []
    found += sorted(root.glob("partition-*-of-*/authcore.db"))
    return found


def connect(path: pathlib.Path) -> sqlite3.Connection:
    """A read-only connection: reading the audit never changes the journal."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def parse_time(text: str | None) -> int | None:
    """Seconds since the epoch of an ISO 8601 time (UTC when it names no offset)."""
    if text is None:
        return None
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return int(moment.timestamp())


def rows(db: sqlite3.Connection, since_s: int | None = None, until_s: int | None = None,
         segments_dir: pathlib.Path | None = None) -> Iterator[tuple]:
    """(seq, at_s, method, request_id, policy_version, model_version, arrays, strings) of every
    audit row in [since_s, until_s), in order: the audit table's, then (with segments_dir, the
    journal's records) those of the records the table does not have yet (seq: the record's)."""
    yield from _indexed_rows(db, since_s, until_s)
    if segments_dir is None:
        return
    row = db.execute("SELECT value FROM meta WHERE key = 'audit_indexed_seq'").fetchone()
    for record in segments.read_records(segments_dir, int(row[0]) if row else 0):
        if not record.HasField("audit") or (since_s is not None and record.at_s < since_s) \
                or (until_s is not None and record.at_s >= until_s):
            continue
        found = record.audit
        arrays, strings = decode(found.data)
        yield (record.seq, record.at_s, found.method, found.request_id, found.policy_version, found.model_version,
               arrays, strings)


def _indexed_rows(db: sqlite3.Connection, since_s: int | None, until_s: int | None) -> Iterator[tuple]:
    query = "SELECT seq, at_s, method, request_id, policy_version, model_version, data FROM audit WHERE 1"
    params: list = []
    if since_s is not None:
        query += " AND at_s >= ?"
        params.append(since_s)
    if until_s is not None:
        query += " AND at_s < ?"
        params.append(until_s)
    for seq, at_s, method, request_id, policy_version, model_version, blob in db.execute(query + " ORDER BY seq",
                                                                                         params):
        arrays, strings = decode(blob)
        yield seq, at_s, method, request_id, policy_version, model_version, arrays, strings


def reason_names(answered_decision: int, kernel_decision: int, failed: int, answered_reason: int) -> list[str]:
    """Every reason of a decision, as answered: the kernel's checks, or the reason that
    overrode its approval."""
    if answered_decision == c.DECISION_APPROVED:
        return ["REASON_APPROVED"]
    if answered_decision != kernel_decision or not failed:
        return [c.Reason.Name(answered_reason)]
    return [c.Reason.Name(r) for r in reasons_of_mask(failed)]


def _country(code: int) -> str:
    return "" if code <= 0 else chr(65 + (code - 1) // 26) + chr(65 + (code - 1) % 26)


CHANNEL_NAMES = ("CHANNEL_WALLET", "CHANNEL_SCAN_TO_PAY", "CHANNEL_QUICK_PAY")
FEATURE_COLUMNS = [f"feature_{name}" for name in features.NAMES]
COLUMNS = (["at", "at_s", "method", "request_id", "item", "account_id", "channel", "amount_minor", "currency",
            "merchant_id", "mcc", "merchant_country", "qr_code_type", "verification_factor_bits", "device_hash",
            "ip_network_hash", "latitude", "longitude", "decision", "reason", "reasons", "max_approvable_minor",
            "available_credit_minor", "score", "policy_version", "model_version", "stand_in"]
           + FEATURE_COLUMNS + ["account_row", "behaviour_row", "profile_row"])


def decisions(data_dir, since_s: int | None = None, until_s: int | None = None) -> Iterator[dict]:
    """One dict per decision (COLUMNS), oldest first within each database."""
    for path in databases(data_dir):
        db = connect(path)
        try:
            for _, at_s, method, request_id, policy_version, model_version, a, s in rows(
                    db, since_s, until_s, path.parent / segments.SEGMENTS_DIR):
                at = datetime.datetime.fromtimestamp(at_s, datetime.UTC).isoformat().replace("+00:00", "Z")
                inputs, outcome, answered = a["inputs"].tolist(), a["outcome"].tolist(), a["answered"].tolist()
                for i in range(len(inputs)):
                    row = inputs[i]
                    decision, reason = answered[i]
                    record = {
                        "at": at, "at_s": at_s, "method": method,
                        "request_id": s["request_ids"][i] if "request_ids" in s else request_id,
                        "item": int(a["items"][i]), "account_id": s["account_ids"][i],
                        "channel": CHANNEL_NAMES[row[1]], "amount_minor": row[2], "currency": currency_alpha(row[3]),
                        "merchant_id": s["merchant_ids"][i], "mcc": f"{row[8]:04d}" if row[8] >= 0 else "",
                        "merchant_country": _country(row[9]), "qr_code_type": c.QrCodeType.Name(row[4]),
                        "verification_factor_bits": row[5], "device_hash": row[6] & 0xFFFFFFFFFFFFFFFF,
                        "ip_network_hash": row[7] & 0xFFFFFFFFFFFFFFFF,
                        "latitude": float(a["locations"][i, 0]), "longitude": float(a["locations"][i, 1]),
                        "decision": c.Decision.Name(decision), "reason": c.Reason.Name(reason),
                        "reasons": "|".join(reason_names(decision, outcome[i][0], outcome[i][1], reason)),
                        "max_approvable_minor": outcome[i][2], "available_credit_minor": outcome[i][3],
                        "score": float(a["scores"][i]), "policy_version": policy_version,
                        "model_version": model_version, "stand_in": bool(outcome[i][6] & FLAG_STAND_IN),
                        "account_row": a["accounts"][i].tobytes(), "behaviour_row": a["behaviour"][i].tobytes(),
                        "profile_row": a["profiles"][a["profile_of"][i]].tobytes(),
                    }
                    record.update(zip(FEATURE_COLUMNS, a["features"][i].tolist()))
                    yield record
        finally:
            db.close()


# -- export ---------------------------------------------------------------------------------------


class MissingPyarrow(RuntimeError):
    pass


def export(data_dir, fmt: str, out: str | pathlib.Path, since_s: int | None = None,
           until_s: int | None = None) -> int:
    """Write one row per decision to out (parquet or csv); returns how many."""
    records = decisions(data_dir, since_s, until_s)
    if fmt == "csv":
        return _export_csv(records, out)
    return _export_parquet(records, out)


def _export_csv(records, out) -> int:
    count = 0
    with open(out, "w", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        for record in records:
            for name in ("account_row", "behaviour_row", "profile_row"):
                record[name] = record[name].hex()
            writer.writerow(record)
            count += 1
    return count


PARQUET_BATCH = 50_000


def _export_parquet(records, out) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingPyarrow("parquet export needs pyarrow: pip install 'authcore[audit]' (or use --format csv)") \
            from None
    types = {"at_s": pa.int64(), "item": pa.int32(), "amount_minor": pa.int64(), "verification_factor_bits": pa.int32(),
             "device_hash": pa.uint64(), "ip_network_hash": pa.uint64(), "latitude": pa.float64(),
             "longitude": pa.float64(), "max_approvable_minor": pa.int64(), "available_credit_minor": pa.int64(),
             "score": pa.float64(), "stand_in": pa.bool_(), "account_row": pa.binary(), "behaviour_row": pa.binary(),
             "profile_row": pa.binary()}
    types.update({name: pa.float64() for name in FEATURE_COLUMNS})
    schema = pa.schema([(name, types.get(name, pa.string())) for name in COLUMNS])
    count = 0
    with pq.ParquetWriter(out, schema) as writer:
        batch: list[dict] = []
        for record in records:
            batch.append(record)
            if len(batch) == PARQUET_BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema))
                count += len(batch)
                batch = []
        if batch or not count:
            writer.write_table(pa.Table.from_pylist(batch, schema))
            count += len(batch)
    return count


# -- replay ---------------------------------------------------------------------------------------


class _Deciders:
    """A scratch ledger per (policy version, model version), from the versions table."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self.books: dict[tuple[str, str], Book] = {}

    def _content(self, kind: str, version: str) -> bytes:
        row = self.db.execute("SELECT content FROM versions WHERE kind = ? AND version = ?", (kind, version)).fetchone()
        if row is None:
            raise AuditError(f"{kind} version {version!r} is not stored")
        return bytes(row[0])

    def book(self, policy_version: str, model_version: str) -> Book:
        key = (policy_version, model_version)
        book = self.books.get(key)
        if book is None:
            from authcore.risk.models import load_model
            from authcore.decision.policy import risk_tables
            from authcore.v1 import policy_pb2

            book = Book()
            policy = policy_pb2.Policy.FromString(self._content("policy", policy_version))
            book.set_risk(*risk_tables(policy.risk))
            if model_version:
                book.set_scorer(load_model(self._content("model", model_version), schema=features.NAMES,
                                           version=model_version))
            self.books[key] = book
        return book


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def replay(data_dir, since_s: int | None = None, until_s: int | None = None, max_listed: int = 20) -> dict:
    """Decide every recorded payment again under its recorded versions from its recorded state;
    a dict with the counts of decisions, matches and feature mismatches, and the first mismatches."""
    report = {"decisions": 0, "matched": 0, "feature_mismatches": 0, "mismatches": [], "converted": 0,
              "converted_feature_differences": 0}
    accounts = np.zeros(1, ACCOUNT_DTYPE)
    behaviour = np.zeros(1, BEHAVIOUR_DTYPE)
    profiles = np.zeros(1, PROFILE_DTYPE)
    x = np.zeros(features.N_FEATURES)
    for path in databases(data_dir):
        db = connect(path)
        deciders = _Deciders(db)
        try:
            for seq, at_s, method, request_id, policy_version, model_version, a, s in rows(
                    db, since_s, until_s, path.parent / segments.SEGMENTS_DIR):
                for i in range(len(a["inputs"])):
                    report["decisions"] += 1
                    book = deciders.book(policy_version, model_version)
                    accounts.view(np.uint8)[:] = a["accounts"][i]
                    behaviour.view(np.uint8)[:] = a["behaviour"][i]
                    profiles.view(np.uint8)[:] = a["profiles"][a["profile_of"][i]]
                    accounts[0]["profile"] = 0
                    book.bind(accounts, profiles, behaviour)
                    row = a["inputs"][i].tolist()
                    outcome = book.authorize(0, row[1], row[2], row[3], row[4], row[5], at_s,
                                             row[6] & 0xFFFFFFFFFFFFFFFF, row[7] & 0xFFFFFFFFFFFFFFFF,
                                             float(a["locations"][i, 0]), float(a["locations"][i, 1]), row[8], row[9],
                                             False, x, None, int(a["stand_in"][i]))
                    problems = _differences(outcome, a["outcome"][i].tolist(), float(a["scores"][i]),
                                            a["answered"][i].tolist())
                    features_differ = not np.array_equal(x, a["features"][i], equal_nan=True)
                    if "converted" in a:
                        # Rows of the layouts before narrowing, replayed from their narrowed
                        # conversion: amounts, positions and devices now carry float32 and 32-bit
                        # precision, so features and score may differ in their last digits;
                        # decision, reasons and max approvable must still match.
                        report["converted"] += 1
                        if features_differ or "score" in problems:
                            report["converted_feature_differences"] += 1
                        problems = [p for p in problems if p != "score"]
                    elif features_differ:
                        report["feature_mismatches"] += 1
                        problems.append("features")
                    if problems:
                        if len(report["mismatches"]) < max_listed:
                            rid = s["request_ids"][i] if "request_ids" in s else request_id
                            report["mismatches"].append({"database": str(path), "seq": seq, "request_id": rid,
                                                         "item": int(a["items"][i]), "differs": problems})
                    else:
                        report["matched"] += 1
        finally:
            db.close()
    return report


def _differences(outcome: tuple, recorded: list, recorded_score: float, answered: list) -> list[str]:
    problems = []
    if outcome[0] != recorded[0]:
        problems.append("decision")
    if outcome[1] != recorded[1]:
        problems.append("reasons")
    if outcome[2] != recorded[2]:
        problems.append("max_approvable")
    if not _same(outcome[7], recorded_score):
        problems.append("score")
    # What was answered follows from the kernel's decision, unless an installment refusal
    # declined an approval.
    if answered[0] != outcome[0] and answered[1] != c.REASON_INSTALLMENT_NOT_AVAILABLE:
        problems.append("answered")
    return problems


# -- command line -----------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="authcore audit", description="Export and replay the decision audit.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("export", "write one row per decision (features as columns) to a file"),
                       ("replay", "decide every recorded payment again and count the matches")):
        command = sub.add_parser(name, help=text)
        command.add_argument("--data-dir", dest="data_dir", required=True, help="the server's data dir")
        command.add_argument("--since", help="ISO 8601 time, inclusive (UTC unless it names an offset)")
        command.add_argument("--until", help="ISO 8601 time, exclusive")
        if name == "export":
            command.add_argument("--format", choices=["parquet", "csv"], required=True,
                                 help="parquet (needs pyarrow) or csv")
            command.add_argument("--out", required=True, help="the file to write")
    ns = parser.parse_args(argv)
    try:
        since_s, until_s = parse_time(ns.since), parse_time(ns.until)
    except ValueError as exc:
        print(f"authcore audit: {exc}", file=sys.stderr)
        return 2
    if not databases(ns.data_dir):
        print(f"authcore audit: no journal in {ns.data_dir}", file=sys.stderr)
        return 2
    try:
        if ns.command == "export":
            count = export(ns.data_dir, ns.format, ns.out, since_s, until_s)
            print(f"{count} decisions written to {ns.out}")
            return 0
        report = replay(ns.data_dir, since_s, until_s)
    except (MissingPyarrow, AuditError, sqlite3.Error) as exc:
        print(f"authcore audit: {exc}", file=sys.stderr)
        return 2
    print(f"{report['decisions']} decisions replayed: {report['matched']} match, "
          f"{report['decisions'] - report['matched']} differ ({report['feature_mismatches']} in their features)")
    if report["converted"]:
        print(f"{report['converted']} of them recorded with the row layouts before narrowing, replayed from their "
              f"converted rows ({report['converted_feature_differences']} with features or score differing in their "
              f"last digits, not counted as differences)")
    for mismatch in report["mismatches"]:
        print(f"  differs: {mismatch['database']} audit row {mismatch['seq']} request {mismatch['request_id']} "
              f"item {mismatch['item']}: {', '.join(mismatch['differs'])}")
    return 0 if report["matched"] == report["decisions"] else 1
