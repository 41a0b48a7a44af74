"""Locking: unrelated accounts never wait for each other.

A request on one account holds the shared side of the state lock and its account's stripe;
changes to the whole state (the policy, the model, the scorecard, a new account that may grow
the tables) hold the exclusive side. Requests for the same request_id in flight at once are
settled by the idempotency claim (authcore/engine/requests.py), not by these locks."""

from __future__ import annotations

import contextlib
import threading

from authcore._fast.locks import SharedExclusive

N_STRIPES = 256


class RWLock(SharedExclusive):
    """Many readers or one writer; a waiting writer stops new readers from entering. The counts
    live in C (authcore._fast.locks): the shared side is taken on every payment."""

    @contextlib.contextmanager
    def shared(self):
        self.acquire_shared()
        try:
            yield
        finally:
            self.release_shared()

    @contextlib.contextmanager
    def exclusive(self):
        self.acquire_exclusive()
        try:
            yield
        finally:
            self.release_exclusive()


class Stripes:
    """A fixed set of locks; an account uses the one its slot hashes to."""

    def __init__(self, n: int = N_STRIPES):
        self._locks = [threading.Lock() for _ in range(n)]

    def of(self, slot: int) -> threading.Lock:
        return self._locks[slot % len(self._locks)]

    @contextlib.contextmanager
    def many(self, slots):
        """The stripes of several accounts, taken in a fixed order so that no two callers deadlock."""
        locks = [self._locks[i] for i in sorted({slot % len(self._locks) for slot in slots})]
        # Taken and released by hand, last first: a bulk chunk takes hundreds of them.
        taken = 0
        try:
            for lock in locks:
                lock.acquire()
                taken += 1
            yield
        finally:
            for lock in reversed(locks[:taken]):
                lock.release()
