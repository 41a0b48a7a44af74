# cython: language_level=3
"""Compiled evaluators for transaction models: gradient-boosted tree ensembles (LightGBM and
XGBoost semantics, trees packed into flat arrays) and logistic regression. authcore/risk/models.py
loads the libraries' model files into them; tests/test_model_parity.py holds them to the
libraries' own predictions."""

import numpy as np

from libc.math cimport exp, expf, fabs, isnan, logf
from libc.stdint cimport int16_t, int32_t, uint8_t, uintptr_t


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

    def score(self, const double[::1] x):
        """The probability of one row."""
        if x.shape[0] != self.n_features:
            raise ValueError(f"a row must have {self.n_features} features")
        return self.probability(self.margin(&x[0], NULL))

    def explain(self, const double[::1] x):
        """(margin, contributions per feature) of one row."""
        if x.shape[0] != self.n_features:
            raise ValueError(f"a row must have {self.n_features} features")
        contrib = np.zeros(self.n_features, dtype=np.float64)
        cdef double[::1] c = contrib
        cdef double m = self.margin(&x[0], &c[0])
        return m, contrib


cdef enum:
    LANES = 16


NODE_DTYPE = np.dtype({"names": ["threshold", "left", "feature", "flags", "nan_flip"],
                       "formats": ["<f8", "<i4", "<i2", "u1", "u1"], "offsets": [0, 8, 12, 14, 15], "itemsize": 16})


cdef class TreeEnsemble(Scorer):
    """Trees as one array of 16-byte nodes, siblings adjacent, roots listed in `roots`."""

    def __init__(self, nodes, mean, roots, depths, double base_margin, int link, double sigmoid_scale,
                 int32_t n_features, bint float32, str version):
        if sizeof(Node) != NODE_DTYPE.itemsize:
            raise RuntimeError("node layout mismatch")
        nodes = np.ascontiguousarray(nodes, dtype=NODE_DTYPE)
        arrays = dict(nodes=nodes, mean=np.ascontiguousarray(mean, dtype=np.float64),
                      roots=np.ascontiguousarray(roots, dtype=np.int32),
                      depths=np.ascontiguousarray(depths, dtype=np.int32))
        n = nodes.shape[0]
        if arrays["mean"].shape[0] != n:
            raise ValueError("mean must have one entry per node")
        leaf = (nodes["flags"] & NF_LEAF) != 0
        idx = np.arange(n)
        left = nodes["left"]
        if ((nodes["feature"] < 0) | (nodes["feature"] >= n_features)).any():
            raise ValueError("a split uses a feature outside the schema")
        # Children follow their parent inside the array and leaves point at themselves, so a walk
        # of any number of steps stays in its tree.
        if ((~leaf & ((left <= idx) | (left + 1 >= n))) | (leaf & (left != idx))).any():
            raise ValueError("children must follow their parent inside the node array")
        roots_, depths_ = arrays["roots"], arrays["depths"]
        if ((roots_ < 0) | (roots_ >= n)).any() or depths_.shape != roots_.shape or (depths_ < 0).any():
            raise ValueError("a tree root or depth is out of range")
        self._arrays = arrays
        self.nodes = <const Node*>_addr(nodes)
        self.mean = <const double*>_addr(arrays["mean"])
        self.roots = <const int32_t*>_addr(roots_)
        self.depths = <const int32_t*>_addr(depths_)
        self.n_trees = roots_.shape[0]
        self.plain = not (nodes["flags"] & NF_MISSING_ZERO).any()
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
        return self._arrays["nodes"].shape[0]

    cdef inline int32_t step(self, int32_t node, const double* x, double* contrib) noexcept nogil:
        """The child of an internal node that a row goes to."""
        cdef const Node* nd = &self.nodes[node]
        cdef uint8_t fl = nd.flags
        cdef double v = x[nd.feature]
        cdef int32_t right, nxt
        if fl & NF_MISSING_ZERO:
            # LightGBM missing_type Zero: zero and NaN take the default side.
            if isnan(v) or fabs(v) <= 1e-35:
                right = 0 if fl & NF_DEFAULT_LEFT else 1
            else:
                right = not (v <= nd.threshold)
        else:
            # Branch-free: a NaN fails the comparison (goes right) unless NF_NAN_LEFT says the
            # library sends it left. XGBoost compares in float32, strictly.
            if self.float32:
                right = not (<float>v < <float>nd.threshold)
            else:
                right = not (v <= nd.threshold)
            right = (right ^ ((v != v) & nd.nan_flip)) & (((fl >> 5) & 1) ^ 1)
        nxt = nd.left + right
        if contrib != NULL:
            contrib[nd.feature] += self.mean[nxt] - self.mean[node]
        return nxt

    cdef double margin(self, const double* x, double* contrib) noexcept nogil:
        # Trees are walked LANES at a time, one level of each per round: the walks are
        # independent chains of loads, so interleaving them hides the memory latency that a
        # single walk waits on. Leaves are their own children, so every round steps every lane
        # without a test. Leaves are summed in tree order, as the libraries sum them.
        cdef int32_t cur[LANES]
        cdef int32_t t0, j, k, d, depth, right
        cdef const Node* nodes = self.nodes
        cdef const Node* nd
        cdef const double* mean = self.mean
        cdef bint f32 = self.float32, plain = self.plain
        cdef double total = self.base_margin, v
        cdef float total32 = <float>self.base_margin
        t0 = 0
        while t0 < self.n_trees:
            k = LANES if t0 + LANES <= self.n_trees else self.n_trees - t0
            depth = 0
            for j in range(k):
                cur[j] = self.roots[t0 + j]
                if self.depths[t0 + j] > depth:
                    depth = self.depths[t0 + j]
            if plain and contrib == NULL and k == LANES:
                # The common case, specialised: a full block, no zero-as-missing node, no
                # explanation; the fixed trip count lets the compiler unroll the lanes.
                for d in range(depth):
                    for j in range(LANES):
                        nd = &nodes[cur[j]]
                        v = x[nd.feature]
                        if f32:
                            # Leaves must stay put even for x = +inf, which fails x < +inf.
                            right = ((not (<float>v < <float>nd.threshold)) ^ ((v != v) & nd.nan_flip)) & (
                                ((nd.flags >> 5) & 1) ^ 1)
                        else:
                            right = (not (v <= nd.threshold)) ^ ((v != v) & nd.nan_flip)
                        cur[j] = nd.left + right
            else:
                for d in range(depth):
                    for j in range(k):
                        cur[j] = self.step(cur[j], x, contrib)
            for j in range(k):
                if f32:
                    total32 = total32 + <float>mean[cur[j]]
                else:
                    total += mean[cur[j]]
            t0 += LANES
        return <double>total32 if f32 else total

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
        return float(self.base_margin + self._arrays["mean"][self._arrays["roots"]].sum())


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
