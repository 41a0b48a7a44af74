# cython: language_level=3
"""Calendar arithmetic on day numbers (days since 1970-01-01), after Howard Hinnant's
civil_from_days. Used to find an account's local day and month without Python datetimes."""

from libc.stdint cimport int32_t, int64_t


cdef inline int64_t floor_div(int64_t a, int64_t b) noexcept nogil:
    cdef int64_t q = a // b
    # C division truncates toward zero; day numbers before 1970 must round down.
    if (a % b != 0) and ((a < 0) != (b < 0)):
        q -= 1
    return q


cdef inline int32_t local_day(int64_t now_s, int32_t utc_offset_s) noexcept nogil:
    return <int32_t>floor_div(now_s + utc_offset_s, 86400)


cdef inline int32_t month_of_day(int32_t day) noexcept nogil:
    """Month index year * 12 + (month - 1) of a day number."""
    cdef int64_t z = <int64_t>day + 719468
    cdef int64_t era = floor_div(z, 146097)
    cdef int64_t doe = z - era * 146097
    cdef int64_t yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    cdef int64_t y = yoe + era * 400
    cdef int64_t doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    cdef int64_t mp = (5 * doy + 2) // 153
    cdef int64_t m = mp + 3 if mp < 10 else mp - 9
    if m <= 2:
        y += 1
    return <int32_t>(y * 12 + (m - 1))
