# cython: language_level=3
"""The compiled ledger's Book as other compiled modules see it (authcore._fast.path decides a
payment on it without going through Python)."""

from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t

from authcore._fast.decide cimport Outcome, Request
from authcore._fast.models cimport Scorer
from authcore._fast.risk cimport RiskInput, RiskParams
from authcore._fast.state cimport AccountRow, BehaviourRow, ProfileRow


cdef class Book:

    cdef readonly object accounts
    cdef readonly object profiles
    cdef readonly object behaviour
    cdef AccountRow* acc
    cdef ProfileRow* prof
    cdef BehaviourRow* beh
    cdef Py_ssize_t n_acc
    cdef Py_ssize_t n_prof
    # Risk: policy tables and thresholds, the model, and the last decision's features.
    cdef object _risk_tables
    cdef const double* mcc_risk
    cdef const uint8_t* mcc_blocked
    cdef const uint8_t* country_blocked
    cdef RiskParams params
    cdef readonly Scorer scorer
    cdef readonly object features
    cdef readonly object contributions
    cdef double* x
    cdef double* contrib

    cdef AccountRow* row(self, Py_ssize_t slot) except NULL
    cdef int fill(self, Request* r, int32_t channel, int64_t amount, int32_t currency,
                  int32_t qr, int32_t factors, int64_t now_s) except -1
    cdef int risk_input(self, RiskInput* ri, uint64_t device, uint64_t ipnet, double lat, double lon,
                        int32_t mcc, int32_t country) except -1
    cdef void evaluate(self, Py_ssize_t slot, const Request* r, const RiskInput* ri, Outcome* o) noexcept nogil
    cdef void book_approved(self, Py_ssize_t slot, const Request* r, const RiskInput* ri, Outcome* o) noexcept nogil
