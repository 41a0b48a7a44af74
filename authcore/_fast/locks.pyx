# cython: language_level=3
"""The state lock's counts in C (authcore.state.locks.RWLock): taking the shared side when no
writer is in or waiting is one check and one increment under the GIL, without a Python lock;
only a writer, or a reader meeting one, goes through the condition."""

import threading


cdef class SharedExclusive:
    """Many readers or one writer; a waiting writer stops new readers from entering."""

    cdef int readers
    cdef bint writer
    cdef int writers_waiting
    cdef object cond

    def __cinit__(self):
        self.cond = threading.Condition()

    cpdef acquire_shared(self):
        """The shared side (release_shared in a finally)."""
        # The GIL is held from the check to the increment: no writer can come in between.
        if not self.writer and self.writers_waiting == 0:
            self.readers += 1
            return
        with self.cond:
            while self.writer or self.writers_waiting:
                self.cond.wait()
            self.readers += 1

    cpdef release_shared(self):
        self.readers -= 1
        if self.readers == 0 and self.writers_waiting:
            with self.cond:
                self.cond.notify_all()

    cpdef acquire_exclusive(self):
        """The exclusive side (release_exclusive in a finally)."""
        with self.cond:
            self.writers_waiting += 1
            try:
                while self.writer or self.readers:
                    self.cond.wait()
            finally:
                self.writers_waiting -= 1
            self.writer = True

    cpdef release_exclusive(self):
        with self.cond:
            self.writer = False
            self.cond.notify_all()

    @property
    def readers_in(self):
        """Readers holding the shared side now."""
        return self.readers
