# cython: language_level=3
"""numpy dtypes that mirror the C structs of state.pxd byte for byte."""

import numpy as np

from authcore._fast.state cimport AccountRow, BehaviourRow, ProfileRow


cdef Py_ssize_t _off(void* field, void* base) noexcept:
    return <char*>field - <char*>base


def _account_dtype():
    cdef AccountRow r
    cdef void* b = &r
    fields = [
        ("limit", "<i8", _off(&r.limit, b)),
        ("posted", "<i8", _off(&r.posted, b)),
        ("held", "<i8", _off(&r.held, b)),
        ("overdue", "<i8", _off(&r.overdue, b)),
        ("day_amount", "<i8", _off(&r.day_amount, b)),
        ("month_amount", "<i8", _off(&r.month_amount, b)),
        ("channel_day_amount", ("<i8", (3,)), _off(&r.channel_day_amount[0], b)),
        ("channel_month_amount", ("<i8", (3,)), _off(&r.channel_month_amount[0], b)),
        ("static_qr_day_amount", "<i8", _off(&r.static_qr_day_amount, b)),
        ("quick_unverified_day_amount", "<i8", _off(&r.quick_unverified_day_amount, b)),
        ("day_count", "<i4", _off(&r.day_count, b)),
        ("month_count", "<i4", _off(&r.month_count, b)),
        ("channel_day_count", ("<i4", (3,)), _off(&r.channel_day_count[0], b)),
        ("channel_month_count", ("<i4", (3,)), _off(&r.channel_month_count[0], b)),
        ("profile", "<i4", _off(&r.profile, b)),
        ("utc_offset_s", "<i4", _off(&r.utc_offset_s, b)),
        ("day_index", "<u2", _off(&r.day_index, b)),
        ("month_index", "<i2", _off(&r.month_index, b)),
        ("currency", "<i2", _off(&r.currency, b)),
        ("status", "<i1", _off(&r.status, b)),
        ("tier", "<i1", _off(&r.tier, b)),
    ]
    return np.dtype({
        "names": [f[0] for f in fields],
        "formats": [f[1] for f in fields],
        "offsets": [f[2] for f in fields],
        "itemsize": sizeof(AccountRow),
    })


def _profile_dtype():
    cdef ProfileRow r
    cdef void* b = &r
    fields = [
        ("per_transaction", "<i8", _off(&r.per_transaction, b)),
        ("daily_amount", "<i8", _off(&r.daily_amount, b)),
        ("daily_count", "<i8", _off(&r.daily_count, b)),
        ("monthly_amount", "<i8", _off(&r.monthly_amount, b)),
        ("monthly_count", "<i8", _off(&r.monthly_count, b)),
        ("channel_allowed", ("<i8", (3,)), _off(&r.channel_allowed[0], b)),
        ("channel_per_transaction", ("<i8", (3,)), _off(&r.channel_per_transaction[0], b)),
        ("channel_daily_amount", ("<i8", (3,)), _off(&r.channel_daily_amount[0], b)),
        ("channel_daily_count", ("<i8", (3,)), _off(&r.channel_daily_count[0], b)),
        ("channel_monthly_amount", ("<i8", (3,)), _off(&r.channel_monthly_amount[0], b)),
        ("channel_monthly_count", ("<i8", (3,)), _off(&r.channel_monthly_count[0], b)),
        ("static_qr_daily", "<i8", _off(&r.static_qr_daily, b)),
        ("dynamic_qr_level_c_daily", "<i8", _off(&r.dynamic_qr_level_c_daily, b)),
        ("dynamic_qr_level_b_daily", "<i8", _off(&r.dynamic_qr_level_b_daily, b)),
        ("dynamic_qr_level_a_daily", "<i8", _off(&r.dynamic_qr_level_a_daily, b)),
        ("quick_unverified_per_transaction", "<i8", _off(&r.quick_unverified_per_transaction, b)),
        ("quick_unverified_daily", "<i8", _off(&r.quick_unverified_daily, b)),
    ]
    return np.dtype({
        "names": [f[0] for f in fields],
        "formats": [f[1] for f in fields],
        "offsets": [f[2] for f in fields],
        "itemsize": sizeof(ProfileRow),
    })


def _behaviour_dtype():
    cdef BehaviourRow r
    cdef void* b = &r
    fields = [
        ("mean_amount", "<f4", _off(&r.mean_amount, b)),
        ("m2_amount", "<f4", _off(&r.m2_amount, b)),
        ("last_lat", "<f4", _off(&r.last_lat, b)),
        ("last_lon", "<f4", _off(&r.last_lon, b)),
        ("last_payment_s", "<u4", _off(&r.last_payment_s, b)),
        ("created_s", "<u4", _off(&r.created_s, b)),
        ("devices", ("<u4", (4,)), _off(&r.devices[0], b)),
        ("ipnets", ("<u4", (4,)), _off(&r.ipnets[0], b)),
        ("last_device", "<u4", _off(&r.last_device, b)),
        ("last_ipnet", "<u4", _off(&r.last_ipnet, b)),
        ("window_bucket", ("<i4", (3,)), _off(&r.window_bucket[0], b)),
        ("change_bucket", "<i4", _off(&r.change_bucket, b)),
        ("window_amount", ("<f4", (6,)), _off(&r.window_amount[0], b)),
        ("window_count", ("<i4", (6,)), _off(&r.window_count[0], b)),
        ("n_payments", "<i4", _off(&r.n_payments, b)),
        ("overdue_events", "<i4", _off(&r.overdue_events, b)),
        ("device_changes", ("<u2", (2,)), _off(&r.device_changes[0], b)),
        ("ipnet_changes", ("<u2", (2,)), _off(&r.ipnet_changes[0], b)),
        ("device_slot", "<i2", _off(&r.device_slot, b)),
        ("ipnet_slot", "<i2", _off(&r.ipnet_slot, b)),
    ]
    return np.dtype({
        "names": [f[0] for f in fields],
        "formats": [f[1] for f in fields],
        "offsets": [f[2] for f in fields],
        "itemsize": sizeof(BehaviourRow),
    })


ACCOUNT_DTYPE = _account_dtype()
BEHAVIOUR_DTYPE = _behaviour_dtype()
PROFILE_DTYPE = _profile_dtype()
