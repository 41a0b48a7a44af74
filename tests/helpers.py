"""Reading google.rpc details out of a failed call."""

from __future__ import annotations

import contextlib
import os
import pathlib

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status


def call_error(fn, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        fn(*args, **kwargs)
    return info.value


def details(error: grpc.RpcError) -> dict[str, object]:
    """The status details by type name: BadRequest, ErrorInfo, ResourceInfo."""
    status = rpc_status.from_call(error)
    found: dict[str, object] = {}
    for any_detail in status.details if status else []:
        for cls in (error_details_pb2.BadRequest, error_details_pb2.ErrorInfo, error_details_pb2.ResourceInfo):
            if any_detail.Is(cls.DESCRIPTOR):
                message = cls()
                any_detail.Unpack(message)
                found[cls.__name__] = message
    return found


def error_reason(error: grpc.RpcError) -> str:
    return details(error)["ErrorInfo"].reason


def violated_fields(error: grpc.RpcError) -> list[str]:
    return [v.field for v in details(error)["BadRequest"].field_violations]


@contextlib.contextmanager
def journal_refusing_writes(journal):
    """The journal's segment file opened read-only while inside: every append fails with an
    OSError, as a disk that refuses writes makes it fail."""
    writer = journal.writer
    if writer._fd is None:
        writer.begin(journal.last_seq + 1)
    writable = writer._fd
    files = sorted(journal.segments_dir.glob("*.seg"))
    writer._fd = os.open(files[-1], os.O_RDONLY)
    try:
        yield
    finally:
        os.close(writer._fd)
        writer._fd = writable


def rewrite_records(data_dir, change) -> None:
    """The journal's records of data_dir as a list of JournalRecord messages, handed to change(records)
    to edit in place (change a field, delete one), then written back as well-formed segment files (each
    frame with its right CRC): damage only the digest chain can find."""
    from authcore.journal import segments

    directory = pathlib.Path(data_dir) / "journal"
    records = list(segments.read_records(directory))
    change(records)
    for _, path in segments.segment_files(directory):
        path.unlink()
    if records:
        path = directory / segments.segment_name(records[0].seq)
        path.write_bytes(segments.MAGIC + b"".join(segments.frame(r.SerializeToString()) for r in records))


def rows_v1(accounts, behaviour, hashes=()) -> tuple:
    """Account and behaviour rows of the current layouts as builds before the narrowed rows held
    them (authcore/state/rows.py ACCOUNT_DTYPE_V1, BEHAVIOUR_DTYPE_V1): widened field by field,
    each device and network fingerprint back to the 64-bit hash of hashes it was taken from, and
    "no day yet" as the old INT32_MIN."""
    import numpy as np

    from authcore._fast.state import ACCOUNT_DTYPE
    from authcore.state import rows

    old_accounts = np.zeros(accounts.shape, rows.ACCOUNT_DTYPE_V1)
    for name in ACCOUNT_DTYPE.names:
        old_accounts[name] = accounts[name]
    for name, none in (("day_index", rows.NO_DAY), ("month_index", rows.NO_MONTH)):
        old_accounts[name] = np.where(accounts[name] == none, -2**31, accounts[name].astype(np.int64))
    back = {int(f): h for f, h in zip(rows.fingerprint32(np.array(hashes, np.uint64)).tolist(), hashes)}
    back[0] = 0
    old_behaviour = np.zeros(behaviour.shape, rows.BEHAVIOUR_DTYPE_V1)
    for name in behaviour.dtype.names:
        if name in ("devices", "ipnets", "last_device", "last_ipnet"):
            old_behaviour[name] = np.vectorize(lambda f: back[int(f)], otypes=[np.uint64])(behaviour[name])
        else:
            old_behaviour[name] = behaviour[name]
    return old_accounts, old_behaviour
