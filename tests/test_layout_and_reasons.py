"""The compiled state layout, the kernel's bit order and the reason catalogue agree with the
contract."""

from __future__ import annotations

import numpy as np
import pytest

from authcore._fast import decide
from authcore._fast.ledger import Book
from authcore._fast.state import ACCOUNT_DTYPE, BEHAVIOUR_DTYPE, PROFILE_DTYPE
from authcore.decision.reasons import BIT_ORDER, CATALOGUE, CHALLENGE_REASONS, first_reasons, reasons_of_mask
from authcore.v1 import common_pb2 as c


def test_account_row_fits_the_budget():
    assert ACCOUNT_DTYPE.itemsize == 160
    assert ACCOUNT_DTYPE.itemsize % 8 == 0, "rows stay 8-byte aligned in the array"
    assert ACCOUNT_DTYPE.fields["limit"][1] == 0


def test_bit_order_is_precedence_order():
    assert len(BIT_ORDER) == decide.CHECK_COUNT
    assert list(BIT_ORDER) == sorted(BIT_ORDER), "bit i+1 never outranks bit i"
    assert set(BIT_ORDER[decide.CHALLENGE_FROM_BIT:]) == CHALLENGE_REASONS


def test_first_reasons_of_a_column_are_each_masks_first_reason():
    """The column form beside reasons_of_mask: every single bit, the highest bit with the
    others, bits the order does not name (ignored), and random masks."""
    top = len(BIT_ORDER) - 1
    masks = [0, -(1 << 63), 1 << len(BIT_ORDER), *(1 << b for b in range(len(BIT_ORDER))), (1 << top) | 0b110,
             (1 << (top + 1)) - 1, (1 << 62) | (1 << top)]
    rng = np.random.default_rng(5)
    masks += rng.integers(0, 1 << (top + 1), 500).tolist()
    expected = [(reasons_of_mask(m & ((1 << len(BIT_ORDER)) - 1)) or [0])[0] for m in masks]
    assert first_reasons(np.array(masks, np.int64)).tolist() == expected


def test_every_reason_has_codes_messages_and_hints():
    for value in c.Reason.values():
        if value == c.REASON_UNSPECIFIED:
            continue
        info = CATALOGUE[value]
        assert info.iso8583 and info.message_zh and info.message_en
        if value not in (c.REASON_APPROVED, c.REASON_INSTALLMENT_NOT_AVAILABLE):  # decided after the kernel
            assert value in BIT_ORDER
            assert info.hint_zh and info.hint_en
            assert info.retry in (c.RETRY_CATEGORY_NEVER, c.RETRY_CATEGORY_LATER, c.RETRY_CATEGORY_FIX_AND_RETRY)
    assert {CATALOGUE[r].iso8583 for r in CHALLENGE_REASONS} == {"1A"}


def test_book_refuses_wrong_tables_and_slots():
    book = Book()
    behaviour = np.zeros(2, dtype=BEHAVIOUR_DTYPE)
    with pytest.raises(TypeError):
        book.bind(np.zeros(4, dtype=np.int64), np.zeros(1, dtype=PROFILE_DTYPE), behaviour)
    with pytest.raises(ValueError):
        book.bind(np.zeros((2, 2), dtype=ACCOUNT_DTYPE), np.zeros(1, dtype=PROFILE_DTYPE), behaviour)
    with pytest.raises(ValueError):
        book.bind(np.zeros(3, dtype=ACCOUNT_DTYPE), np.zeros(1, dtype=PROFILE_DTYPE), behaviour)
    accounts = np.zeros(2, dtype=ACCOUNT_DTYPE)
    book.bind(accounts, np.zeros(1, dtype=PROFILE_DTYPE), behaviour)
    with pytest.raises(ValueError):
        book.authorize(0, 0, 100, 156, 0, 0, 0, mcc=10_000)
    with pytest.raises(ValueError):
        book.authorize(0, 0, 100, 156, 0, 0, 0, country=677)
    with pytest.raises(IndexError):
        book.authorize(2, 0, 100, 156, 0, 0, 0)
    with pytest.raises(ValueError):
        book.authorize(0, 3, 100, 156, 0, 0, 0)
    with pytest.raises(ValueError):
        book.authorize(0, 0, 0, 156, 0, 0, 0)
    accounts[1]["profile"] = 5
    with pytest.raises(IndexError):
        book.authorize(1, 0, 100, 156, 0, 0, 0)


def test_readme_reasons_table_is_current():
    import pathlib

    from authcore.decision.reasons import markdown_table

    readme = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert markdown_table() in readme, "README reasons table is stale: python -m authcore.decision.reasons"


def test_readme_feature_table_is_current():
    import pathlib

    from authcore.risk.features import markdown_table

    readme = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert markdown_table() in readme, "README feature table is stale: python -m authcore.risk.features"


def test_behaviour_row_and_both_rows_fit_the_budget():
    """Account 160 B + behaviour 148 B a row, down from 168 + 264 (authcore/_fast/state.pxd)."""
    assert BEHAVIOUR_DTYPE.itemsize == 148
    assert BEHAVIOUR_DTYPE.itemsize % 4 == 0, "behaviour rows stay 4-byte aligned in the array"
    assert ACCOUNT_DTYPE.itemsize + BEHAVIOUR_DTYPE.itemsize == 308
    # Money stays int64; counts int32 (count limits go up to MAX_COUNT, 10**9).
    for name in ("limit", "posted", "held", "overdue", "day_amount", "month_amount", "channel_day_amount",
                 "channel_month_amount", "static_qr_day_amount", "quick_unverified_day_amount"):
        assert ACCOUNT_DTYPE.fields[name][0].base == np.dtype("<i8"), name
    for name in ("day_count", "month_count", "channel_day_count", "channel_month_count"):
        assert ACCOUNT_DTYPE.fields[name][0].base == np.dtype("<i4"), name


def test_fingerprints_keep_none_and_never_make_none():
    from authcore.risk.reference import fingerprint32
    from authcore.state import rows

    hashes = [0, 1, 0xFFFFFFFF_FFFFFFFF, 0x12345678_12345678, 0xDEADBEEF_00000000, 0x00000001_00000001]
    assert [fingerprint32(h) for h in hashes] == rows.fingerprint32(np.array(hashes, np.uint64)).tolist()
    assert [fingerprint32(h) for h in hashes] == [0, 1, 1, 1, 0xDEADBEEF, 1]
