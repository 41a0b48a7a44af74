"""The request_id index: for every mutating request still within the retention window, its
method, a fingerprint of its parameters and the response it was given.

Two bounds: entries (oldest forgotten first) and the bytes of the responses kept. Past the byte
budget the oldest responses are dropped but their request_ids stay remembered, so a late retry is
refused (REQUEST_ALREADY_ANSWERED) instead of acting a second time."""

from __future__ import annotations

import collections
import dataclasses
import hashlib

from authcore.errors import FailedPrecondition, RequestIdReused

DEFAULT_RETENTION_S = 48 * 3600
DEFAULT_MAX_ENTRIES = 5_000_000
DEFAULT_MAX_RESPONSE_BYTES = 1 << 30


@dataclasses.dataclass(frozen=True, slots=True)
class Entry:
    at_s: int
    method: str
    fingerprint: bytes
    response: bytes | None  # None: answered, but the answer is no longer kept


def fingerprint(method: str, request) -> bytes:
    """A digest of the method and the request's deterministic encoding."""
    return hashlib.blake2b(method.encode() + b"\0" + request.SerializeToString(deterministic=True),
                           digest_size=16).digest()


class IdempotencyIndex:
    """Bounded in time (retention_s) and in size (max_entries, oldest evicted first)."""

    def __init__(self, retention_s: int = DEFAULT_RETENTION_S, max_entries: int = DEFAULT_MAX_ENTRIES,
                 max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES):
        self.retention_s = retention_s
        self.max_entries = max_entries
        self.max_response_bytes = max_response_bytes
        self.response_bytes = 0
        self._entries: collections.OrderedDict[str, Entry] = collections.OrderedDict()
        # The request_ids whose entries still hold a response, oldest first (may name entries
        # since replaced or forgotten; those are skipped).
        self._with_response: collections.deque[str] = collections.deque()

    def __len__(self) -> int:
        return len(self._entries)

    def items(self):
        """(request_id, entry), oldest first."""
        return list(self._entries.items())

    def lookup(self, request_id: str, method: str, digest: bytes) -> bytes | None:
        """The stored response of a replay, None for a new request_id; raises when the id was
        used for a different request."""
        entry = self._entries.get(request_id)
        if entry is None:
            return None
        if entry.method != method or entry.fingerprint != digest:
            raise RequestIdReused(
                f"request_id {request_id!r} was already used for a different {entry.method} request",
                {"request_id": request_id, "original_method": entry.method},
            )
        if entry.response is None:
            raise FailedPrecondition(
                "REQUEST_ALREADY_ANSWERED",
                f"request_id {request_id!r} was answered at {entry.at_s} (unix seconds) and its answer is no longer "
                "kept; nothing was done again",
                {"request_id": request_id, "answered_at_s": str(entry.at_s)})
        return entry.response

    def put(self, request_id: str, entry: Entry) -> None:
        self._drop(self._entries.pop(request_id, None))
        self._entries[request_id] = entry
        if entry.response is not None:
            self.response_bytes += len(entry.response)
            self._with_response.append(request_id)
        while len(self._entries) > self.max_entries:
            self._drop(self._entries.popitem(last=False)[1])
        self._trim()
        while self.response_bytes > self.max_response_bytes and self._with_response:
            oldest = self._with_response.popleft()
            kept = self._entries.get(oldest)
            if kept is not None and kept.response is not None:
                self.response_bytes -= len(kept.response)
                self._entries[oldest] = dataclasses.replace(kept, response=None)

    def _trim(self) -> None:
        """Forget the oldest names of the response queue that no longer hold a response."""
        queue, entries = self._with_response, self._entries
        while queue and (entries.get(queue[0]) is None or entries[queue[0]].response is None):
            queue.popleft()

    def _drop(self, entry: Entry | None) -> None:
        if entry is not None and entry.response is not None:
            self.response_bytes -= len(entry.response)

    def prune(self, now_s: int) -> int:
        """Forget entries older than the retention window; returns how many."""
        horizon = now_s - self.retention_s
        dropped = 0
        while self._entries:
            request_id, entry = next(iter(self._entries.items()))
            if entry.at_s >= horizon:
                break
            del self._entries[request_id]
            self._drop(entry)
            dropped += 1
        self._trim()
        return dropped
