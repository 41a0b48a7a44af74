"""What the server reports as it runs, each in one function: a log record (masked by the
formatter) and, where there is one, its metric.

Levels: INFO for what an operator wants in the record (start, stop, an activated policy, model
or scorecard, a snapshot, a call refused for the caller's reasons), WARNING for a call refused
because the server cannot serve it (UNAVAILABLE, RESOURCE_EXHAUSTED, ...), ERROR for a bug.
Refused calls log to authcore.refused, so that a client sending bad requests by the thousand
can be quieted (set that logger's level) without losing the rest.
"""

from __future__ import annotations

import logging

from google.rpc import code_pb2

from authcore.observability.metrics import SNAPSHOT_SECONDS

log = logging.getLogger("authcore.server")
refused_log = logging.getLogger("authcore.refused")

# Refusals that say the server, not the caller, is in trouble.
SERVER_SIDE = frozenset({code_pb2.UNAVAILABLE, code_pb2.RESOURCE_EXHAUSTED, code_pb2.INTERNAL,
                         code_pb2.DEADLINE_EXCEEDED, code_pb2.DATA_LOSS, code_pb2.UNKNOWN})
# Request fields worth a log line, identifiers among them masked by the formatter.
REQUEST_FIELDS = ("request_id", "account_id", "authorization_id", "applicant_id")


def request_fields(request) -> dict:
    """The identifying fields of a request message, as log fields (none of a missing request)."""
    fields = {}
    if request is None:
        return fields
    for key in REQUEST_FIELDS:
        value = getattr(request, key, None)  # a message without the field has no attribute
        if value:
            fields[key] = value
    return fields


def refused(method: str, error, request=None) -> None:
    """A call ended with error (an AuthcoreError): its status, reason and message, with the
    request's identifiers."""
    level = logging.WARNING if error.code in SERVER_SIDE else logging.INFO
    if not refused_log.isEnabledFor(level):
        return
    refused_log.log(level, "call refused: %s", error.message,
                    extra={"method": method, "code": code_pb2.Code.Name(error.code), "reason": error.reason,
                           **request_fields(request)})


def activated(kind: str, version: str, request_id: str, *, replayed: bool = False) -> None:
    """A policy, risk model or scorecard became active (not logged again for a replay)."""
    if not replayed:
        log.info("%s %s activated", kind, version, extra={"kind": kind, "version": version,
                                                          "request_id": request_id})


def snapshot_written(seq: int, seconds: float) -> None:
    """A snapshot up to record seq was written in seconds (every call waited meanwhile)."""
    SNAPSHOT_SECONDS.observe(seconds)
    log.info("snapshot written", extra={"seq": seq, "seconds": round(seconds, 4)})


def started(what: str, **fields) -> None:
    """A server started: what, and its addresses and state as fields."""
    log.info("%s started", what, extra=fields)


def stopped(what: str, **fields) -> None:
    log.info("%s stopped", what, extra=fields)


def role_changed(partition: int, role: str) -> None:
    """A cluster node became the owner of a partition, or stopped being it (a standby now)."""
    log.info("partition %d: %s", partition, role, extra={"partition": partition, "role": role})
