# cython: language_level=3
"""Compiled evaluators for transaction models: gradient-boosted tree ensembles (LightGBM and
XGBoost semantics, trees packed into flat arrays) and logistic regression. authcore/models.py
loads the libraries' model files into them; tests/test_model_parity.py holds them to the
libraries' own predictions."""

import numpy as np

from libc.math cimport exp, expf, fabs, isnan, logf
from libc.stdint cimport int32_t, uint8_t, uintptr_t


def logistic_margin_f32(float base_score):
    """XGBoost's margin of a base score for logistic objectives, in float32 with the C library's
    logf (numpy's vectorised float32 log can differ in the last bit)."""
    return <double>(-logf(<float>1.0 / base_score - <float>1.0))


cdef inline uintptr_t _addr(a):
    return <uintptr_t>a.ctypes.data


cdef class Scorer:
    cdef double margin(self, const double* x, double* contrib) noexcept nogil:
        return 0.0

    cdef double probability(self, double margin) noexcept nogil:
        return 1.0 / (1.0 + exp(-margin))

    def predict(self, const double[:, ::1] X, bint raw=False):
        """Scores of many rows (for tests and batch use): margins if raw, else probabilities."""
        if X.shape[1] != self.n_features:
            raise ValueError(f"rows must have {self.n_features} features, not {X.shape[1]}")
        out = np.empty(X.shape[0], dtype=np.float64)
        cdef double[::1] o = out
        cdef Py_ssize_t i
        cdef double m
        for i in range(X.shape[0]):
            m = self.margin(&X[i, 0], NULL)
            o[i] = m if raw else self.probability(m)
        return out

    def explain(self, const double[::1] x):
        """(margin, contributions per feature) of one row."""
        if x.shape[0] != self.n_features:
            raise ValueError(f"a row must have {self.n_features} features")
        contrib = np.zeros(self.n_features, dtype=np.float64)
        cdef double[::1] c = contrib
        cdef double m = self.margin(&x[0], &c[0])
        return m, contrib


