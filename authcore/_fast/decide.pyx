# cython: language_level=3
"""The authorization decision: every check of a payment against its account, its limit
profile and the channel rules, in precedence order, with no Python objects and no allocation.

The plain-Python executable spec of the same decision is authcore/decision/reference.py."""

from libc.math cimport NAN
from libc.stdint cimport INT64_MAX, int32_t, int64_t, uint64_t

from authcore._fast.calendar cimport local_day, month_of_day
from authcore._fast.state cimport (
    CH_QUICK, CH_SCAN, F_BIOMETRIC, F_CERTIFICATE, F_PASSWORD, HF_QUICK_UNVERIFIED,
    HF_STATIC_QR, N_CHANNELS, QR_DYNAMIC, QR_STATIC, ST_CLOSED, ST_FROZEN, AccountRow,
    ProfileRow,
)


cdef inline int64_t min64(int64_t a, int64_t b) noexcept nogil:
    return a if a < b else b


cdef inline int64_t max64(int64_t a, int64_t b) noexcept nogil:
    return a if a > b else b


cdef inline int popcount4(int32_t x) noexcept nogil:
    return (x & 1) + ((x >> 1) & 1) + ((x >> 2) & 1) + ((x >> 3) & 1)


cdef inline uint64_t bit(int b) noexcept nogil:
    return (<uint64_t>1) << b


cdef inline int64_t amount_window(int64_t limit, int64_t used, int64_t amount, int b,
                                  uint64_t* failed, int64_t headroom) noexcept nogil:
    """Check used + amount <= limit without overflow; return the headroom narrowed by it."""
    cdef int64_t remaining = max64(0, limit - used)
    if amount > remaining:
        failed[0] |= bit(b)
    return min64(headroom, remaining)


cdef void decide(const AccountRow* a, const ProfileRow* p, const Request* r, Outcome* o) noexcept nogil:
    cdef uint64_t failed = 0
    cdef bint blocked = False           # a failure no smaller amount could pass
    # The largest amount the amount checks allow, before this payment's own hold: it becomes
    # max_approvable_minor, on an approved answer too (AuthorizeResponse in authorization.proto).
    cdef int64_t headroom = INT64_MAX
    cdef int32_t ch = r.channel
    cdef int32_t day = local_day(r.now_s, a.utc_offset_s)
    cdef int32_t month = month_of_day(day)
    cdef bint same_day = a.day_index == day
    cdef bint same_month = a.month_index == month
    cdef int64_t amount = r.amount
    cdef int64_t available = a.limit - a.posted - a.held
    cdef int64_t day_amount = a.day_amount if same_day else 0
    cdef int64_t day_count = a.day_count if same_day else 0
    cdef int64_t month_amount = a.month_amount if same_month else 0
    cdef int64_t month_count = a.month_count if same_month else 0
    cdef int64_t ch_day_amount = a.channel_day_amount[ch] if same_day else 0
    cdef int64_t ch_day_count = a.channel_day_count[ch] if same_day else 0
    cdef int64_t ch_month_amount = a.channel_month_amount[ch] if same_month else 0
    cdef int64_t ch_month_count = a.channel_month_count[ch] if same_month else 0
    cdef int64_t used, cap, best
    cdef int nfactors
    cdef int32_t flags = 0

    # Account state.
    if a.status == ST_CLOSED:
        failed |= bit(B_ACCOUNT_CLOSED)
    if a.status == ST_FROZEN:
        failed |= bit(B_ACCOUNT_FROZEN)
    if a.overdue > 0:
        failed |= bit(B_ACCOUNT_FROZEN_OVERDUE)
    if p.channel_allowed[ch] == 0:
        failed |= bit(B_CHANNEL_NOT_ALLOWED)
    if r.currency != a.currency:
        failed |= bit(B_CURRENCY_NOT_SUPPORTED)
    if failed:
        blocked = True

    # Credit line.
    headroom = amount_window(available, 0, amount, B_INSUFFICIENT_CREDIT, &failed, headroom)

    # Account limits.
    headroom = amount_window(p.per_transaction, 0, amount, B_TRANSACTION_LIMIT, &failed, headroom)
    headroom = amount_window(p.daily_amount, day_amount, amount, B_DAILY_AMOUNT, &failed, headroom)
    if day_count >= p.daily_count:
        failed |= bit(B_DAILY_COUNT)
        blocked = True
    headroom = amount_window(p.monthly_amount, month_amount, amount, B_MONTHLY_AMOUNT, &failed, headroom)
    if month_count >= p.monthly_count:
        failed |= bit(B_MONTHLY_COUNT)
        blocked = True

    # Channel limits.
    headroom = amount_window(p.channel_per_transaction[ch], 0, amount, B_CHANNEL_TRANSACTION_LIMIT,
                             &failed, headroom)
    headroom = amount_window(p.channel_daily_amount[ch], ch_day_amount, amount, B_CHANNEL_DAILY_AMOUNT,
                             &failed, headroom)
    if ch_day_count >= p.channel_daily_count[ch]:
        failed |= bit(B_CHANNEL_DAILY_COUNT)
        blocked = True
    headroom = amount_window(p.channel_monthly_amount[ch], ch_month_amount, amount,
                             B_CHANNEL_MONTHLY_AMOUNT, &failed, headroom)
    if ch_month_count >= p.channel_monthly_count[ch]:
        failed |= bit(B_CHANNEL_MONTHLY_COUNT)
        blocked = True

    # PBOC barcode-payment rules: static codes have their own daily total; dynamic codes count
    # every scan-to-pay payment of the day against the cap of the verification level.
    if ch == CH_SCAN and r.qr == QR_STATIC:
        used = a.static_qr_day_amount if same_day else 0
        headroom = amount_window(p.static_qr_daily, used, amount, B_SCAN_STATIC_QR_DAILY, &failed, headroom)
        flags |= HF_STATIC_QR
    elif ch == CH_SCAN and r.qr == QR_DYNAMIC:
        nfactors = popcount4(r.factors)
        if nfactors >= 2 and (r.factors & F_CERTIFICATE):
            cap = p.dynamic_qr_level_a_daily
        elif nfactors >= 2:
            cap = p.dynamic_qr_level_b_daily
        else:
            cap = p.dynamic_qr_level_c_daily
        best = max64(p.dynamic_qr_level_a_daily, p.dynamic_qr_level_b_daily)
        best = max64(best, p.dynamic_qr_level_c_daily)
        if amount > max64(0, best - ch_day_amount):
            failed |= bit(B_SCAN_DYNAMIC_QR_DAILY)
        elif amount > max64(0, cap - ch_day_amount):
            failed |= bit(B_SCAN_QR_VERIFICATION)
        headroom = min64(headroom, max64(0, cap - ch_day_amount))

    # Quick-pay without PIN or biometric: small amounts only, above that the customer verifies.
    if ch == CH_QUICK and (r.factors & (F_PASSWORD | F_BIOMETRIC)) == 0:
        used = a.quick_unverified_day_amount if same_day else 0
        cap = min64(p.quick_unverified_per_transaction, max64(0, p.quick_unverified_daily - used))
        if amount > cap:
            failed |= bit(B_QUICK_PAY_VERIFICATION)
        headroom = min64(headroom, cap)
        flags |= HF_QUICK_UNVERIFIED

    o.failed = failed
    o.max_approvable = 0 if blocked else max64(0, headroom)
    o.available = available
    o.day_index = day
    o.month_index = month
    o.flags = flags
    o.score = NAN
    finish(o)


