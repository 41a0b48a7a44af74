"""The Python client of authcore: `Client` (blocking) and `AsyncClient` (asyncio).

    from authcore.client import Client, Tls
    from authcore.v1 import common_pb2

    with Client("127.0.0.1:50051") as client:            # tls=Tls.from_dir("certs", "wallet")
        answer = client.authorize(account_id="acct-1", channel=common_pb2.CHANNEL_WALLET,
                                  amount_minor=12_345, currency="CNY", ...)

Deadlines by default, a request_id made when none is given, UNAVAILABLE retried with the same
request_id where that is safe, and typed errors carrying the reason (authcore.client.errors)."""

from importlib import metadata as _metadata

from authcore.client._core import DEFAULT_TIMEOUT_S, NO_RETRIES, Retries, Tls
from authcore.client.aio import AsyncClient
from authcore.client.errors import (
    Aborted, AlreadyExists, AuthcoreError, Cancelled, DeadlineExceeded, FailedPrecondition, FieldViolation, Internal,
    InvalidArgument, NotFound, PermissionDenied, ResourceExhausted, Unauthenticated, Unavailable,
)
from authcore.client.sync import Client

try:
    # The contract's version (contract/VERSION), which this distribution carries.
    __version__ = _metadata.version("authcore-client")
except _metadata.PackageNotFoundError:  # imported from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "Aborted", "AlreadyExists", "AsyncClient", "AuthcoreError", "Cancelled", "Client", "DEFAULT_TIMEOUT_S",
    "DeadlineExceeded", "FailedPrecondition", "FieldViolation", "Internal", "InvalidArgument", "NO_RETRIES", "NotFound",
    "PermissionDenied", "ResourceExhausted", "Retries", "Tls", "Unauthenticated", "Unavailable",
]