cdef class TreeEnsemble(Scorer):
    """Trees as flat arrays; children are absolute node indices; a leaf has feature -1."""

    def __init__(self, feature, threshold, left, right, flags, value, mean, roots, double base_margin,
                 int link, double sigmoid_scale, int32_t n_features, bint float32, str version):
        arrays = dict(
            feature=np.ascontiguousarray(feature, dtype=np.int32),
            threshold=np.ascontiguousarray(threshold, dtype=np.float64),
            left=np.ascontiguousarray(left, dtype=np.int32),
            right=np.ascontiguousarray(right, dtype=np.int32),
            flags=np.ascontiguousarray(flags, dtype=np.uint8),
            value=np.ascontiguousarray(value, dtype=np.float64),
            mean=np.ascontiguousarray(mean, dtype=np.float64),
            roots=np.ascontiguousarray(roots, dtype=np.int32),
        )
        n = arrays["feature"].shape[0]
        if any(a.shape[0] != n for k, a in arrays.items() if k != "roots"):
            raise ValueError("node arrays differ in length")
        f, l, r = arrays["feature"], arrays["left"], arrays["right"]
        internal = f >= 0
        if (f[internal] >= n_features).any():
            raise ValueError("a split uses a feature outside the schema")
        if ((l[internal] < 0) | (l[internal] >= n) | (r[internal] < 0) | (r[internal] >= n)).any():
            raise ValueError("a child index is out of range")
        # Children come after their parent, so evaluation always terminates.
        idx = np.nonzero(internal)[0]
        if ((l[internal] <= idx) | (r[internal] <= idx)).any():
            raise ValueError("children must follow their parent")
        roots_ = arrays["roots"]
        if ((roots_ < 0) | (roots_ >= n)).any():
            raise ValueError("a tree root is out of range")
        self._arrays = arrays
        self.feature = <const int32_t*>_addr(arrays["feature"])
        self.threshold = <const double*>_addr(arrays["threshold"])
        self.left = <const int32_t*>_addr(arrays["left"])
        self.right = <const int32_t*>_addr(arrays["right"])
        self.flags = <const uint8_t*>_addr(arrays["flags"])
        self.value = <const double*>_addr(arrays["value"])
        self.mean = <const double*>_addr(arrays["mean"])
        self.roots = <const int32_t*>_addr(arrays["roots"])
        self.n_trees = roots_.shape[0]
        self.base_margin = base_margin
        self.link = link
        self.sigmoid_scale = sigmoid_scale
        self.n_features = n_features
        self.float32 = float32
        self.version = version

    @property
    def n_trees(self):
        return self.n_trees

    @property
    def n_nodes(self):
        return self._arrays["feature"].shape[0]

    cdef double margin(self, const double* x, double* contrib) noexcept nogil:
        cdef int32_t t, node, nxt, f
        cdef double v, total = self.base_margin
        cdef float v32, total32 = <float>self.base_margin
        cdef uint8_t fl
        for t in range(self.n_trees):
            node = self.roots[t]
            while self.feature[node] >= 0:
                f = self.feature[node]
                fl = self.flags[node]
                v = x[f]
                if fl & NF_STRICT_LESS:
                    # XGBoost: features and thresholds are float32.
                    if isnan(v):
                        nxt = self.left[node] if fl & NF_DEFAULT_LEFT else self.right[node]
                    else:
                        v32 = <float>v
                        nxt = self.left[node] if v32 < <float>self.threshold[node] else self.right[node]
                else:
                    # LightGBM NumericalDecision.
                    if isnan(v) and not (fl & NF_MISSING_NAN):
                        v = 0.0
                    if ((fl & NF_MISSING_ZERO) and fabs(v) <= 1e-35) or ((fl & NF_MISSING_NAN) and isnan(v)):
                        nxt = self.left[node] if fl & NF_DEFAULT_LEFT else self.right[node]
                    else:
                        nxt = self.left[node] if v <= self.threshold[node] else self.right[node]
                if contrib != NULL:
                    contrib[f] += self.mean[nxt] - self.mean[node]
                node = nxt
            if self.float32:
                total32 = total32 + <float>self.value[node]
            else:
                total += self.value[node]
        return <double>total32 if self.float32 else total

    cdef double probability(self, double margin) noexcept nogil:
        cdef float m32, denom
        if self.link == LINK_SIGMOID_F32:
            # As XGBoost's common::Sigmoid: every step in float32.
            m32 = -<float>margin
            if m32 > <float>88.7:
                m32 = <float>88.7
            denom = expf(m32) + <float>1.0
            return <double>(<float>1.0 / denom)
        return 1.0 / (1.0 + exp(-self.sigmoid_scale * margin))

    def root_means(self):
        """Sum of the trees' root means: the expected margin that contributions start from."""
        means = self._arrays["mean"]
        return float(self.base_margin + means[self._arrays["roots"]].sum())


cdef class LinearModel(Scorer):
    """Logistic regression: margin = intercept + sum(coef * x); a NaN feature takes its fill value."""

    def __init__(self, coef, fill, double intercept, str version):
        arrays = dict(coef=np.ascontiguousarray(coef, dtype=np.float64),
                      fill=np.ascontiguousarray(fill, dtype=np.float64))
        if arrays["coef"].shape != arrays["fill"].shape or arrays["coef"].ndim != 1:
            raise ValueError("coef and fill must be vectors of the same length")
        self._arrays = arrays
        self.coef = <const double*>_addr(arrays["coef"])
        self.fill = <const double*>_addr(arrays["fill"])
        self.intercept = intercept
        self.n_features = arrays["coef"].shape[0]
        self.version = version

    cdef double margin(self, const double* x, double* contrib) noexcept nogil:
        cdef double total = self.intercept, term, v
        cdef int32_t i
        for i in range(self.n_features):
            v = x[i]
            if isnan(v):
                v = self.fill[i]
            term = self.coef[i] * v
            total += term
            if contrib != NULL:
                contrib[i] += term
        return total
