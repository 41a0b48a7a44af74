"""Reading google.rpc details out of a failed call."""

from __future__ import annotations

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
