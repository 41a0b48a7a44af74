# cython: language_level=3
"""Row layouts of the in-memory state: one AccountRow per account, one ProfileRow per limit
profile. Both live in numpy structured arrays whose dtypes are built from these structs (see
state.pyx), so the Python and C views cannot disagree."""

from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint16_t, uint32_t, uint64_t

cdef enum:
    N_CHANNELS = 3
    # Channel indices (proto Channel value - 1).
    CH_WALLET = 0
    CH_SCAN = 1
    CH_QUICK = 2
    # QrCodeType values.
    QR_NONE = 0
    QR_STATIC = 1
    QR_DYNAMIC = 2
    # Verification factor bits: 1 << (VerificationFactor value - 1).
    F_PASSWORD = 1
    F_BIOMETRIC = 2
    F_SMS_OTP = 4
    F_CERTIFICATE = 8
    # AccountStatus values.
    ST_ACTIVE = 1
    ST_FROZEN = 2
    ST_CLOSED = 3
    # Hold flags: which channel-rule windows a hold counted in.
    HF_STATIC_QR = 1
    HF_QUICK_UNVERIFIED = 2
    # Not a window: the hold was approved by the stand-in (no model).
    HF_STAND_IN = 4

# Everything the decision needs about one account (160 B). Amounts are minor units (int64, never
# narrower); counts are int32 because count limits go up to MAX_COUNT (10**9). Day and month
# windows are reset lazily: a counter belongs to day_index / month_index and reads as zero on any
# other day. day_index is the local day number since 1970-01-01 (uint16: until 2149-06-06),
# month_index is year * 12 + month - 1 (int16: until year 2730).
cdef packed struct AccountRow:
    int64_t limit
    int64_t posted
    int64_t held
    int64_t overdue
    int64_t day_amount
    int64_t month_amount
    int64_t channel_day_amount[3]
    int64_t channel_month_amount[3]
    int64_t static_qr_day_amount
    int64_t quick_unverified_day_amount
    int32_t day_count
    int32_t month_count
    int32_t channel_day_count[3]
    int32_t channel_month_count[3]
    int32_t profile
    int32_t utc_offset_s
    uint16_t day_index
    int16_t month_index
    int16_t currency
    int8_t status
    int8_t tier

# A resolved limit profile (tier defaults with account overrides applied). "No limit" is
# INT64_MAX; channel_allowed is 0 or 1.
cdef packed struct ProfileRow:
    int64_t per_transaction
    int64_t daily_amount
    int64_t daily_count
    int64_t monthly_amount
    int64_t monthly_count
    int64_t channel_allowed[3]
    int64_t channel_per_transaction[3]
    int64_t channel_daily_amount[3]
    int64_t channel_daily_count[3]
    int64_t channel_monthly_amount[3]
    int64_t channel_monthly_count[3]
    int64_t static_qr_daily
    int64_t dynamic_qr_level_c_daily
    int64_t dynamic_qr_level_b_daily
    int64_t dynamic_qr_level_a_daily
    int64_t quick_unverified_per_transaction
    int64_t quick_unverified_daily

cdef enum:
    # Sliding windows of the behaviour state.
    W_1M = 0
    W_1H = 1
    W_24H = 2
    N_WINDOWS = 3
    N_KNOWN = 4

# What the risk features need to know about an account's past approved payments (148 B). Windows
# are sliding-window counters: the current and previous fixed bucket, the previous one weighted by
# how much of it still lies inside the window. Narrow on purpose, and the executable spec
# (authcore/risk/reference.py) rounds the same way:
# - amounts, their running mean and M2, and the last position are float32 (M2 never below 0);
# - devices and IP networks are 32-bit fingerprints of their 64-bit hashes (fingerprint32), so two
#   hashes with the same fingerprint read as the same device;
# - times are uint32 seconds since 1970 (until 2106) and buckets int32 bucket numbers;
# - window counts are int32 (the velocity rules compare them with limits up to 10**9); device and
#   IP change counts are uint16 and saturate at 65535 within a 24 h bucket.
cdef packed struct BehaviourRow:
    float mean_amount             # running mean of approved amounts (yuan)
    float m2_amount               # Welford sum of squared deviations
    float last_lat                # NaN when unknown
    float last_lon
    uint32_t last_payment_s       # 0: none yet
    uint32_t created_s
    uint32_t devices[4]           # known device fingerprints, 0 = empty slot
    uint32_t ipnets[4]            # known IP network (/24, /48) fingerprints
    uint32_t last_device
    uint32_t last_ipnet
    int32_t window_bucket[3]
    int32_t change_bucket         # 24 h buckets of device and IP changes
    float window_amount[6]        # [window * 2 + 0] current bucket, + 1 previous
    int32_t window_count[6]
    int32_t n_payments
    int32_t overdue_events
    uint16_t device_changes[2]
    uint16_t ipnet_changes[2]
    int16_t device_slot
    int16_t ipnet_slot


cdef inline uint32_t fingerprint32(uint64_t h) noexcept nogil:
    """The 32-bit fingerprint of a 64-bit device or network hash; 0 stays 0 (none), and a nonzero
    hash never maps to 0."""
    cdef uint32_t f
    if h == 0:
        return 0
    f = <uint32_t>(h ^ (h >> 32))
    return f if f != 0 else 1
