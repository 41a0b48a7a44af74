"""Domain errors, and their one mapping onto gRPC status codes with google.rpc details."""

from __future__ import annotations

import dataclasses

import grpc
from grpc_status import rpc_status
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

DOMAIN = "authcore.v1"
# A status travels in the call's trailing metadata: grpc-message, and grpc-status-details-bin with
# the Status again and its details, in base64. Clients refuse trailers over 8 KiB (gRPC's default),
# and the caller would get RESOURCE_EXHAUSTED instead of the refusal: a status stays well under it.
MAX_MESSAGE_BYTES = 400
MAX_DESCRIPTION_BYTES = 256
MAX_VIOLATIONS_BYTES = 2_500


def clip(text: str, max_bytes: int) -> str:
    """text cut to at most max_bytes of UTF-8, ending in an ellipsis when it was cut."""
    data = text.encode()
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes - 3].decode(errors="ignore") + "\u2026"


@dataclasses.dataclass(frozen=True, slots=True)
class FieldViolation:
    field: str
    description: str


class AuthcoreError(Exception):
    """Base of the errors a request can end in; each knows its gRPC status."""

    code = code_pb2.INTERNAL
    reason = "INTERNAL"

    def __init__(self, message: str, metadata: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.metadata = metadata or {}

    def details(self) -> list:
        return [error_details_pb2.ErrorInfo(reason=self.reason, domain=DOMAIN, metadata=self.metadata)]

    def to_status(self) -> status_pb2.Status:
        status = status_pb2.Status(code=self.code, message=clip(self.message, MAX_MESSAGE_BYTES))
        for detail in self.details():
            packed = any_pb2.Any()
            packed.Pack(detail)
            status.details.append(packed)
        return status


class InvalidArgument(AuthcoreError):
    code = code_pb2.INVALID_ARGUMENT
    reason = "INVALID_ARGUMENT"

    def __init__(self, violations: list[FieldViolation]):
        summary = "; ".join(f"{v.field}: {v.description}" if v.field else v.description for v in violations[:5])
        super().__init__(f"invalid request: {summary}")
        self.violations = violations

    def details(self) -> list:
        """A BadRequest listing the violations in order, as many as fit MAX_VIOLATIONS_BYTES, then
        one saying how many more there are."""
        bad = error_details_pb2.BadRequest()
        size = 0
        for i, v in enumerate(self.violations):
            listed = error_details_pb2.BadRequest.FieldViolation(
                field=clip(v.field, MAX_DESCRIPTION_BYTES), description=clip(v.description, MAX_DESCRIPTION_BYTES))
            size += listed.ByteSize() + 3
            if size > MAX_VIOLATIONS_BYTES:
                bad.field_violations.add(description=f"and {len(self.violations) - i} more violations")
                break
            bad.field_violations.append(listed)
        return [bad, *super().details()]


class MalformedRequest(InvalidArgument):
    """The request's bytes are not a valid protobuf encoding of its message. The violation's
    field is empty: it is the request as a whole."""

    reason = "MALFORMED_REQUEST"

    def __init__(self, message_name: str, cause: str):
        super().__init__([FieldViolation("", f"not a valid {message_name} in protobuf binary encoding ({cause})")])


class NotFound(AuthcoreError):
    code = code_pb2.NOT_FOUND

    def __init__(self, resource_type: str, name: str):
        super().__init__(f"{resource_type} {name!r} not found", {"resource_type": resource_type})
        self.reason = f"{resource_type.upper().replace(' ', '_')}_NOT_FOUND"  # POLICY_VERSION_NOT_FOUND
        self.resource_type = resource_type
        self.name = name

    def details(self) -> list:
        info = error_details_pb2.ResourceInfo(resource_type=self.resource_type, resource_name=self.name)
        return [info, *super().details()]


class FailedPrecondition(AuthcoreError):
    """The request is valid but the state forbids it (an expired hold, a refund above capture)."""

    code = code_pb2.FAILED_PRECONDITION

    def __init__(self, reason: str, message: str, metadata: dict[str, str] | None = None):
        super().__init__(message, metadata)
        self.reason = reason


class InstallmentRefused(FailedPrecondition):
    """Auto-installment cannot be turned on: every reason, with its message and fix."""

    def __init__(self, refusals: list):
        first = refusals[0]
        from authcore.v1 import installment_pb2

        name = installment_pb2.InstallmentIneligibility.Name(first.reason).removeprefix("INSTALLMENT_INELIGIBILITY_")
        super().__init__(name, f"auto-installment cannot be turned on: {first.message_en}. {first.hint_en}",
                         {"fix": first.hint_en})
        self.refusals = refusals

    def details(self) -> list:
        from authcore.v1 import installment_pb2

        violations = error_details_pb2.PreconditionFailure(violations=[
            error_details_pb2.PreconditionFailure.Violation(
                type=installment_pb2.InstallmentIneligibility.Name(r.reason), subject="auto_installment",
                description=f"{r.message_en}. {r.hint_en}") for r in self.refusals])
        first = self.refusals[0]
        return [*super().details(), violations,
                error_details_pb2.LocalizedMessage(locale="en", message=f"{first.message_en}. {first.hint_en}"),
                error_details_pb2.LocalizedMessage(locale="zh-CN", message=f"{first.message_zh}；{first.hint_zh}")]


class RequestIdReused(AuthcoreError):
    """The request_id was used before for a different request."""

    code = code_pb2.ALREADY_EXISTS
    reason = "REQUEST_ID_REUSED"


class RequestInFlight(AuthcoreError):
    """The request_id is being served by another call right now (inside a batch, which does not wait)."""

    code = code_pb2.ABORTED
    reason = "REQUEST_IN_FLIGHT"


class Unauthenticated(AuthcoreError):
    """No usable client certificate."""

    code = code_pb2.UNAUTHENTICATED
    reason = "UNAUTHENTICATED"


class PermissionDenied(AuthcoreError):
    """The caller's identity may not do this (authcore.api.identity)."""

    code = code_pb2.PERMISSION_DENIED

    def __init__(self, reason: str, message: str, metadata: dict[str, str] | None = None):
        super().__init__(message, metadata)
        self.reason = reason


class ResourceExhausted(AuthcoreError):
    code = code_pb2.RESOURCE_EXHAUSTED
    reason = "CAPACITY_EXHAUSTED"


class OutOfRange(AuthcoreError):
    """A position no longer (or not yet) kept: journal records dropped after a snapshot."""

    code = code_pb2.OUT_OF_RANGE

    def __init__(self, reason: str, message: str, metadata: dict[str, str] | None = None):
        super().__init__(message, metadata)
        self.reason = reason


class Unavailable(AuthcoreError):
    """The journal could not be written; nothing was changed."""

    code = code_pb2.UNAVAILABLE
    reason = "JOURNAL_UNAVAILABLE"


class NotTheOwner(Unavailable):
    """A cluster node that does not own the call's partition (any more) refused to write; nothing
    was changed. The call is retried on the owner (the partition map)."""

    reason = "NOT_THE_OWNER"


GRPC_CODES = {c.value[0]: c for c in grpc.StatusCode}


def grpc_code(error: AuthcoreError) -> grpc.StatusCode:
    return GRPC_CODES[error.code]


def abort_with(context: grpc.ServicerContext, error: AuthcoreError):
    """End the call with error's status and google.rpc details (raises, as context.abort does)."""
    context.abort_with_status(rpc_status.to_status(error.to_status()))
