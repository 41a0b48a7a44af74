"""Admission control: what a public port takes on when more arrives than it can answer in time.

Four checks, cheapest first, each answering at once instead of letting a call wait:

1. Concurrency. At most `max_in_flight` calls are admitted at a time (running, or queued for a
   server thread); past that a call is refused as it arrives. The queue is therefore bounded,
   and with it both the latency of what is admitted and the memory the port holds.
2. Queueing. A call that waited more than `max_queue_ms` for a thread is refused when it gets
   one: it would answer late, and the callers behind it later still.
3. Deadline. A call whose remaining deadline is shorter than `min_deadline_ms` is refused before
   any work: it cannot be answered in time, and its caller has given up by the time it would be.
4. Rate. Each identity (authcore.api.identity; "plaintext" without TLS) has a token bucket of
   decisions per second: a batch or bulk chunk takes one token per payment.

Refusals 1, 2 and 4 are RESOURCE_EXHAUSTED with google.rpc.RetryInfo (when a retry could pass),
QuotaFailure and ErrorInfo; 3 is DEADLINE_EXCEEDED. Nothing is changed and no request_id is
claimed, so a retry with the same request_id is safe. Every refusal is counted
(authcore_rate_limited_total{identity,reason}).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from typing import Any

from google.protobuf import duration_pb2
from google.rpc import code_pb2, error_details_pb2

from authcore.api import identity
from authcore.errors import AuthcoreError

PLAINTEXT = "plaintext"
# A refused call is told to come back after at least this long, and at most this long.
MIN_RETRY_S = 0.005
MAX_RETRY_S = 5.0
MAX_BUCKETS = 64


@dataclasses.dataclass(frozen=True)
class Limits:
    max_in_flight: int = 256
    max_queue_ms: float = 2000.0
    min_deadline_ms: float = 1.0
    # Decisions per second and burst of every identity, unless rates names it.
    rate_per_s: float = 50_000.0
    burst: float = 50_000.0
    rates: dict = dataclasses.field(default_factory=dict)

    def validate(self) -> None:
        if not 1 <= self.max_in_flight <= 1_000_000:
            raise ValueError("limits max_in_flight must be between 1 and 1,000,000")
        if not 0 < self.max_queue_ms <= 60_000:
            raise ValueError("limits max_queue_ms must be above 0 and at most 60,000")
        if not 0 <= self.min_deadline_ms <= 10_000:
            raise ValueError("limits min_deadline_ms must be between 0 and 10,000")
        for name, rate in {"": self.rate_per_s, **self.rates}.items():
            if name and name not in (*identity.IDENTITIES, PLAINTEXT):
                raise ValueError(f"limits rates: unknown identity {name!r}")
            if not 0 < rate <= 10_000_000:
                raise ValueError("limits rates must be above 0 and at most 10,000,000 decisions/s")
        if not 1 <= self.burst <= 10_000_000:
            raise ValueError("limits burst must be between 1 and 10,000,000")


class Refused(AuthcoreError):
    """RESOURCE_EXHAUSTED: come back later (RetryInfo), for this quota (QuotaFailure)."""

    code = code_pb2.RESOURCE_EXHAUSTED

    def __init__(self, reason: str, message: str, caller: str, retry_after_s: float | None):
        super().__init__(message, {"identity": caller})
        self.reason = reason
        self.caller = caller
        self.retry_after_s = retry_after_s

    def details(self) -> list:
        quota = error_details_pb2.QuotaFailure(violations=[error_details_pb2.QuotaFailure.Violation(
            subject=f"identity:{self.caller}", description=self.message)])
        details = [*super().details(), quota]
        if self.retry_after_s is not None:
            delay = duration_pb2.Duration()
            delay.FromNanoseconds(int(min(max(self.retry_after_s, MIN_RETRY_S), MAX_RETRY_S) * 1e9))
            details.append(error_details_pb2.RetryInfo(retry_delay=delay))
        return details


class DeadlineTooShort(AuthcoreError):
    code = code_pb2.DEADLINE_EXCEEDED
    reason = "DEADLINE_TOO_SHORT"


class TokenBucket:
    """rate tokens a second, at most burst saved up. Not thread-safe: the Admission's lock."""

    __slots__ = ("rate", "burst", "tokens", "at")

    def __init__(self, rate: float, burst: float, now: float):
        self.rate, self.burst, self.tokens, self.at = rate, burst, burst, now

    def take(self, n: float, now: float) -> float:
        """0.0 if n tokens were taken, else the seconds until they could be. A request larger
        than the burst passes when the bucket is full and leaves it in debt, so it is not
        refused forever and the rate still holds."""
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        needed = min(n, self.burst)
        if self.tokens >= needed:
            self.tokens -= n
            return 0.0
        return (needed - self.tokens) / self.rate


