"""The errors a call to authcore ends in, decoded from the call's google.rpc.Status.

Every failed call raises an AuthcoreError subclass chosen by its gRPC status code; each carries
the reason (ErrorInfo.reason, e.g. "REQUEST_ID_REUSED", "OVERLOADED", "ACCOUNT_NOT_FOUND"), the
message, and whatever details the server sent: BadRequest field violations, RetryInfo's delay,
QuotaFailure, ResourceInfo, PreconditionFailure and localized messages. A declined payment is
not an error: it is an answer (AuthorizeResponse.decision)."""

from __future__ import annotations

import dataclasses

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

# The google.rpc details authcore sends, read into an error's attributes.
DETAIL_TYPES = (error_details_pb2.ErrorInfo, error_details_pb2.BadRequest, error_details_pb2.RetryInfo,
                error_details_pb2.QuotaFailure, error_details_pb2.PreconditionFailure, error_details_pb2.ResourceInfo,
                error_details_pb2.LocalizedMessage)


@dataclasses.dataclass(frozen=True, slots=True)
class FieldViolation:
    """One field of the request and what is wrong with it ("" is the request as a whole)."""

    field: str
    description: str


class AuthcoreError(Exception):
    """A call that did not succeed. code: the grpc.StatusCode; reason: the machine-readable
    reason (ErrorInfo.reason, or the code's name when the server gave none); request_id: the
    request's idempotency key, if it has one (retry with the same id to act at most once)."""

    def __init__(self, code: grpc.StatusCode, message: str, status: status_pb2.Status | None = None,
                 request_id: str = "", hint: str = ""):
        super().__init__(f"{code.name}: {message}" + (f" ({hint})" if hint else ""))
        self.code = code
        self.message = message
        self.request_id = request_id
        # What to check, when the client can tell more than the status says ("" otherwise).
        self.hint = hint
        self.reason = code.name
        self.domain = ""
        self.metadata: dict[str, str] = {}
        self.field_violations: list[FieldViolation] = []
        self.retry_after_s: float | None = None
        self.quota_violations: list[tuple[str, str]] = []
        self.precondition_violations: list[tuple[str, str, str]] = []
        self.resource: tuple[str, str] | None = None
        self.localized: dict[str, str] = {}
        self.status = status
        for detail in status.details if status is not None else ():
            self._read(detail)

    def _read(self, detail) -> None:
        message = next((cls() for cls in DETAIL_TYPES if detail.Is(cls.DESCRIPTOR)), None)
        if message is None:
            return  # a detail this client does not know: the status keeps it
        detail.Unpack(message)
        if isinstance(message, error_details_pb2.ErrorInfo):
            self.reason, self.domain, self.metadata = message.reason, message.domain, dict(message.metadata)
        elif isinstance(message, error_details_pb2.BadRequest):
            self.field_violations = [FieldViolation(v.field, v.description) for v in message.field_violations]
        elif isinstance(message, error_details_pb2.RetryInfo):
            self.retry_after_s = message.retry_delay.ToNanoseconds() / 1e9
        elif isinstance(message, error_details_pb2.QuotaFailure):
            self.quota_violations = [(v.subject, v.description) for v in message.violations]
        elif isinstance(message, error_details_pb2.PreconditionFailure):
            self.precondition_violations = [(v.type, v.subject, v.description) for v in message.violations]
        elif isinstance(message, error_details_pb2.ResourceInfo):
            self.resource = (message.resource_type, message.resource_name)
        else:
            self.localized[message.locale] = message.message


class InvalidArgument(AuthcoreError):
    """The request is wrong (field_violations says where); nothing changed. Fix it, do not retry."""


class NotFound(AuthcoreError):
    """The account, authorization or version named does not exist (resource names it)."""


class AlreadyExists(AuthcoreError):
    """The request_id was used before for a different request (reason REQUEST_ID_REUSED)."""


class FailedPrecondition(AuthcoreError):
    """Valid, but the state forbids it: an expired hold, a refund above the capture, ..."""


class Aborted(AuthcoreError):
    """Another call is serving the same request_id right now: retry with the same id."""


class PermissionDenied(AuthcoreError):
    """The caller's identity may not do this (another channel's payment, AdminService)."""


class Unauthenticated(AuthcoreError):
    """No usable client certificate."""


class ResourceExhausted(AuthcoreError):
    """The server is at a limit (OVERLOADED, RATE_LIMITED, ...); retry_after_s says when to come
    back, if it knows. The request was not acted on."""


class DeadlineExceeded(AuthcoreError):
    """The deadline passed. An Authorize may or may not have been decided: retry with the same
    request_id to learn its answer."""


class Unavailable(AuthcoreError):
    """The server could not be reached or could not write its journal (after the client's own
    retries). Retry with the same request_id."""


class Cancelled(AuthcoreError):
    """The call was cancelled before it was answered."""


class Internal(AuthcoreError):
    """A server fault (INTERNAL, UNKNOWN, DATA_LOSS, UNIMPLEMENTED)."""


_BY_CODE = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.OUT_OF_RANGE: InvalidArgument,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExists,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.ABORTED: Aborted,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceeded,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.CANCELLED: Cancelled,
}


# A plaintext channel to a server that serves TLS fails its handshake, and grpc says no more than
# "Socket closed" or "Connection reset by peer": the hint says what to try.
TLS_HINT = ("the server may require TLS: connect with tls=Tls.from_dir(CERTS_DIR, IDENTITY) "
            "(the examples: --tls-dir CERTS_DIR), or check the target")
REFUSED_HINT = "nothing listens there: check that the server runs and the target's host and port"


def connection_hint(code: grpc.StatusCode, message: str, status: status_pb2.Status | None, plaintext: bool) -> str:
    """What to check after a call that failed before reaching authcore: UNAVAILABLE without the
    details authcore sends with its own UNAVAILABLE (JOURNAL_UNAVAILABLE)."""
    if code != grpc.StatusCode.UNAVAILABLE or status is not None:
        return ""
    if "Connection refused" in message:
        return REFUSED_HINT
    return TLS_HINT if plaintext else ""


def from_rpc_error(error: grpc.RpcError, request_id: str = "", plaintext: bool = False) -> AuthcoreError:
    """The typed error of a failed call (sync grpc.RpcError or grpc.aio.AioRpcError). plaintext:
    the call went over a plaintext channel (an UNAVAILABLE then hints at TLS)."""
    code = error.code()
    message = error.details() or ""
    try:
        status = rpc_status.from_call(error)
    except ValueError:  # a status detail that disagrees with the call's: the call's code and message stand
        status = None
    return _BY_CODE.get(code, Internal)(code, message, status, request_id,
                                        connection_hint(code, message, status, plaintext))


def from_status(status: status_pb2.Status, request_id: str = "") -> AuthcoreError:
    """The typed error of a google.rpc.Status carried in an answer (an ImportAccounts chunk's
    `error`), as a failed call with that status would raise it."""
    code = next((c for c in grpc.StatusCode if c.value[0] == status.code), grpc.StatusCode.UNKNOWN)
    return _BY_CODE.get(code, Internal)(code, status.message, status, request_id)
