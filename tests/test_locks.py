"""The state lock (authcore.state.locks.RWLock): readers share it, a writer has it alone, and a
waiting writer stops new readers from entering (so a stream of payments cannot starve a policy
change). Each step waits on conditions with bounded deadlines."""

from __future__ import annotations

import threading
import time

import pytest

from authcore.state.locks import RWLock, Stripes

WAIT_S = 10.0


def _eventually(predicate) -> bool:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return False


def _in_thread(target) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_readers_share_and_a_writer_waits_for_them():
    lock = RWLock()
    lock.acquire_shared()
    lock.acquire_shared()
    assert lock.readers_in == 2
    wrote = threading.Event()

    def writer():
        with lock.exclusive():
            wrote.set()

    thread = _in_thread(writer)
    time.sleep(0.05)
    assert not wrote.is_set()
    lock.release_shared()
    assert not wrote.wait(0.05)
    lock.release_shared()
    assert wrote.wait(WAIT_S)
    thread.join(WAIT_S)
    assert lock.readers_in == 0


def test_a_waiting_writer_stops_new_readers_until_it_is_done():
    lock = RWLock()
    lock.acquire_shared()
    order: list[str] = []
    writer_in = threading.Event()

    def writer():
        with lock.exclusive():
            writer_in.set()
            order.append("writer")

    def reader():
        with lock.shared():
            order.append("reader")

    w = _in_thread(writer)
    assert _eventually(lambda: w.is_alive())
    time.sleep(0.05)  # the writer waits for the first reader
    r = _in_thread(reader)
    time.sleep(0.05)
    assert order == []  # the new reader waits behind the writer
    lock.release_shared()
    w.join(WAIT_S)
    r.join(WAIT_S)
    assert order == ["writer", "reader"]


def test_a_writer_excludes_readers_and_other_writers():
    lock = RWLock()
    counting = threading.Lock()  # the counts themselves (readers update them side by side)
    readers, writers = [0], [0]
    errors: list[str] = []

    def enter(count: list, other: list, alone: bool) -> None:
        with counting:
            count[0] += 1
            if other[0] or (alone and count[0] > 1):
                errors.append(f"readers {readers[0]}, writers {writers[0]}")

    def leave(count: list) -> None:
        with counting:
            count[0] -= 1

    def work(exclusive: bool):
        for _ in range(300):
            if exclusive:
                with lock.exclusive():
                    enter(writers, readers, True)
                    leave(writers)
            else:
                with lock.shared():
                    enter(readers, writers, False)
                    leave(readers)

    threads = [_in_thread(lambda e=(i % 3 == 0): work(e)) for i in range(9)]
    for thread in threads:
        thread.join(60)
    assert not errors
    assert lock.readers_in == 0


def test_stripes_of_many_accounts_are_each_taken_once_and_all_released():
    stripes = Stripes(8)
    with stripes.many([3, 11, 5, 3]):  # 3 and 11 share a stripe
        assert [lock.locked() for lock in stripes._locks] == [i in (3, 5) for i in range(8)]
    assert not any(lock.locked() for lock in stripes._locks)
    with pytest.raises(RuntimeError), stripes.many([1, 2]):
        raise RuntimeError("the body failed")
    assert not any(lock.locked() for lock in stripes._locks)
    with stripes.many([]):
        pass
