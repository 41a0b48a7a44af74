"""The account and behaviour row layouts before they were narrowed (168 B and 264 B a row), and
the field-by-field conversion of such rows to the current layouts (authcore/_fast/state.pxd):
snapshots and audit rows written under the old layouts still load."""

from __future__ import annotations

import numpy as np

from authcore._fast.state import ACCOUNT_DTYPE, BEHAVIOUR_DTYPE

# The day and month of an account that has no payment yet: no real local day or month.
NO_DAY = np.iinfo(np.uint16).max
NO_MONTH = np.iinfo(np.int16).min
CHANGES_MAX = np.iinfo(np.uint16).max


def _packed(fields: list[tuple]) -> np.dtype:
    return np.dtype(fields, align=False)


# The old layouts, byte for byte (packed structs, little-endian).
ACCOUNT_DTYPE_V1 = _packed([
    ("limit", "<i8"), ("posted", "<i8"), ("held", "<i8"), ("overdue", "<i8"), ("day_amount", "<i8"),
    ("month_amount", "<i8"), ("channel_day_amount", "<i8", (3,)), ("channel_month_amount", "<i8", (3,)),
    ("static_qr_day_amount", "<i8"), ("quick_unverified_day_amount", "<i8"), ("day_count", "<i4"),
    ("month_count", "<i4"), ("channel_day_count", "<i4", (3,)), ("channel_month_count", "<i4", (3,)),
    ("day_index", "<i4"), ("month_index", "<i4"), ("profile", "<i4"), ("utc_offset_s", "<i4"),
    ("currency", "<i2"), ("status", "<i1"), ("tier", "<i1"), ("reserved", "<i4"),
])
BEHAVIOUR_DTYPE_V1 = _packed([
    ("mean_amount", "<f8"), ("m2_amount", "<f8"), ("last_lat", "<f8"), ("last_lon", "<f8"),
    ("last_payment_s", "<i8"), ("created_s", "<i8"), ("devices", "<u8", (4,)), ("ipnets", "<u8", (4,)),
    ("last_device", "<u8"), ("last_ipnet", "<u8"), ("window_bucket", "<i8", (3,)), ("window_amount", "<f8", (6,)),
    ("window_count", "<i4", (6,)), ("change_bucket", "<i8"), ("device_changes", "<i4", (2,)),
    ("ipnet_changes", "<i4", (2,)), ("n_payments", "<i4"), ("overdue_events", "<i4"), ("device_slot", "<i4"),
    ("ipnet_slot", "<i4"),
])
assert ACCOUNT_DTYPE_V1.itemsize == 168 and BEHAVIOUR_DTYPE_V1.itemsize == 264


def fingerprint32(hashes: np.ndarray) -> np.ndarray:
    """The 32-bit fingerprints of 64-bit device or network hashes, as the kernel takes them
    (authcore/_fast/state.pxd fingerprint32): 0 stays 0, and no other hash maps to 0."""
    h = np.asarray(hashes, np.uint64)
    f = ((h ^ (h >> np.uint64(32))) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    f[(f == 0) & (h != 0)] = 1
    return f


def accounts_from_v1(old: np.ndarray) -> np.ndarray:
    """Account rows of the old layout in the current one (every value kept; a day or month
    outside the narrowed range, as the old "none yet", becomes none)."""
    new = np.zeros(old.shape, ACCOUNT_DTYPE)
    for name in ACCOUNT_DTYPE.names:
        if name not in ("day_index", "month_index"):
            new[name] = old[name]
    day, month = old["day_index"], old["month_index"]
    new["day_index"] = np.where((day >= 0) & (day < NO_DAY), day, NO_DAY)
    new["month_index"] = np.where((month > NO_MONTH) & (month <= np.iinfo(np.int16).max), month, NO_MONTH)
    return new


def behaviour_from_v1(old: np.ndarray) -> np.ndarray:
    """Behaviour rows of the old layout in the current one: amounts and positions rounded to
    float32, devices and networks as their 32-bit fingerprints, times and buckets narrowed,
    change counts saturated at 65535."""
    new = np.zeros(old.shape, BEHAVIOUR_DTYPE)
    for name in ("mean_amount", "last_lat", "last_lon", "window_amount", "window_bucket", "change_bucket",
                 "window_count", "n_payments", "overdue_events", "device_slot", "ipnet_slot"):
        new[name] = old[name]
    new["m2_amount"] = np.maximum(old["m2_amount"], 0.0)
    for name in ("last_payment_s", "created_s"):
        new[name] = np.clip(old[name], 0, np.iinfo(np.uint32).max)
    for name in ("devices", "ipnets", "last_device", "last_ipnet"):
        new[name] = fingerprint32(old[name])
    for name in ("device_changes", "ipnet_changes"):
        new[name] = np.clip(old[name], 0, CHANGES_MAX)
    return new


def current_accounts(rows: np.ndarray) -> np.ndarray:
    """Account rows in the current layout, from rows of the current or the old layout."""
    if rows.dtype == ACCOUNT_DTYPE:
        return rows
    if rows.dtype.names == ACCOUNT_DTYPE_V1.names and rows.dtype.itemsize == ACCOUNT_DTYPE_V1.itemsize:
        return accounts_from_v1(rows)
    raise ValueError(f"account rows of an unknown layout ({rows.dtype.itemsize} B a row)")


def current_behaviour(rows: np.ndarray) -> np.ndarray:
    """Behaviour rows in the current layout, from rows of the current or the old layout."""
    if rows.dtype == BEHAVIOUR_DTYPE:
        return rows
    if rows.dtype.names == BEHAVIOUR_DTYPE_V1.names and rows.dtype.itemsize == BEHAVIOUR_DTYPE_V1.itemsize:
        return behaviour_from_v1(rows)
    raise ValueError(f"behaviour rows of an unknown layout ({rows.dtype.itemsize} B a row)")
