"""The request_id index: for every mutating request still within the retention window, its
method, a fingerprint of its parameters and the response it was given."""

from __future__ import annotations

import collections
import dataclasses
import hashlib

from authcore.errors import RequestIdReused

DEFAULT_RETENTION_S = 48 * 3600
DEFAULT_MAX_ENTRIES = 5_000_000


@dataclasses.dataclass(frozen=True, slots=True)
class Entry:
    at_s: int
    method: str
    fingerprint: bytes
    response: bytes


def fingerprint(method: str, request) -> bytes:
    """A digest of the method and the request's deterministic encoding."""
    return hashlib.blake2b(method.encode() + b"\0" + request.SerializeToString(deterministic=True),
                           digest_size=16).digest()


class IdempotencyIndex:
    """Bounded in time (retention_s) and in size (max_entries, oldest evicted first)."""

    def __init__(self, retention_s: int = DEFAULT_RETENTION_S, max_entries: int = DEFAULT_MAX_ENTRIES):
        self.retention_s = retention_s
        self.max_entries = max_entries
        self._entries: collections.OrderedDict[str, Entry] = collections.OrderedDict()

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
        return entry.response

    def put(self, request_id: str, entry: Entry) -> None:
        self._entries[request_id] = entry
        self._entries.move_to_end(request_id)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def prune(self, now_s: int) -> int:
        """Forget entries older than the retention window; returns how many."""
        horizon = now_s - self.retention_s
        dropped = 0
        while self._entries:
            request_id, entry = next(iter(self._entries.items()))
            if entry.at_s >= horizon:
                break
            del self._entries[request_id]
            dropped += 1
        return dropped
