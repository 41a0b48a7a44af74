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
