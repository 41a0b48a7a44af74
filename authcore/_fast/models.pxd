# cython: language_level=3
from libc.stdint cimport int16_t, int32_t, uint8_t

cdef enum:
    # Node flags.
    NF_DEFAULT_LEFT = 1
    NF_MISSING_ZERO = 2      # LightGBM missing_type Zero: |x| <= 1e-35 (and NaN) takes the default side
    NF_MISSING_NAN = 4       # LightGBM missing_type NaN: NaN takes the default side
    NF_STRICT_LESS = 8       # XGBoost: left when x < threshold, NaN takes the default side
    NF_NAN_LEFT = 16         # where NaN goes (set at load from the library's rules), for the fast path
    NF_LEAF = 32             # a leaf: its own child, so that every walk can take the same number of steps
    # Links from margin to probability.
    LINK_SIGMOID = 1
    LINK_SIGMOID_F32 = 2     # XGBoost binary:logistic, computed in float32 as XGBoost does


cdef class Scorer:
    """A compiled transaction model over the feature schema: margin, probability, contributions."""
    cdef readonly int32_t n_features
    cdef readonly str version
    cdef double margin(self, const double* x, double* contrib) noexcept nogil
    cdef double probability(self, double margin) noexcept nogil


# One tree node in 16 bytes. Children are adjacent: left at `left`, right at `left + 1`. A leaf
# (flag NF_LEAF) points at itself, with threshold +inf and nan_flip 1 so that every value stays;
# leaf values are in the ensemble's `mean` array.
cdef packed struct Node:
    double threshold
    int32_t left
    int16_t feature
    uint8_t flags
    uint8_t nan_flip     # 1 where a NaN, which fails the comparison, must go left instead


cdef class TreeEnsemble(Scorer):
    cdef object _arrays
    cdef const Node* nodes
    cdef const double* mean
    cdef const int32_t* roots
    cdef const int32_t* depths
    cdef int32_t n_trees
    cdef double base_margin
    cdef double sigmoid_scale
    cdef int link
    cdef bint float32
    cdef bint plain          # no zero-as-missing node: the specialised walk applies
    cdef int32_t step(self, int32_t node, const double* x, double* contrib) noexcept nogil


cdef class LinearModel(Scorer):
    cdef object _arrays
    cdef const double* coef
    cdef const double* fill
    cdef double intercept
