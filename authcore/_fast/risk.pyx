# cython: language_level=3
"""Risk features and rules: the feature vector of a payment from the request and the account's
behaviour, the explicit rules of the policy over it, and the behaviour update of an approved
payment. The plain-Python executable spec is authcore/risk/reference.py."""

from libc.math cimport NAN, asin, cos, isnan, log1p, sin, sqrt
from libc.stdint cimport int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t

from authcore._fast.calendar cimport floor_div
from authcore._fast.decide cimport (
    B_IMPOSSIBLE_TRAVEL, B_MCC_BLOCKED, B_COUNTRY_BLOCKED, B_NEW_DEVICE_VERIFICATION, B_RISK_VERIFICATION,
    B_SUSPECTED_FRAUD, B_VELOCITY, Request,
)
from authcore._fast.state cimport N_KNOWN, N_WINDOWS, AccountRow, BehaviourRow, fingerprint32

cdef int64_t[3] WINDOW_S = [60, 3600, 86400]
cdef double EARTH_RADIUS_KM = 6371.0088
cdef double DEG = 0.017453292519943295


cdef inline uint64_t bit(int b) noexcept nogil:
    return (<uint64_t>1) << b


cdef inline int popcount4(int32_t x) noexcept nogil:
    return (x & 1) + ((x >> 1) & 1) + ((x >> 2) & 1) + ((x >> 3) & 1)


cdef inline double two_bucket(int64_t bucket_now, int64_t bucket, double current, double previous,
                              double elapsed) noexcept nogil:
    """Sliding-window counter: the current bucket plus the part of the previous one still inside."""
    if bucket_now == bucket:
        return current + previous * (1.0 - elapsed)
    if bucket_now == bucket + 1:
        return current * (1.0 - elapsed)
    return 0.0


cdef inline double haversine_km(double lat1, double lon1, double lat2, double lon2) noexcept nogil:
    cdef double dlat = (lat2 - lat1) * DEG, dlon = (lon2 - lon1) * DEG
    cdef double h = sin(dlat / 2) ** 2 + cos(lat1 * DEG) * cos(lat2 * DEG) * sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(sqrt(h))


cdef inline double novelty(uint32_t value, const uint32_t* known) noexcept nogil:
    """NaN without a value, 0 for the first one the account sees, else 1 unless known. value and
    known are fingerprints: a new device whose fingerprint matches a known one reads as known."""
    cdef int i
    cdef bint any_known = False
    if value == 0:
        return NAN
    for i in range(N_KNOWN):
        if known[i] == value:
            return 0.0
        if known[i] != 0:
            any_known = True
    return 1.0 if any_known else 0.0


cdef void assemble(const AccountRow* a, const BehaviourRow* b, const Request* r, const RiskInput* ri,
                   const double* mcc_risk, int32_t home_country, double* x) noexcept nogil:
    cdef double amount = r.amount / 100.0, sd, elapsed, since
    cdef int64_t now = r.now_s, bucket_now
    cdef int w
    x[X_AMOUNT] = amount
    x[X_LOG_AMOUNT] = log1p(amount)
    if b.n_payments >= 2:
        sd = sqrt(<double>b.m2_amount / (b.n_payments - 1))
        x[X_AMOUNT_ZSCORE] = (amount - b.mean_amount) / sd if sd > 0 else 0.0
    else:
        x[X_AMOUNT_ZSCORE] = NAN
    x[X_AMOUNT_TO_MEAN] = amount / b.mean_amount if b.n_payments >= 1 and b.mean_amount > 0 else NAN
    for w in range(N_WINDOWS):
        bucket_now = floor_div(now, WINDOW_S[w])
        elapsed = (now - bucket_now * WINDOW_S[w]) / <double>WINDOW_S[w]
        x[X_COUNT_1M + 2 * w] = two_bucket(bucket_now, b.window_bucket[w], b.window_count[2 * w],
                                           b.window_count[2 * w + 1], elapsed)
        x[X_AMOUNT_1M + 2 * w] = two_bucket(bucket_now, b.window_bucket[w], b.window_amount[2 * w],
                                            b.window_amount[2 * w + 1], elapsed)
    if b.n_payments >= 1:
        since = <double>(now - b.last_payment_s)
        x[X_SECONDS_SINCE_LAST] = since
    else:
        since = NAN
        x[X_SECONDS_SINCE_LAST] = NAN
    if isnan(ri.lat) or isnan(b.last_lat) or isnan(since):
        x[X_DISTANCE_KM] = NAN
        x[X_SPEED_KMH] = NAN
    else:
        # Both ends as the row keeps positions (float32, about a metre): the same place is 0 km.
        x[X_DISTANCE_KM] = haversine_km(b.last_lat, b.last_lon, <float>ri.lat, <float>ri.lon)
        x[X_SPEED_KMH] = x[X_DISTANCE_KM] / ((since if since > 1.0 else 1.0) / 3600.0)
    x[X_NEW_DEVICE] = novelty(fingerprint32(ri.device), b.devices)
    x[X_NEW_IP_NETWORK] = novelty(fingerprint32(ri.ipnet), b.ipnets)
    bucket_now = floor_div(now, 86400)
    elapsed = (now - bucket_now * 86400) / 86400.0
    x[X_DEVICE_CHANGES_24H] = two_bucket(bucket_now, b.change_bucket, b.device_changes[0], b.device_changes[1],
                                         elapsed)
    x[X_IP_CHANGES_24H] = two_bucket(bucket_now, b.change_bucket, b.ipnet_changes[0], b.ipnet_changes[1], elapsed)
    x[X_MCC_RISK] = mcc_risk[ri.mcc] if ri.mcc >= 0 else 0.0
    x[X_LOCAL_HOUR] = <double>(floor_div(now + a.utc_offset_s, 3600) - floor_div(now + a.utc_offset_s, 86400) * 24)
    x[X_CHANNEL] = r.channel + 1
    x[X_QR_TYPE] = r.qr
    x[X_VERIFICATION_STRENGTH] = popcount4(r.factors)
    x[X_ACCOUNT_AGE_DAYS] = (now - b.created_s) / 86400.0
    x[X_CREDIT_UTILISATION] = (a.posted + a.held) / <double>a.limit if a.limit > 0 else NAN
    x[X_OVERDUE_EVENTS] = b.overdue_events
    x[X_FOREIGN_MERCHANT] = NAN if ri.country == 0 else (1.0 if ri.country != home_country else 0.0)


