"""authcore import FILE: open or update accounts in bulk from a CSV (or parquet) file, over one
ImportAccounts stream (AdminService, admin's certificate over mutual TLS).

The file's columns are named after UpsertAccount's fields (docs/operations.md, "Loading
accounts"); account_id is required, every other column optional (left out: each account keeps that setting, a new one gets its
default). Each chunk's request_id is the file's digest, the chunk size and the chunk's number:
running the same import again is answered from the server's journal, chunk by chunk, and
applies nothing twice. A chunk the server refuses ends the import: its field violations are
printed with the file's line numbers, the chunks before it stand, and the exit status is 1."""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import math
import pathlib
import re
import sys
from collections.abc import Iterator

from authcore.client import AuthcoreError, Client, Tls
from authcore.client.errors import from_status
from authcore.decision.columns import MAX_IMPORT_ROWS
from authcore.tools.bench import ProgressBar
from authcore.v1 import admin_pb2, common_pb2 as c

DEFAULT_TARGET = "127.0.0.1:50051"
# The file's columns (UpsertAccount's field names) -> the chunk's columns (ImportAccountsRequest).
COLUMNS = {
    "account_id": "account_ids",
    "credit_limit_minor": "credit_limits_minor",
    "status": "statuses",
    "tier": "tiers",
    "overdue_minor": "overdue_minor",
    "currency": "currencies",
    "time_zone": "time_zones",
    "credit_score": "credit_scores",
}
FILE_COLUMN = {chunk: name for name, chunk in COLUMNS.items()} | {"currency": "currency", "time_zone": "time_zone"}
STATUSES = {name.removeprefix("ACCOUNT_STATUS_"): value for name, value in c.AccountStatus.items() if value}
TIERS = {name.removeprefix("TIER_"): value for name, value in c.Tier.items() if value}
VIOLATION_FIELD = re.compile(r"(\w+)\[(\d+)\]$")


class BadFile(Exception):
    """The file cannot be read as an import (a one-line message naming the file and line)."""


@dataclasses.dataclass
class Sent:
    """What the stream has sent: each chunk's file lines (or parquet rows), for the messages."""

    lines: list[list[int]] = dataclasses.field(default_factory=list)
    fraction: float = 0.0
    # The file's problem that ended the stream early (grpc reads the chunks on its own thread,
    # where an exception would only cancel the call).
    bad: BadFile | None = None


def guarded(chunks: Iterator, sent: Sent) -> Iterator:
    """chunks until the file turns out bad: then the stream ends there, the problem in sent."""
    try:
        yield from chunks
    except BadFile as exc:
        sent.bad = exc


def digest_of(path: pathlib.Path) -> str:
    """The file's BLAKE2b digest (hex, 24 characters): the root of its chunks' request_ids."""
    h = hashlib.blake2b(digest_size=12)
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _enum(table: dict[str, int], kind: str):
    def parse(text: str) -> int:
        if not text:
            return 0
        if text.lstrip("-").isdigit():
            return int(text)  # the server says whether it is one
        value = table.get(text.upper().removeprefix("ACCOUNT_STATUS_").removeprefix("TIER_"))
        if value is None:
            raise ValueError(f"{text!r} is no {kind} ({', '.join(name.lower() for name in table)})")
        return value
    return parse


def _minor(text: str) -> int:
    if not text.strip().lstrip("-").isdigit():
        raise ValueError(f"{text!r} is not a whole number of minor units (fen)"
                         + (": leave the column out to keep every account's" if not text else ""))
    return int(text)


def _score(text: str) -> float:
    return math.nan if not text else float(text)


PARSERS = {
    "credit_limit_minor": _minor, "overdue_minor": _minor, "status": _enum(STATUSES, "account status"),
    "tier": _enum(TIERS, "tier"), "credit_score": _score, "account_id": str, "currency": str, "time_zone": str,
}


