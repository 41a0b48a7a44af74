"""Per-account rows over one address-space reservation: an anonymous private mapping sized for
every account the node may hold (max_accounts rows), of which only the pages written become
resident. The ledger's arrays are views of its first rows, so they grow without a copy and
without spare rows in memory: rows past the last account are never written and cost nothing.

The reservation is address space only (MAP_NORESERVE where the platform has it): a system that
refuses one that large gets a smaller one, and rows that outgrow it move to a larger one (copied,
as a growing array is)."""

from __future__ import annotations

import mmap
import platform
import sys

import numpy as np

# MAP_NORESERVE: reserve address space without committing memory for it (Linux; the value is
# the generic one, used only on the machines that share it).
MAP_NORESERVE = getattr(mmap, "MAP_NORESERVE", 0x4000 if sys.platform.startswith("linux") and platform.machine() in (
    "x86_64", "aarch64", "arm64", "riscv64", "s390x") else 0)
# The fewest rows a reservation is asked for.
MIN_ROWS = 1024


def _mapped(dtype: np.dtype, want: int, need: int) -> np.ndarray:
    """A zeroed array of want rows (at least need) over a fresh anonymous private mapping; when
    the system refuses that much address space, of fewer rows (halving, down to need)."""
    rows = max(want, need, 1)
    while True:
        try:
            buffer = mmap.mmap(-1, rows * dtype.itemsize, flags=mmap.MAP_PRIVATE | MAP_NORESERVE)
        except OSError as error:
            if rows <= need:
                raise MemoryError(f"could not reserve {rows:,} rows of {dtype.itemsize} B ({error}); check the "
                                  "memory and address-space limits (ulimit -v, vm.overcommit_memory)") from error
            rows = max(need, rows // 2)
            continue
        return np.frombuffer(buffer, dtype=dtype)


class Reserved:
    """Rows of one dtype in a reservation of `rows` rows (at least MIN_ROWS). rows(n) is a view of
    the first n rows; the rows of earlier views stay where they are."""

    __slots__ = ("dtype", "_all", "_used")

    def __init__(self, dtype, rows: int):
        self.dtype = np.dtype(dtype)
        self._all = _mapped(self.dtype, max(rows, MIN_ROWS), MIN_ROWS)
        self._used = 0

    @property
    def reserved(self) -> int:
        """Rows the reservation holds (views up to this many need no copy)."""
        return len(self._all)

    def rows(self, n: int) -> np.ndarray:
        """A writeable, C-contiguous view of the first n rows (n > 0). Past the reservation the
        rows viewed so far move to a new one of n rows (views made before keep the old rows)."""
        if n > len(self._all):
            bigger = _mapped(self.dtype, n, n)
            # As bytes: a structured copy goes field by field, three times slower.
            bigger.view(np.uint8)[:self._used * self.dtype.itemsize] = self._all[:self._used].view(np.uint8)
            self._all = bigger
        self._used = max(self._used, n)
        return self._all[:n]

    def grown(self, current: int, need: int) -> np.ndarray:
        """A view for at least need rows, grown from current rows: a quarter more (at least
        MIN_ROWS), but never past the reservation while need fits in it."""
        size = max(need, MIN_ROWS, current * 5 // 4)
        if need <= len(self._all):
            size = min(size, len(self._all))
        return self.rows(size)
