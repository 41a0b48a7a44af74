# cython: language_level=3
from libc.stdint cimport int32_t, uint8_t

cdef enum:
    # Node flags.
    NF_DEFAULT_LEFT = 1
    NF_MISSING_ZERO = 2      # LightGBM missing_type Zero: |x| <= 1e-35 (and NaN) takes the default side
    NF_MISSING_NAN = 4       # LightGBM missing_type NaN: NaN takes the default side
    NF_STRICT_LESS = 8       # XGBoost: left when x < threshold, NaN takes the default side
    # Links from margin to probability.
    LINK_SIGMOID = 1
    LINK_SIGMOID_F32 = 2     # XGBoost binary:logistic, computed in float32 as XGBoost does


cdef class Scorer:
    """A compiled transaction model over the feature schema: margin, probability, contributions."""
    cdef readonly int32_t n_features
    cdef readonly str version
    cdef double margin(self, const double* x, double* contrib) noexcept nogil
    cdef double probability(self, double margin) noexcept nogil


cdef class TreeEnsemble(Scorer):
    cdef object _arrays
    cdef const int32_t* feature
    cdef const double* threshold
    cdef const int32_t* left
    cdef const int32_t* right
    cdef const uint8_t* flags
    cdef const double* value
    cdef const double* mean
    cdef const int32_t* roots
    cdef int32_t n_trees
    cdef double base_margin
    cdef double sigmoid_scale
    cdef int link
    cdef bint float32


cdef class LinearModel(Scorer):
    cdef object _arrays
    cdef const double* coef
    cdef const double* fill
    cdef double intercept