# Risk findings after which no smaller amount would pass either.
cdef uint64_t BLOCKING_RISK = (bit(B_MCC_BLOCKED) | bit(B_COUNTRY_BLOCKED) | bit(B_VELOCITY)
                               | bit(B_IMPOSSIBLE_TRAVEL) | bit(B_SUSPECTED_FRAUD))


cdef void finish(Outcome* o) noexcept nogil:
    """The decision from the failure mask: any decline bit declines; otherwise any challenge
    bit challenges (verifying would let the payment through)."""
    if o.failed & (bit(FIRST_CHALLENGE_BIT) - 1):
        o.decision = D_DECLINED
    elif o.failed:
        o.decision = D_CHALLENGE
    else:
        o.decision = D_APPROVED
    if o.failed & BLOCKING_RISK:
        o.max_approvable = 0


cdef void apply_approval(AccountRow* a, const Request* r, const Outcome* o) noexcept nogil:
    """Book an approved payment: the hold and every window it counts in."""
    cdef int i
    cdef int32_t ch = r.channel
    if a.day_index != o.day_index:
        a.day_index = o.day_index
        a.day_amount = 0
        a.day_count = 0
        a.static_qr_day_amount = 0
        a.quick_unverified_day_amount = 0
        for i in range(N_CHANNELS):
            a.channel_day_amount[i] = 0
            a.channel_day_count[i] = 0
    if a.month_index != o.month_index:
        a.month_index = o.month_index
        a.month_amount = 0
        a.month_count = 0
        for i in range(N_CHANNELS):
            a.channel_month_amount[i] = 0
            a.channel_month_count[i] = 0
    a.held += r.amount
    a.day_amount += r.amount
    a.day_count += 1
    a.month_amount += r.amount
    a.month_count += 1
    a.channel_day_amount[ch] += r.amount
    a.channel_day_count[ch] += 1
    a.channel_month_amount[ch] += r.amount
    a.channel_month_count[ch] += 1
    if o.flags & HF_STATIC_QR:
        a.static_qr_day_amount += r.amount
    if o.flags & HF_QUICK_UNVERIFIED:
        a.quick_unverified_day_amount += r.amount


cdef void release_windows(AccountRow* a, int32_t channel, int64_t amount, int32_t count,
                          int32_t flags, int32_t day_index, int32_t month_index) noexcept nogil:
    """Take back what a hold counted in its day and month windows, if they are still current:
    a voided or expired payment no longer uses the customer's daily limit."""
    if a.day_index == day_index:
        a.day_amount -= amount
        a.day_count -= count
        a.channel_day_amount[channel] -= amount
        a.channel_day_count[channel] -= count
        if flags & HF_STATIC_QR:
            a.static_qr_day_amount -= amount
        if flags & HF_QUICK_UNVERIFIED:
            a.quick_unverified_day_amount -= amount
    if a.month_index == month_index:
        a.month_amount -= amount
        a.month_count -= count
        a.channel_month_amount[channel] -= amount
        a.channel_month_count[channel] -= count


# For tests that hold this order and authcore/decision/reasons.py together.
CHECK_COUNT = N_CHECKS
CHALLENGE_FROM_BIT = FIRST_CHALLENGE_BIT
