# cython: language_level=3
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t

from authcore._fast.decide cimport Request
from authcore._fast.state cimport AccountRow, BehaviourRow

cdef enum:
    N_FEATURES = 26
    # Feature indices (authcore/risk/features.py names them).
    X_AMOUNT = 0
    X_LOG_AMOUNT = 1
    X_AMOUNT_ZSCORE = 2
    X_AMOUNT_TO_MEAN = 3
    X_COUNT_1M = 4
    X_AMOUNT_1M = 5
    X_COUNT_1H = 6
    X_AMOUNT_1H = 7
    X_COUNT_24H = 8
    X_AMOUNT_24H = 9
    X_SECONDS_SINCE_LAST = 10
    X_DISTANCE_KM = 11
    X_SPEED_KMH = 12
    X_NEW_DEVICE = 13
    X_NEW_IP_NETWORK = 14
    X_DEVICE_CHANGES_24H = 15
    X_IP_CHANGES_24H = 16
    X_MCC_RISK = 17
    X_LOCAL_HOUR = 18
    X_CHANNEL = 19
    X_QR_TYPE = 20
    X_VERIFICATION_STRENGTH = 21
    X_ACCOUNT_AGE_DAYS = 22
    X_CREDIT_UTILISATION = 23
    X_OVERDUE_EVENTS = 24
    X_FOREIGN_MERCHANT = 25
    N_MCC = 10000
    N_COUNTRY = 677     # 0 unknown, 1 + (A-Z) * 26 + (A-Z)

cdef struct RiskInput:
    uint64_t device       # 0: no device id
    uint64_t ipnet        # 0: no IP
    double lat            # NaN: unknown
    double lon
    int32_t mcc           # -1: unknown
    int32_t country       # 0: unknown

cdef struct RiskParams:
    double challenge_score
    double decline_score
    double max_speed_kmh
    double min_distance_km
    int64_t new_device_challenge_minor
    int64_t stand_in_max_minor
    int32_t max_per_minute
    int32_t max_per_hour
    int32_t home_country

cdef void assemble(const AccountRow* a, const BehaviourRow* b, const Request* r, const RiskInput* ri,
                   const double* mcc_risk, int32_t home_country, double* x) noexcept nogil
cdef uint64_t rule_bits(const double* x, const Request* r, const RiskInput* ri, const RiskParams* p,
                        const uint8_t* mcc_blocked, const uint8_t* country_blocked) noexcept nogil
cdef uint64_t score_bits(double score, int32_t factors, const RiskParams* p) noexcept nogil
cdef void remember(BehaviourRow* b, const Request* r, const RiskInput* ri) noexcept nogil