def chunk_of(columns: dict[str, list], request_id: str) -> admin_pb2.ImportAccountsRequest:
    """A chunk of parsed columns (file names); a currency or zone every row shares is sent once."""
    req = admin_pb2.ImportAccountsRequest(request_id=request_id)
    for name, values in columns.items():
        if name in ("currency", "time_zone") and len(set(values)) == 1:
            setattr(req, name, values[0])
        else:
            getattr(req, COLUMNS[name]).extend(values)
    return req


# Columns whose cells int() reads as they are, all at once (a cell it cannot read is then read
# again on its own, for the message).
WHOLE_COLUMN = {"credit_limit_minor": int, "overdue_minor": int}


def _parsed(names: list[str], rows: list[list[str]], lines: list[int], where) -> dict[str, list]:
    """The columns of rows, each value parsed; BadFile names the line of the first that is not."""
    return {name: _column(name, list(raw), lines, where) for name, raw in zip(names, zip(*rows), strict=True)}


def _column(name: str, raw: list[str], lines: list[int], where) -> list:
    parse = PARSERS[name]

    def one(i: int):
        try:
            return parse(raw[i].strip())
        except ValueError as exc:
            raise BadFile(f"{where(lines[i])}, column {name}: {exc}") from None

    if name == "account_id":
        return [value.strip() for value in raw]
    distinct = set(raw)
    if len(distinct) * 4 <= len(raw):  # a few values (statuses, tiers, currencies, zones): each parsed once
        parsed = {value: one(raw.index(value)) for value in distinct}
        return [parsed[value] for value in raw]
    whole = WHOLE_COLUMN.get(name)
    if whole is not None:
        try:
            return list(map(whole, raw))
        except ValueError:
            pass
    return [one(i) for i in range(len(raw))]


def _header(names: list[str], path: pathlib.Path) -> list[str]:
    names = [name.strip() for name in names]
    unknown = [name for name in names if name not in COLUMNS]
    if unknown or "account_id" not in names or len(set(names)) != len(names):
        raise BadFile(f"{path}: the columns are {', '.join(names) or 'none'}; expected account_id and any of "
                      f"{', '.join(n for n in COLUMNS if n != 'account_id')}, each once")
    return names


def csv_chunks(path: pathlib.Path, digest: str, rows_per_chunk: int, sent: Sent) -> Iterator:
    """The chunks of a CSV file with a header line, as they are read."""
    size = max(path.stat().st_size, 1)
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        names = _header(next(reader, []), path)
        number = 0
        while True:
            rows, lines = [], []
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue  # a blank line
                if len(row) != len(names):
                    raise BadFile(f"{path} line {reader.line_num}: {len(row)} values for {len(names)} columns")
                rows.append(row)
                lines.append(reader.line_num)
                if len(rows) == rows_per_chunk:
                    break
            if not rows:
                sent.fraction = 1.0
                return
            columns = _parsed(names, rows, lines, lambda line: f"{path} line {line}")
            sent.lines.append(lines)
            sent.fraction = f.buffer.tell() / size
            yield chunk_of(columns, f"import-{digest}-{rows_per_chunk}-{number}")
            number += 1


