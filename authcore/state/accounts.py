"""What the ledger knows of each account beside its rows, without a Python object per account:
its id (read through the compiled index, authcore._fast.index) and its time zone (a uint16 code
into the few zone names the accounts use)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from authcore._fast.index import AccountIndex
from authcore.errors import ResourceExhausted
from authcore.state.reserved import MIN_ROWS, Reserved

# Zone codes are uint16.
MAX_ZONES = 65_535


class AccountIds(Sequence[str]):
    """The ids by slot, read-only: ledger.account_ids[slot], len(), iteration, list()."""

    __slots__ = ("_index",)

    def __init__(self, index: AccountIndex):
        self._index = index

    def __len__(self) -> int:
        return len(self._index)

    def __getitem__(self, slot):  # type: ignore[override]
        if isinstance(slot, slice):
            return [self._index.id_of(i) for i in range(*slot.indices(len(self._index)))]
        slot = int(slot)
        return self._index.id_of(slot + len(self._index) if slot < 0 else slot)

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __contains__(self, account_id: object) -> bool:
        return account_id in self._index


class Zones(Sequence[str]):
    """Each account's time zone name by slot (zones[slot]), kept as a uint16 code per account
    into names; at most MAX_ZONES distinct names. The codes are a view of a reservation of
    `reserve` rows (authcore.state.reserved: the ledger reserves max_accounts)."""

    __slots__ = ("codes", "names", "_code_of", "_n", "_reserved")

    def __init__(self, names: list[str] | None = None, codes: np.ndarray | None = None, reserve: int = MIN_ROWS):
        self.names: list[str] = list(names or [])
        self._code_of = {name: code for code, name in enumerate(self.names)}
        if len(self._code_of) != len(self.names) or len(self.names) > MAX_ZONES:
            raise ValueError("the zone names repeat or are more than the codes can name")
        self._n = 0 if codes is None else len(codes)
        self._reserved = Reserved(np.uint16, max(reserve, self._n))
        self.codes = self._reserved.rows(max(MIN_ROWS, self._n))
        if codes is not None:
            codes = np.asarray(codes)
            if self._n and int(codes.max()) >= len(self.names):
                raise ValueError("a zone code names no zone")
            self.codes[:self._n] = codes

    @classmethod
    def of(cls, zones: list[str], reserve: int = MIN_ROWS) -> "Zones":
        """From one zone name per account (the form of older snapshots)."""
        names: dict[str, int] = {}
        codes = np.fromiter((names.setdefault(z, len(names)) for z in zones), np.int64, len(zones))
        if len(names) > MAX_ZONES:
            raise ValueError(f"{len(names)} distinct time zones; at most {MAX_ZONES}")
        return cls(list(names), codes.astype(np.uint16), reserve)

    def code(self, zone: str) -> int:
        """The code of zone, given one if it has none yet (ResourceExhausted past MAX_ZONES)."""
        code = self._code_of.get(zone)
        if code is None:
            if len(self.names) >= MAX_ZONES:
                raise ResourceExhausted(f"at most {MAX_ZONES} distinct time zones")
            code = self._code_of[zone] = len(self.names)
            self.names.append(zone)
        return code

    def append(self, code: int) -> None:
        """The zone (by code) of the next account."""
        if self._n >= len(self.codes):
            self.codes = self._reserved.grown(len(self.codes), self._n + 1)
        self.codes[self._n] = code
        self._n += 1

    def extend(self, codes: np.ndarray) -> None:
        """The zones (by code) of the next accounts."""
        end = self._n + len(codes)
        if end > len(self.codes):
            self.codes = self._reserved.grown(len(self.codes), end)
        self.codes[self._n:end] = codes
        self._n = end

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, slot):  # type: ignore[override]
        if isinstance(slot, slice):
            return [self.names[c] for c in self.codes[:self._n][slot].tolist()]
        slot = int(slot)
        if not -self._n <= slot < self._n:
            raise IndexError(f"slot {slot}: {self._n} accounts")
        return self.names[self.codes[slot % self._n]]

    def __iter__(self) -> Iterator[str]:
        names = self.names
        return (names[c] for c in self.codes[:self._n].tolist())

    def dump(self) -> tuple[list[str], np.ndarray]:
        """(names, one code per account) for a snapshot."""
        return list(self.names), self.codes[:self._n].copy()