class Admission:
    """The counters and buckets of one port; thread-safe."""

    def __init__(self, limits: Limits, clock=time.monotonic):
        limits.validate()
        self.limits = limits
        self.clock = clock
        self._lock = threading.Lock()
        self.in_flight = 0
        self.peak_in_flight = 0
        self._buckets: dict[str, TokenBucket] = {}

    def enter(self) -> bool:
        """Admit one more call (False: the port is full)."""
        with self._lock:
            if self.in_flight >= self.limits.max_in_flight:
                return False
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            return True

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def check(self, arrived_s: float, caller: str, context) -> None:
        """Refuse an admitted call (raise) that waited too long for a thread, or has too little of
        its deadline left."""
        limits = self.limits
        waited_s = time.monotonic() - arrived_s
        if waited_s * 1000 > limits.max_queue_ms:
            raise Refused("OVERLOADED", f"the call waited {waited_s * 1000:.0f} ms for a server thread (limit "
                          f"{limits.max_queue_ms:g} ms)", caller, waited_s)
        remaining_s = context.time_remaining()
        if remaining_s is not None and remaining_s * 1000 < limits.min_deadline_ms:
            raise DeadlineTooShort(f"{max(remaining_s, 0) * 1000:.2f} ms left of the deadline; the server needs at "
                                   f"least {limits.min_deadline_ms:g} ms", {"identity": caller})

    def charge(self, caller: str, n: int) -> None:
        """Take n decisions from caller's bucket, or refuse (raise) with the wait."""
        wait_s = self.take(caller, n)
        if wait_s:
            raise Refused("RATE_LIMITED", f"{caller} is above its rate of "
                          f"{self.limits.rates.get(caller, self.limits.rate_per_s):g} decisions/s", caller, wait_s)

    def take(self, caller: str, n: int) -> float:
        """0.0 if caller may make n decisions now, else the seconds to wait."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(caller)
            if bucket is None:
                if len(self._buckets) >= MAX_BUCKETS:  # identities are a closed set; bound it anyway
                    self._buckets.clear()
                rate = self.limits.rates.get(caller, self.limits.rate_per_s)
                bucket = self._buckets[caller] = TokenBucket(rate, max(self.limits.burst, 1.0), now)
            return bucket.take(n, now)


def weight(request) -> int:
    """The decisions a request asks for: one, or one per payment of a batch or bulk chunk."""
    weigh = _WEIGHERS.get(type(request))
    if weigh is None:
        weigh = _weigher(request)
        if len(_WEIGHERS) < MAX_REQUEST_TYPES:
            _WEIGHERS[type(request)] = weigh
    return weigh(request)


def _weigher(request) -> Callable[[Any], int]:
    """weight's rule for messages of request's type. Looking for a field a message does not have
    raises inside hasattr, which costs microseconds: so it is looked for once per type."""
    if hasattr(request, "credit_limits_minor"):
        # An ImportAccounts chunk decides no payment: one token, like any other admin call.
        return lambda message: 1
    if hasattr(request, "requests"):
        return lambda message: max(1, len(message.requests))
    if hasattr(request, "account_ids"):
        return lambda message: max(1, len(message.account_ids))
    if hasattr(request, "chunk"):
        return lambda message: max(1, len(message.chunk.account_ids))
    return lambda message: 1


# The request types weight has a rule for; a closed set (the methods' messages), bounded anyway.
MAX_REQUEST_TYPES = 256
_WEIGHERS: dict[type, Callable[[Any], int]] = {}
