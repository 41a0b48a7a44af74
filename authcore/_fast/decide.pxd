# cython: language_level=3
from libc.stdint cimport int32_t, int64_t, uint64_t

from authcore._fast.state cimport AccountRow, ProfileRow

# Bit i of a failure mask is check i, in precedence order. authcore/decision/reasons.py maps each bit
# to its proto Reason; tests/test_reasons.py holds the two orders together.
cdef enum:
    B_ACCOUNT_CLOSED = 0
    B_ACCOUNT_FROZEN = 1
    B_ACCOUNT_FROZEN_OVERDUE = 2
    B_CHANNEL_NOT_ALLOWED = 3
    B_CURRENCY_NOT_SUPPORTED = 4
    B_INSUFFICIENT_CREDIT = 5
    B_TRANSACTION_LIMIT = 6
    B_DAILY_AMOUNT = 7
    B_DAILY_COUNT = 8
    B_MONTHLY_AMOUNT = 9
    B_MONTHLY_COUNT = 10
    B_CHANNEL_TRANSACTION_LIMIT = 11
    B_CHANNEL_DAILY_AMOUNT = 12
    B_CHANNEL_DAILY_COUNT = 13
    B_CHANNEL_MONTHLY_AMOUNT = 14
    B_CHANNEL_MONTHLY_COUNT = 15
    B_SCAN_STATIC_QR_DAILY = 16
    B_SCAN_DYNAMIC_QR_DAILY = 17
    B_MCC_BLOCKED = 18
    B_COUNTRY_BLOCKED = 19
    B_VELOCITY = 20
    B_IMPOSSIBLE_TRAVEL = 21
    B_SUSPECTED_FRAUD = 22
    B_STAND_IN_LIMIT = 23
    B_SCAN_QR_VERIFICATION = 24
    B_QUICK_PAY_VERIFICATION = 25
    B_NEW_DEVICE_VERIFICATION = 26
    B_RISK_VERIFICATION = 27
    N_CHECKS = 28
    # Bits below this one decline; the others challenge.
    FIRST_CHALLENGE_BIT = 24
    # Decision values (proto Decision).
    D_APPROVED = 1
    D_DECLINED = 2
    D_CHALLENGE = 3

cdef struct Request:
    int64_t amount
    int64_t now_s
    int32_t channel      # 0..2
    int32_t currency     # ISO 4217 numeric
    int32_t qr           # QrCodeType
    int32_t factors      # verification factor bits
    int32_t stand_in     # decide without the model, under the stand-in amount (StandInCause)

cdef struct Outcome:
    uint64_t failed
    double score          # model probability; NaN without a model
    int64_t max_approvable
    int64_t available
    int32_t decision
    int32_t day_index
    int32_t month_index
    int32_t flags

cdef void decide(const AccountRow* a, const ProfileRow* p, const Request* r, Outcome* o) noexcept nogil
cdef void finish(Outcome* o) noexcept nogil
cdef void apply_approval(AccountRow* a, const Request* r, const Outcome* o) noexcept nogil
cdef void release_windows(AccountRow* a, int32_t channel, int64_t amount, int32_t count,
                          int32_t flags, int32_t day_index, int32_t month_index) noexcept nogil
