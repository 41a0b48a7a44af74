"""Locking: unrelated accounts never wait for each other.

A request on one account holds the shared side of the state lock and its account's stripe;
changes to the whole state (the policy, the model, the scorecard, a new account that may grow
the tables) hold the exclusive side. Requests for the same request_id in flight at once are
settled by the idempotency claim (authcore/engine/requests.py), not by these locks."""

from __future__ import annotations

import contextlib
import threading

N_STRIPES = 256


class RWLock:
    """Many readers or one writer; a waiting writer stops new readers from entering."""

    def __init__(self):
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    @contextlib.contextmanager
    def shared(self):
        self.acquire_shared()
        try:
            yield
        finally:
            self.release_shared()

    def acquire_shared(self) -> None:
        """The shared side, without a context manager (the per-request path: release_shared in a finally)."""
        with self._cond:
            while self._writer or self._writers_waiting:
                self._cond.wait()
            self._readers += 1

    def release_shared(self) -> None:
        with self._cond:
            self._readers -= 1
            if not self._readers and self._writers_waiting:
                self._cond.notify_all()

    @contextlib.contextmanager
    def exclusive(self):
        with self._cond:
            self._writers_waiting += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class Stripes:
    """A fixed set of locks; an account uses the one its slot hashes to."""

    def __init__(self, n: int = N_STRIPES):
        self._locks = [threading.Lock() for _ in range(n)]

    def of(self, slot: int) -> threading.Lock:
        return self._locks[slot % len(self._locks)]

    @contextlib.contextmanager
    def many(self, slots):
        """The stripes of several accounts, taken in a fixed order so that no two callers deadlock."""
        indices = sorted({slot % len(self._locks) for slot in slots})
        with contextlib.ExitStack() as stack:
            for i in indices:
                stack.enter_context(self._locks[i])
            yield
