"""The per-account rows over an address-space reservation (authcore.state.reserved): views that
grow within it without a copy, rows that move (copied) past it or when the system refuses one
that large, the ledger's arrays bounded by max_accounts, bulk growth, and snapshots of more or
fewer accounts than max_accounts allows now."""

from __future__ import annotations

import mmap

import numpy as np
import pytest

from authcore._fast.state import ACCOUNT_DTYPE
from authcore.decision.policy import default_policy
from authcore.errors import ResourceExhausted
from authcore.state import reserved as reserved_mod
from authcore.state.ledger import Ledger
from authcore.state.reserved import MIN_ROWS, Reserved


def test_views_grow_within_the_reservation_in_place():
    rows = Reserved(ACCOUNT_DTYPE, 10_000)
    assert rows.reserved == 10_000
    small = rows.rows(MIN_ROWS)
    small["limit"][:] = np.arange(MIN_ROWS)
    big = rows.rows(10_000)
    assert big.ctypes.data == small.ctypes.data and big.flags.writeable and big.flags.c_contiguous
    assert (big["limit"][:MIN_ROWS] == np.arange(MIN_ROWS)).all() and not big["limit"][MIN_ROWS:].any()
    assert rows.reserved == 10_000


def test_past_the_reservation_the_rows_move_to_a_larger_one():
    rows = Reserved(np.uint16, 10)
    assert rows.reserved == MIN_ROWS  # never fewer
    first = rows.rows(MIN_ROWS)
    first[:] = 7
    moved = rows.rows(MIN_ROWS * 3)
    assert rows.reserved == MIN_ROWS * 3 and moved.ctypes.data != first.ctypes.data
    assert (moved[:MIN_ROWS] == 7).all() and not moved[MIN_ROWS:].any()
    moved[0] = 1
    assert first[0] == 7  # an earlier view keeps the old rows


def test_a_refused_reservation_is_asked_again_smaller(monkeypatch):
    real = mmap.mmap
    asked = []

    def limited(fileno, length, **kwargs):
        asked.append(length)
        if length > 4096 * 2:
            raise OSError(12, "Cannot allocate memory")
        return real(fileno, length, **kwargs)

    monkeypatch.setattr(reserved_mod.mmap, "mmap", limited)
    rows = Reserved(np.uint16, 16_384)
    # 32 KiB, 16 KiB, then 8 KiB: halved down to what the system gives.
    assert asked == [32_768, 16_384, 8_192] and rows.reserved == 4_096
    rows.rows(4_096)[:] = 3
    with pytest.raises(MemoryError, match="could not reserve 5,000 rows of 2 B .* check the memory"):
        rows.rows(5_000)
    assert rows.reserved == 4_096 and (rows.rows(4_096) == 3).all()


def test_the_ledger_reserves_max_accounts_rows_and_stops_there():
    ledger = Ledger(default_policy(), max_accounts=3_000)
    assert ledger._account_rows.reserved == ledger._behaviour_rows.reserved == 3_000
    address = ledger.accounts.ctypes.data
    ids = [f"a{i}" for i in range(3_000)]
    ones = np.ones(3_000, np.int64)
    created = ledger.upsert_many(ids, limits=ones * 500, statuses=ones, tiers=ones, overdue=ones * 0,
                                 currencies=ones * 156, zones=["UTC"] * 3_000, utc_offsets_s=ones * 0,
                                 credit_scores=None)
    # One bulk step from 1,024 rows to all 3,000, in place, never past max_accounts.
    assert created == 3_000 and ledger.accounts.shape[0] == ledger.behaviour.shape[0] == 3_000
    assert ledger.accounts.ctypes.data == address and (ledger.accounts["limit"] == 500).all()
    assert np.isnan(ledger.behaviour["last_lat"]).all()
    with pytest.raises(ResourceExhausted, match="at most 3000 accounts"):
        ledger.upsert("one-more", limit=1, status=1, tier=1, overrides=None, overdue=0, currency=156, zone="UTC",
                      utc_offset_s=0)
    assert ledger.accounts.shape[0] == 3_000 and ledger.n_accounts == 3_000


@pytest.mark.parametrize("max_accounts", [1_500, 20_000])
def test_a_snapshot_loads_into_a_reservation_that_holds_it(max_accounts):
    ledger = Ledger(default_policy(), max_accounts=2_000)
    for i in range(2_000):
        ledger.upsert(f"a{i}", limit=i, status=1, tier=1, overrides=None, overdue=0, currency=156, zone="UTC",
                      utc_offset_s=0)
    state = ledger.dump()
    loaded = Ledger.load(state, max_accounts)
    # All 2,000 accounts kept, even when max_accounts is fewer now; the rows as they were.
    assert loaded._account_rows.reserved == loaded._behaviour_rows.reserved == max(max_accounts, 2_000)
    assert loaded.accounts.shape[0] >= 2_000 and (loaded.accounts["limit"][:2_000] == np.arange(2_000)).all()
    assert loaded.dump()["accounts"].tobytes() == state["accounts"].tobytes()
    assert loaded.dump()["behaviour"].tobytes() == state["behaviour"].tobytes()
    assert list(loaded.zones) == ["UTC"] * 2_000 and loaded.account_ids[1_999] == "a1999"
    if max_accounts > 2_000:
        address = loaded.accounts.ctypes.data
        loaded.upsert("b", limit=1, status=1, tier=1, overrides=None, overdue=0, currency=156, zone="UTC",
                      utc_offset_s=0)
        assert loaded.accounts.ctypes.data == address and loaded.available(2_000) == 1


def test_one_account_at_a_time_up_to_max_accounts_stays_in_the_reservations():
    ledger = Ledger(default_policy(), max_accounts=1_500)
    first = [rows.ctypes.data for rows in (ledger.accounts, ledger.behaviour, ledger.zones.codes)]
    for i in range(1_500):
        ledger.upsert(f"a{i}", limit=i, status=1, tier=1, overrides=None, overdue=0, currency=156,
                      zone=("UTC", "Asia/Tokyo")[i % 2], utc_offset_s=0)
    # 1,024 rows, then a quarter more, then the last step only up to the 1,500 reserved.
    assert ledger.accounts.shape[0] == ledger.behaviour.shape[0] == len(ledger.zones.codes) == 1_500
    assert [rows.ctypes.data for rows in (ledger.accounts, ledger.behaviour, ledger.zones.codes)] == first
    assert ledger.zones._reserved.reserved == 1_500 and ledger.zones[1_499] == "Asia/Tokyo"


def test_grown_views_stop_at_the_reservation_while_the_rows_fit():
    rows = Reserved(np.uint16, 2_000)
    assert len(rows.grown(1_024, 1_025)) == 1_280
    assert len(rows.grown(1_280, 1_281)) == 1_600
    assert len(rows.grown(1_600, 1_601)) == 2_000 and rows.reserved == 2_000
    # Past the reservation: what is needed, or a quarter more, in a new one.
    assert len(rows.grown(2_000, 2_001)) == 2_500 and rows.reserved == 2_500