def parquet_chunks(path: pathlib.Path, digest: str, rows_per_chunk: int, sent: Sent) -> Iterator:
    """The chunks of a parquet file (pyarrow, the parquet extra), a batch of rows each."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise BadFile("reading parquet needs pyarrow: pip install 'authcore[parquet]' (or import a CSV file)") from None
    table = pq.ParquetFile(path)
    names = _header(table.schema_arrow.names, path)
    total, first = max(table.metadata.num_rows, 1), 1
    for number, batch in enumerate(table.iter_batches(batch_size=rows_per_chunk, columns=names)):
        rows = list(zip(*(["" if v is None else str(v) for v in batch.column(k).to_pylist()]
                          for k in range(len(names))), strict=True))
        lines = list(range(first, first + len(rows)))
        columns = _parsed(names, rows, lines, lambda row: f"{path} row {row}")
        sent.lines.append(lines)
        first += len(rows)
        sent.fraction = (first - 1) / total
        yield chunk_of(columns, f"import-{digest}-{rows_per_chunk}-{number}")


def report_refused(result: admin_pb2.ImportChunkResult, path: pathlib.Path, lines: list[int], unit: str) -> None:
    """A refused chunk's error, each field violation with the file's line and column."""
    error = from_status(result.error, result.request_id)
    span = f"{unit}s {lines[0]}-{lines[-1]}" if lines else "no lines"
    print(f"authcore import: {path}: the chunk of {span} was refused: {error.code.name}: {error.message}",
          file=sys.stderr)
    for violation in error.field_violations:
        match = VIOLATION_FIELD.match(violation.field)
        if match and match.group(1) in FILE_COLUMN and int(match.group(2)) < len(lines):
            where = f"{unit} {lines[int(match.group(2))]}, column {FILE_COLUMN[match.group(1)]}"
        else:
            where = f"{span}, column {FILE_COLUMN.get(violation.field, violation.field)}"
        print(f"{path} {where}: {violation.description}", file=sys.stderr)


def counted(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="authcore import", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="a CSV file with a header line (account_id, credit_limit_minor, status, tier, "
                                     "overdue_minor, currency, time_zone, credit_score), or .parquet (needs pyarrow)")
    parser.add_argument("--target", default=DEFAULT_TARGET, help=f"host:port of the server (default {DEFAULT_TARGET})")
    parser.add_argument("--tls-dir", help="mutual TLS with admin's certificate from the directory of "
                                          "`authcore certs --out DIR`")
    parser.add_argument("--chunk-rows", type=int, default=MAX_IMPORT_ROWS,
                        help=f"accounts per chunk, 1 to {MAX_IMPORT_ROWS} (default {MAX_IMPORT_ROWS}); part of each "
                             "chunk's request_id, so run an import again with the same value")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    ns = parser.parse_args(argv)
    path = pathlib.Path(ns.file)
    if not 1 <= ns.chunk_rows <= MAX_IMPORT_ROWS:
        print(f"authcore import: --chunk-rows must be between 1 and {MAX_IMPORT_ROWS}", file=sys.stderr)
        return 2
    try:
        digest = digest_of(path)
    except OSError as exc:
        print(f"authcore import: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    parquet = path.suffix.lower() in (".parquet", ".pq")
    if parquet:
        try:
            import pyarrow.parquet  # noqa: F401
        except ImportError:
            print("authcore import: reading parquet needs pyarrow: pip install 'authcore[parquet]' (or import a CSV "
                  "file)", file=sys.stderr)
            return 2
    unit = "row" if parquet else "line"
    sent = Sent()
    chunks = guarded((parquet_chunks if parquet else csv_chunks)(path, digest, ns.chunk_rows, sent), sent)
    tls = Tls.from_dir(ns.tls_dir, "admin", server_name="localhost") if ns.tls_dir else None
    try:
        with Client(ns.target, tls=tls) as client:
            if ns.quiet:
                response = client.import_accounts(chunks)
            else:
                with ProgressBar("import", progress=lambda: sent.fraction):
                    response = client.import_accounts(chunks)
    except (AuthcoreError, OSError) as exc:
        print(f"authcore import: ImportAccounts on {ns.target} failed: {exc}", file=sys.stderr)
        return 1
    applied = [r for r in response.chunks if not r.HasField("error")]
    replayed = sum(r.replayed for r in applied)
    summary = (f"{counted(response.created + response.updated, 'account')} in {counted(len(applied), 'chunk')} "
               f"({response.created} created, {response.updated} updated"
               + (f"; {counted(replayed, 'chunk')} imported before" if replayed else "") + ")")
    # A refused chunk comes before any line the stream read ahead of it.
    if len(applied) < len(response.chunks):
        report_refused(response.chunks[-1], path, sent.lines[len(applied)] if len(applied) < len(sent.lines) else [],
                       unit)
        print(f"authcore import: stopped at the refused chunk after {summary}; fix the file and run it again",
              file=sys.stderr)
        return 1
    if sent.bad is not None:
        print(f"authcore import: {sent.bad}; stopped there after {summary}", file=sys.stderr)
        return 2
    print(f"authcore import: {path}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