cdef uint64_t rule_bits(const double* x, const Request* r, const RiskInput* ri, const RiskParams* p,
                        const uint8_t* mcc_blocked, const uint8_t* country_blocked) noexcept nogil:
    cdef uint64_t failed = 0
    if ri.mcc >= 0 and mcc_blocked[ri.mcc]:
        failed |= bit(B_MCC_BLOCKED)
    if ri.country > 0 and country_blocked[ri.country]:
        failed |= bit(B_COUNTRY_BLOCKED)
    if (p.max_per_minute > 0 and x[X_COUNT_1M] + 1.0 > p.max_per_minute) or (
            p.max_per_hour > 0 and x[X_COUNT_1H] + 1.0 > p.max_per_hour):
        failed |= bit(B_VELOCITY)
    if not isnan(x[X_DISTANCE_KM]) and x[X_DISTANCE_KM] >= p.min_distance_km and x[X_SPEED_KMH] > p.max_speed_kmh:
        failed |= bit(B_IMPOSSIBLE_TRAVEL)
    if x[X_NEW_DEVICE] == 1.0 and r.amount >= p.new_device_challenge_minor and popcount4(r.factors) < 2:
        failed |= bit(B_NEW_DEVICE_VERIFICATION)
    return failed


cdef uint64_t score_bits(double score, int32_t factors, const RiskParams* p) noexcept nogil:
    """The model's verdict: decline above the decline score; between the two scores, ask for a
    second factor unless the customer already gave two."""
    if isnan(score):
        return 0
    if score >= p.decline_score:
        return bit(B_SUSPECTED_FRAUD)
    if score >= p.challenge_score and popcount4(factors) < 2:
        return bit(B_RISK_VERIFICATION)
    return 0


ctypedef fused tally:
    float
    int32_t
    uint16_t


cdef inline void add_to_buckets(int64_t bucket_now, int64_t* bucket, tally* pair, double value) noexcept nogil:
    """Add to a sliding-window counter: pair[0] is the current bucket, pair[1] the previous. The
    sum is taken in double and stored rounded to float32 (amounts), or saturated at 65535 (uint16
    change counts)."""
    cdef double total
    if bucket_now == bucket[0] + 1:
        pair[1] = pair[0]
        total = value
        bucket[0] = bucket_now
    elif bucket_now > bucket[0] + 1:
        pair[1] = 0
        total = value
        bucket[0] = bucket_now
    else:
        total = pair[0] + value
    if tally is uint16_t:
        pair[0] = <uint16_t>(total if total < 65535.0 else 65535.0)
    else:
        pair[0] = <tally>total


cdef inline void enrol(uint32_t value, uint32_t* known, int16_t* slot) noexcept nogil:
    cdef int i
    for i in range(N_KNOWN):
        if known[i] == value:
            return
    known[slot[0]] = value
    slot[0] = (slot[0] + 1) % N_KNOWN


cdef void remember(BehaviourRow* b, const Request* r, const RiskInput* ri) noexcept nogil:
    """Fold an approved payment into the account's behaviour."""
    cdef double amount = r.amount / 100.0, delta, m2
    cdef int64_t now = r.now_s, bucket_now, bucket
    cdef int w
    cdef uint32_t device = fingerprint32(ri.device), ipnet = fingerprint32(ri.ipnet)
    b.n_payments += 1
    delta = amount - b.mean_amount
    b.mean_amount = <float>(b.mean_amount + delta / b.n_payments)
    # float32 rounding of the mean can leave the first term a hair below 0: M2 never goes negative.
    m2 = b.m2_amount + delta * (amount - b.mean_amount)
    b.m2_amount = <float>(m2 if m2 > 0.0 else 0.0)
    for w in range(N_WINDOWS):
        bucket_now = floor_div(now, WINDOW_S[w])
        bucket = b.window_bucket[w]
        add_to_buckets(bucket_now, &bucket, &b.window_amount[2 * w], amount)
        bucket = b.window_bucket[w]
        add_to_buckets(bucket_now, &bucket, &b.window_count[2 * w], 1.0)
        b.window_bucket[w] = <int32_t>bucket
    b.last_payment_s = <uint32_t>now
    b.last_lat = <float>ri.lat
    b.last_lon = <float>ri.lon
    bucket_now = floor_div(now, 86400)
    bucket = b.change_bucket
    add_to_buckets(bucket_now, &bucket, b.device_changes, 1.0 if (device != 0 and b.last_device != 0
                                                                  and device != b.last_device) else 0.0)
    bucket = b.change_bucket
    add_to_buckets(bucket_now, &bucket, b.ipnet_changes, 1.0 if (ipnet != 0 and b.last_ipnet != 0
                                                                 and ipnet != b.last_ipnet) else 0.0)
    b.change_bucket = <int32_t>bucket
    if device != 0:
        b.last_device = device
        enrol(device, b.devices, &b.device_slot)
    if ipnet != 0:
        b.last_ipnet = ipnet
        enrol(ipnet, b.ipnets, &b.ipnet_slot)
