"""The request_id index: for every mutating request still within the retention window, its
method, a fingerprint of its parameters and where the answer it was given is kept.

The entries live in a compiled ring (authcore._fast.requests, 32 bytes each, no Python object
per request): 80 bits of the request_id's BLAKE2b-128 hash, the first 6 bytes of the
fingerprint, when, the method's code, and where the answer is, the journal record's seq and its
frame's offset in its segment file. A replay reads the answer back from that frame (authcore.journal.store
Journal.read_record: CRC checked, the record's request_id compared with the request's, so that
two request_ids of the same hash never get each other's answer).

Answers without a journal position (those of a snapshot written before the ring, and those put
by a caller without a journal) sit in a small side table, request_id -> response.

Two bounds: entries (oldest forgotten first) and the bytes kept only for answers
(max_response_bytes): the side table's, and the segment files kept past a snapshot because they
hold answers of remembered request_ids (Journal.write_snapshot). Past the budget the oldest
answers are dropped but their request_ids stay remembered, so a late retry is refused
(REQUEST_ALREADY_ANSWERED) instead of acting a second time."""

from __future__ import annotations

import collections
import dataclasses
import hashlib
from typing import Callable

from authcore._fast import requests as ring
from authcore.errors import FailedPrecondition, RequestIdReused

DEFAULT_RETENTION_S = 48 * 3600
DEFAULT_MAX_ENTRIES = 5_000_000
DEFAULT_MAX_RESPONSE_BYTES = 1 << 30
# Method names are codes 0..254 in the ring.
MAX_METHODS = 255


@dataclasses.dataclass(frozen=True, slots=True)
class Entry:
    """A remembered request with its answer in hand (the side table's form)."""
    at_s: int
    method: str
    fingerprint: bytes
    response: bytes | None  # None: answered, but the answer is no longer kept


def fingerprint(method: str, request) -> bytes:
    """A digest of the method and the request's deterministic encoding."""
    return hashlib.blake2b(method.encode() + b"\0" + request.SerializeToString(deterministic=True),
                           digest_size=16).digest()


def id_hash(request_id: str) -> bytes:
    """The 128-bit hash of a request_id (BLAKE2b-128 of its UTF-8 bytes); the ring keeps its first 80 bits."""
    return hashlib.blake2b(request_id.encode(), digest_size=16).digest()


# What an entry's stored answer turned out to be, for a given request_id.
_OURS, _GONE, _OTHER = "ours", "gone", "other"


