"""The life of a mutating request: its request_id, its locks, and the one order decide → journal → apply."""

from __future__ import annotations

import contextlib
import threading

from authcore.errors import NotTheOwner, RequestIdReused, RequestInFlight, Unavailable
from authcore.state.idempotency import fingerprint
from authcore.journal.store import WRITE_ERRORS, WriteRefused
from authcore.engine.core import Core
from authcore.engine.apply import Applier
from authcore.engine.common import _InFlight


class Requests:
    """Claims request ids (a replay gets its stored answer, a second caller waits for the first),
    takes a request's locks, and runs every mutation in one order: decide without touching state,
    journal the record, apply its effect (authcore.engine.apply)."""

    def __init__(self, core: Core, applier: Applier):
        self.core = core
        self.applier = applier

    def claim(self, request_id: str, method: str, digest: bytes, wait: bool = True) -> bytes | None:
        """The stored response of a replay; otherwise None, and the request_id is this caller's
        until _release. A second caller with the same request_id waits for the first (or, with
        wait false, is refused) and then gets its stored answer."""
        while True:
            with self.core.idempotency_lock:
                prior = self.core.idempotency.lookup(request_id, method, digest)
                if prior is not None:
                    return prior
                flight = self.core.in_flight.get(request_id)
                if flight is None:
                    self.core.in_flight[request_id] = _InFlight(method, digest)
                    return None
                if flight.method != method or flight.digest != digest:
                    raise RequestIdReused(f"request_id {request_id!r} is in use by a different {flight.method} request",
                                          {"request_id": request_id, "original_method": flight.method})
                if not wait:
                    raise RequestInFlight(f"request_id {request_id!r} is being served; retry it",
                                          {"request_id": request_id})
                if flight.done is None:
                    flight.done = threading.Event()
                done = flight.done
            done.wait()

    def release(self, request_id: str) -> None:
        with self.core.idempotency_lock:
            flight = self.core.in_flight.pop(request_id, None)
        # flight.done is made (and so seen here) under the same lock as the pop above.
        if flight is not None and flight.done is not None:
            flight.done.set()

    @contextlib.contextmanager
    def scope(self, slot_of):
        """The locks of a request: its account's stripe (slot_of() names the account, under the
        shared state lock), or the whole state exclusively when slot_of is None."""
        if slot_of is None:
            with self.core.state.exclusive():
                yield
            return
        with self.core.state.shared():
            with self.core.stripes.of(slot_of()):
                yield

    def commit(self, records: list[tuple], now_s: int, side: list[tuple] = ()) -> None:
        """Journal (method, request_id, fingerprint, effect, response) records, each effect a
        JournalEffect, its bytes or None, with the side rows in the same transaction
        (authcore.journal.store.SIDE_ROWS), then remember where their responses are for replays
        (each record's seq and frame offset: a replay reads the answer back from the journal)."""
        try:
            positions = self.core.committer.commit([
                (now_s, method, request_id, digest,
                 effect if effect is None or type(effect) is bytes else effect.SerializeToString(), response)
                for method, request_id, digest, effect, response in records
            ], side)
        except WriteRefused as exc:
            raise NotTheOwner(str(exc)) from exc
        except WRITE_ERRORS as exc:
            raise Unavailable(f"the journal could not be written: {exc}") from exc
        with self.core.idempotency_lock:
            for (method, request_id, digest, _, _), (seq, offset) in zip(records, positions):
                if request_id:
                    self.core.idempotency.put_position(request_id, now_s, method, digest, seq, offset)

    def mutate(self, method: str, request, response_cls, decide, slot_of=None) -> tuple:
        """The life of a mutating request: replay or conflict on its request_id; otherwise, under
        the locks of its scope (see _scope), decide(now_s) -> (response, effect or None) without
        touching state, journal, apply. Returns (response, replayed)."""
        digest = fingerprint(method, request)
        prior = self.claim(request.request_id, method, digest)
        if prior is not None:
            return response_cls.FromString(prior), True
        try:
            if slot_of is None:
                with self.core.state.exclusive():
                    return self._run(method, request, digest, decide), False
            # The locks of scope(), taken without generators: this is every payment's path.
            state = self.core.state
            state.acquire_shared()
            try:
                with self.core.stripes.of(slot_of()):
                    return self._run(method, request, digest, decide), False
            finally:
                state.release_shared()
        finally:
            self.release(request.request_id)

    def _run(self, method: str, request, digest: bytes, decide):
        """decide -> journal -> apply, under the request's locks; the response."""
        now_s = self.core.now()
        # decide may add side rows for the record's transaction: (response, effect, side).
        response, effect, *side = decide(now_s)
        self.commit([(method, request.request_id, digest, effect, response.SerializeToString())], now_s,
                    side[0] if side else ())
        if effect is not None:
            self.applier.apply(effect, now_s)
        return response