class IdempotencyIndex:
    """Bounded in time (retention_s), in entries (max_entries, oldest evicted first) and in the
    bytes kept only for answers (max_response_bytes). Callers hold the engine's idempotency
    lock. hash_bits below 128 shortens the ring's hashes (tests: collisions on purpose)."""

    def __init__(self, retention_s: int = DEFAULT_RETENTION_S, max_entries: int = DEFAULT_MAX_ENTRIES,
                 max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES, hash_bits: int = 128):
        self.retention_s = retention_s
        self.max_entries = max_entries
        self.max_response_bytes = max_response_bytes
        self.hash_bits = hash_bits
        self._ring = ring.RequestIndex(max_entries, hash_bits)
        self._methods: list[str] = []
        self._codes: dict[str, int] = {}
        # The side table: request_id -> (at_s, response), oldest first; response_bytes is its size.
        self._side: collections.OrderedDict[str, tuple[int, bytes]] = collections.OrderedDict()
        self.response_bytes = 0
        # reader(seq, offset) -> the JournalRecord of the frame there, or None when it is gone
        # (authcore.journal.store.Journal.read_record); set by the engine.
        self.reader: Callable[[int, int], object] | None = None

    def __len__(self) -> int:
        return len(self._ring)

    def __contains__(self, request_id: str) -> bool:
        return bool(self._ring.candidates(id_hash(request_id)))

    @property
    def nbytes(self) -> int:
        """Bytes of the ring and its table (the side table's answers are response_bytes)."""
        return self._ring.nbytes

    # -- lookups --------------------------------------------------------------------------------

    def lookup(self, request_id: str, method: str, digest: bytes) -> bytes | None:
        """The stored response of a replay, None for a new request_id; raises when the id was
        used for a different request (RequestIdReused) or its answer is no longer kept
        (REQUEST_ALREADY_ANSWERED)."""
        key = id_hash(request_id)
        found = self._ring.match(key, digest, self._codes.get(method, -1))
        if found == -2:
            return None
        if found >= 0:
            status, answer = self._answer(found, request_id)
            if status == _OURS:
                return answer
            if status == _GONE:
                at_s = self._ring.entry(found)[0]
                raise FailedPrecondition(
                    "REQUEST_ALREADY_ANSWERED",
                    f"request_id {request_id!r} was answered at {at_s} (unix seconds) and its answer is no longer "
                    "kept; nothing was done again",
                    {"request_id": request_id, "answered_at_s": str(at_s)})
        # Entries of the same hash for another method or fingerprint: this request_id used for a
        # different request, or another request_id of the same hash (its journal record says).
        for index in self._ring.candidates(key):
            if index == found:
                continue
            if self._answer(index, request_id)[0] != _OTHER:
                original = self._methods[self._ring.entry(index)[1]]
                raise RequestIdReused(
                    f"request_id {request_id!r} was already used for a different {original} request",
                    {"request_id": request_id, "original_method": original})
        return None

    def _answer(self, index: int, request_id: str) -> tuple[str, bytes | None]:
        """(_OURS, response) when the entry at index holds request_id's answer; (_OTHER, None)
        when its journal record is another request_id's; (_GONE, None) when its answer is no
        longer kept."""
        _, _, kind, seq, offset = self._ring.entry(index)
        if kind == ring.ANSWER_JOURNAL:
            record = self.reader(seq, offset) if self.reader is not None else None
            if record is None:
                return _GONE, None
            if record.request_id != request_id:
                return _OTHER, None
            return _OURS, record.response
        if kind == ring.ANSWER_SIDE:
            kept = self._side.get(request_id)
            return (_GONE, None) if kept is None else (_OURS, kept[1])
        return _GONE, None

    # -- changes --------------------------------------------------------------------------------

    def put_position(self, request_id: str, at_s: int, method: str, digest: bytes, seq: int, offset: int) -> None:
        """Remember a request whose answer is in the journal record seq, framed at offset of its
        segment file."""
        self._drop_side(request_id)
        self._ring.put(id_hash(request_id), digest, self._code(method), at_s, ring.ANSWER_JOURNAL, seq, offset)

    def put(self, request_id: str, entry: Entry) -> None:
        """Remember a request with its answer in hand (no journal position): the answer goes to
        the side table, within the byte budget (the oldest answers dropped first)."""
        self._drop_side(request_id)
        kind = ring.ANSWER_GONE if entry.response is None else ring.ANSWER_SIDE
        self._ring.put(id_hash(request_id), entry.fingerprint, self._code(entry.method), entry.at_s, kind)
        if entry.response is not None:
            self._side[request_id] = (entry.at_s, entry.response)
            self.response_bytes += len(entry.response)
            while self.response_bytes > self.max_response_bytes and self._side:
                self.response_bytes -= len(self._side.popitem(last=False)[1][1])

    def _drop_side(self, request_id: str) -> None:
        kept = self._side.pop(request_id, None)
        if kept is not None:
            self.response_bytes -= len(kept[1])

    def _code(self, method: str) -> int:
        code = self._codes.get(method)
        if code is None:
            if len(self._methods) >= MAX_METHODS:
                raise RuntimeError(f"the request index knows {MAX_METHODS} methods already; {method!r} is one too many")
            code = self._codes[method] = len(self._methods)
            self._methods.append(method)
        return code

    def prune(self, now_s: int) -> int:
        """Forget entries older than the retention window; returns how many."""
        horizon = now_s - self.retention_s
        side = self._side
        while side:
            request_id, (at_s, response) = next(iter(side.items()))
            if at_s >= horizon:
                break
            del side[request_id]
            self.response_bytes -= len(response)
        return self._ring.prune(horizon)

    # -- the journal's files ----------------------------------------------------------------------

    def oldest_answer_seq(self) -> int:
        """The least seq of an answer kept in the journal (0: none): the files from the one
        holding it on are kept (Journal.write_snapshot)."""
        return self._ring.oldest_answer_seq()

    def journal_budget_bytes(self) -> int:
        """What the budget leaves for segment files kept only for their answers."""
        return max(0, self.max_response_bytes - self.response_bytes)

    def forget_answers_before(self, first_seq: int) -> int:
        """The journal's files before first_seq are gone: their answers are no longer kept."""
        return self._ring.forget_answers_before(first_seq)

    # -- snapshots ------------------------------------------------------------------------------

    def to_state(self) -> dict:
        """The index as plain data for a snapshot: the ring's entries as one array, the method
        names, and the side table."""
        return {"entries": self._ring.to_array(), "methods": list(self._methods),
                "side": [(request_id, at_s, response) for request_id, (at_s, response) in self._side.items()]}

    def load_state(self, state) -> None:
        """Restore to_state() into an empty index; a list is the form of older snapshots,
        (request_id, (at_s, method, fingerprint, response)) each, kept in the side table."""
        if isinstance(state, list):
            for request_id, fields in state:
                self.put(request_id, Entry(*fields))
            return
        self._methods = list(state["methods"])
        self._codes = {name: code for code, name in enumerate(self._methods)}
        self._ring.from_array(state["entries"])
        for request_id, at_s, response in state["side"]:
            self._side[request_id] = (at_s, response)
            self.response_bytes += len(response)
