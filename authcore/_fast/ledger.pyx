# cython: language_level=3
"""The compiled ledger: binds the account and profile tables once and offers every movement of
money on them as one call each. Callers hold the engine's lock (or the GIL alone suffices: no
method releases it), so a decision and its booking are atomic."""

import numpy as np

from libc.math cimport INFINITY, NAN, isnan
from libc.stdint cimport INT64_MAX, int32_t, int64_t, uint8_t, uint64_t, uintptr_t
from libc.string cimport memcpy, memset

from authcore._fast.calendar cimport local_day, month_of_day
from authcore._fast.decide cimport (
    B_STAND_IN_LIMIT, D_APPROVED, Outcome, Request, apply_approval, decide, finish, release_windows,
)
from authcore._fast.models cimport Scorer
from authcore._fast.risk cimport (
    N_COUNTRY, N_FEATURES, N_MCC, RiskInput, RiskParams, assemble, remember, rule_bits, score_bits,
)
from authcore._fast.state cimport HF_STAND_IN, N_CHANNELS, AccountRow, BehaviourRow, ProfileRow

# StandInCause values (proto).
cdef enum:
    STAND_IN_MODEL_FAILED = 1
    STAND_IN_DEADLINE = 2

# The hold flag of a stand-in approval, for the Python layer.
FLAG_STAND_IN = HF_STAND_IN

from authcore._fast.state import ACCOUNT_DTYPE, BEHAVIOUR_DTYPE, PROFILE_DTYPE

# Columns of the batch input and output matrices.
cdef enum:
    C_SLOT, C_CHANNEL, C_AMOUNT, C_CURRENCY, C_QR, C_FACTORS, C_DEVICE, C_IPNET, C_MCC, C_COUNTRY
    C_LAT = 0
    C_LON = 1
    C_DECISION = 0
    C_FAILED, C_MAX_APPROVABLE, C_AVAILABLE, C_DAY, C_MONTH, C_FLAGS

(IN_SLOT, IN_CHANNEL, IN_AMOUNT, IN_CURRENCY, IN_QR, IN_FACTORS, IN_DEVICE, IN_IPNET, IN_MCC,
 IN_COUNTRY) = range(10)
IN_LAT, IN_LON = range(2)
OUT_DECISION, OUT_FAILED, OUT_MAX_APPROVABLE, OUT_AVAILABLE, OUT_DAY, OUT_MONTH, OUT_FLAGS = range(7)
FEATURE_COUNT = N_FEATURES
MCC_COUNT = N_MCC
COUNTRY_COUNT = N_COUNTRY


def day_and_month(int64_t now_s, int32_t utc_offset_s):
    """(day number since 1970-01-01, year * 12 + month - 1) of an instant in a fixed offset."""
    cdef int32_t day = local_day(now_s, utc_offset_s)
    return day, month_of_day(day)


cdef inline void write_outcome(int64_t* row, const Outcome* o) noexcept nogil:
    """An outcome as a row of the batch kernel's OUT_* columns."""
    row[C_DECISION] = o.decision
    row[C_FAILED] = <int64_t>o.failed
    row[C_MAX_APPROVABLE] = o.max_approvable
    row[C_AVAILABLE] = o.available
    row[C_DAY] = o.day_index
    row[C_MONTH] = o.month_index
    row[C_FLAGS] = o.flags


cdef class Book:
    """The account rows and limit profiles, bound as raw pointers for the kernels (the
    attributes and C methods are declared in ledger.pxd, for the compiled request path)."""

    def __cinit__(self):
        self.features = np.full(N_FEATURES, np.nan)
        self.contributions = np.zeros(N_FEATURES)
        self.x = <double*><uintptr_t>self.features.ctypes.data
        self.contrib = <double*><uintptr_t>self.contributions.ctypes.data
        self.set_risk(np.zeros(N_MCC), np.zeros(N_MCC, dtype=np.uint8), np.zeros(N_COUNTRY, dtype=np.uint8),
                      INFINITY, INFINITY, INFINITY, INFINITY, INT64_MAX, 0, 0, 0)
        self.scorer = None

    def bind(self, accounts, profiles, behaviour):
        """Bind (or rebind after growth) the tables; they must be C-contiguous and 1-D, and the
        behaviour table as long as the account table."""
        if accounts.dtype != ACCOUNT_DTYPE or profiles.dtype != PROFILE_DTYPE or behaviour.dtype != BEHAVIOUR_DTYPE:
            raise TypeError("tables must have ACCOUNT_DTYPE, PROFILE_DTYPE and BEHAVIOUR_DTYPE")
        if accounts.ndim != 1 or profiles.ndim != 1 or behaviour.shape != accounts.shape:
            raise ValueError("tables must be one-dimensional, behaviour as long as accounts")
        if not (accounts.flags.c_contiguous and profiles.flags.c_contiguous and behaviour.flags.c_contiguous):
            raise ValueError("tables must be C-contiguous")
        if not (accounts.flags.writeable and profiles.flags.writeable and behaviour.flags.writeable):
            raise ValueError("tables must be writeable")
        self.accounts = accounts
        self.profiles = profiles
        self.behaviour = behaviour
        self.acc = <AccountRow*><uintptr_t>accounts.ctypes.data
        self.prof = <ProfileRow*><uintptr_t>profiles.ctypes.data
        self.beh = <BehaviourRow*><uintptr_t>behaviour.ctypes.data
        self.n_acc = accounts.shape[0]
        self.n_prof = profiles.shape[0]

    def set_risk(self, mcc_risk, mcc_blocked, country_blocked, double challenge_score, double decline_score,
                 double max_speed_kmh, double min_distance_km, int64_t new_device_challenge_minor,
                 int32_t max_per_minute, int32_t max_per_hour, int32_t home_country,
                 int64_t stand_in_max_minor=0):
        """The risk policy: per-MCC risk weights and blocks, blocked countries, thresholds."""
        tables = dict(mcc_risk=np.ascontiguousarray(mcc_risk, dtype=np.float64),
                      mcc_blocked=np.ascontiguousarray(mcc_blocked, dtype=np.uint8),
                      country_blocked=np.ascontiguousarray(country_blocked, dtype=np.uint8))
        if tables["mcc_risk"].shape != (N_MCC,) or tables["mcc_blocked"].shape != (N_MCC,):
            raise ValueError(f"MCC tables must have {N_MCC} entries")
        if tables["country_blocked"].shape != (N_COUNTRY,):
            raise ValueError(f"the country table must have {N_COUNTRY} entries")
        self._risk_tables = tables
        self.mcc_risk = <const double*><uintptr_t>tables["mcc_risk"].ctypes.data
        self.mcc_blocked = <const uint8_t*><uintptr_t>tables["mcc_blocked"].ctypes.data
        self.country_blocked = <const uint8_t*><uintptr_t>tables["country_blocked"].ctypes.data
        self.params.challenge_score = challenge_score
        self.params.decline_score = decline_score
        self.params.max_speed_kmh = max_speed_kmh
        self.params.min_distance_km = min_distance_km
        self.params.new_device_challenge_minor = new_device_challenge_minor
        self.params.max_per_minute = max_per_minute
        self.params.max_per_hour = max_per_hour
        self.params.home_country = home_country
        self.params.stand_in_max_minor = stand_in_max_minor

    def set_scorer(self, Scorer scorer):
        """The transaction model (None: rules only)."""
        if scorer is not None and scorer.n_features != N_FEATURES:
            raise ValueError(f"the model reads {scorer.n_features} features; the schema has {N_FEATURES}")
        self.scorer = scorer

    def over(self, accounts, behaviour):
        """A Book that decides exactly as this one (the same limit profiles, risk policy and
        model) over other account and behaviour tables: copies of some accounts' rows, on which a
        batch is decided, and booked as it goes, without changing the live rows."""
        cdef Book other = Book.__new__(Book)
        other._risk_tables = self._risk_tables
        other.mcc_risk = self.mcc_risk
        other.mcc_blocked = self.mcc_blocked
        other.country_blocked = self.country_blocked
        other.params = self.params
        other.scorer = self.scorer
        other.bind(accounts, self.profiles, behaviour)
        return other

    cdef AccountRow* row(self, Py_ssize_t slot) except NULL:
        if slot < 0 or slot >= self.n_acc:
            raise IndexError(f"account slot {slot} out of range")
        cdef AccountRow* a = &self.acc[slot]
        if a.profile < 0 or a.profile >= self.n_prof:
            raise IndexError(f"profile {a.profile} of slot {slot} out of range")
        return a

    cdef int fill(self, Request* r, int32_t channel, int64_t amount, int32_t currency,
                  int32_t qr, int32_t factors, int64_t now_s) except -1:
        if channel < 0 or channel >= N_CHANNELS:
            raise ValueError(f"channel index {channel} out of range")
        if amount <= 0:
            raise ValueError("amount must be positive")
        r.amount = amount
        r.now_s = now_s
        r.channel = channel
        r.currency = currency
        r.qr = qr
        r.factors = factors
        r.stand_in = 0
        return 0

    cdef int risk_input(self, RiskInput* ri, uint64_t device, uint64_t ipnet, double lat, double lon,
                        int32_t mcc, int32_t country) except -1:
        if mcc < -1 or mcc >= N_MCC:
            raise ValueError("mcc out of range")
        if country < 0 or country >= N_COUNTRY:
            raise ValueError("country out of range")
        ri.device = device
        ri.ipnet = ipnet
        ri.lat = lat
        ri.lon = lon
        ri.mcc = mcc
        ri.country = country
        return 0

    cdef void evaluate(self, Py_ssize_t slot, const Request* r, const RiskInput* ri, Outcome* o) noexcept nogil:
        """Limits, features, rules and model: the whole decision of one payment. A model whose
        score is not a number, or a request marked stand_in, is decided by the stand-in: the
        rules and limits without the model, approving at most params.stand_in_max_minor."""
        cdef AccountRow* a = &self.acc[slot]
        cdef double m
        cdef int32_t stand_in = r.stand_in
        decide(a, &self.prof[a.profile], r, o)
        assemble(a, &self.beh[slot], r, ri, self.mcc_risk, self.params.home_country, self.x)
        o.failed |= rule_bits(self.x, r, ri, &self.params, self.mcc_blocked, self.country_blocked)
        memset(self.contrib, 0, N_FEATURES * sizeof(double))
        if self.scorer is not None and not stand_in:
            m = self.scorer.margin(self.x, self.contrib)
            o.score = self.scorer.probability(m)
            if isnan(o.score):
                stand_in = STAND_IN_MODEL_FAILED
                memset(self.contrib, 0, N_FEATURES * sizeof(double))
            else:
                o.failed |= score_bits(o.score, r.factors, &self.params)
        if stand_in:
            o.flags |= HF_STAND_IN
            o.score = NAN
            if r.amount > self.params.stand_in_max_minor:
                o.failed |= (<uint64_t>1) << B_STAND_IN_LIMIT
            if o.max_approvable > self.params.stand_in_max_minor:
                o.max_approvable = self.params.stand_in_max_minor
        finish(o)

    cdef void book_approved(self, Py_ssize_t slot, const Request* r, const RiskInput* ri, Outcome* o) noexcept nogil:
        apply_approval(&self.acc[slot], r, o)
        remember(&self.beh[slot], r, ri)

    def authorize(self, Py_ssize_t slot, int32_t channel, int64_t amount, int32_t currency,
                  int32_t qr, int32_t factors, int64_t now_s, uint64_t device=0, uint64_t ipnet=0,
                  double lat=NAN, double lon=NAN, int32_t mcc=-1, int32_t country=0, bint book=True,
                  double[::1] features_out=None, double[::1] contributions_out=None, int32_t stand_in=0):
        """Decide one payment and, if approved and book is true, place its hold. The features
        and contributions of the decision are left in .features and .contributions, and copied
        into features_out and contributions_out when given (callers on several threads pass
        their own, since the next decision overwrites .features).

        Returns (decision, failed_mask, max_approvable, available_after, day, month, flags, score)."""
        self.row(slot)
        cdef Request r
        cdef RiskInput ri
        cdef Outcome o
        self.fill(&r, channel, amount, currency, qr, factors, now_s)
        r.stand_in = stand_in
        self.risk_input(&ri, device, ipnet, lat, lon, mcc, country)
        if (features_out is not None and features_out.shape[0] != N_FEATURES) or (
                contributions_out is not None and contributions_out.shape[0] != N_FEATURES):
            raise ValueError(f"output buffers must have {N_FEATURES} elements")
        self.evaluate(slot, &r, &ri, &o)
        if features_out is not None:
            memcpy(&features_out[0], self.x, N_FEATURES * sizeof(double))
        if contributions_out is not None:
            memcpy(&contributions_out[0], self.contrib, N_FEATURES * sizeof(double))
        if o.decision == D_APPROVED:
            if book:
                self.book_approved(slot, &r, &ri, &o)
            o.available -= amount
        return (o.decision, o.failed, o.max_approvable, o.available, o.day_index, o.month_index, o.flags,
                o.score)

    def authorize_batch(self, const int64_t[:, ::1] requests, const double[:, ::1] locations, int64_t now_s,
                        int64_t[:, ::1] out, double[::1] scores, double[:, ::1] features_out=None,
                        uint8_t[:, ::1] accounts_out=None, uint8_t[:, ::1] behaviour_out=None,
                        Book shadow=None, int64_t[:, ::1] shadow_out=None, double[::1] shadow_scores=None):
        """Decide requests in order, booking each approval before the next decision.

        requests has the IN_* columns (device and IP hashes as their int64 bit patterns),
        locations the IN_LAT and IN_LON columns; a row whose slot is negative is skipped
        (decision 0). out receives the OUT_* columns and scores the model's probabilities.
        For the audit, when given: features_out (n, FEATURE_COUNT) receives each decision's
        features, accounts_out (n, ACCOUNT_DTYPE.itemsize) and behaviour_out (n,
        BEHAVIOUR_DTYPE.itemsize) the bytes of its account's rows just before its decision.
        With shadow (a Book bound to the same accounts and behaviour), each row is decided by it
        too, on the same state and without booking, into shadow_out (OUT_* columns) and
        shadow_scores."""
        cdef Py_ssize_t n = requests.shape[0], i
        cdef Request r
        cdef RiskInput ri
        cdef Outcome o, so
        cdef bint keep_features = features_out is not None
        cdef bint keep_state = accounts_out is not None
        if (requests.shape[1] != 10 or locations.shape[1] != 2 or locations.shape[0] < n or out.shape[1] != 7
                or out.shape[0] < n or scores.shape[0] < n):
            raise ValueError("requests must be (n, 10), locations (n, 2), out (n, 7) and scores (n,)")
        if keep_features and (features_out.shape[0] < n or features_out.shape[1] != N_FEATURES):
            raise ValueError(f"features_out must be (n, {N_FEATURES})")
        if keep_state and (behaviour_out is None or accounts_out.shape[0] < n or behaviour_out.shape[0] < n
                           or accounts_out.shape[1] != sizeof(AccountRow)
                           or behaviour_out.shape[1] != sizeof(BehaviourRow)):
            raise ValueError("accounts_out and behaviour_out must be (n, row size), both or neither")
        if shadow is not None and (shadow_out is None or shadow_scores is None or shadow_out.shape[0] < n
                                   or shadow_out.shape[1] != 7 or shadow_scores.shape[0] < n
                                   or shadow.acc != self.acc or shadow.beh != self.beh or shadow.n_acc != self.n_acc):
            raise ValueError("shadow must share the accounts and behaviour; shadow_out (n, 7), shadow_scores (n,)")
        # Validate every row first so that a bad row cannot leave the batch half booked.
        for i in range(n):
            if requests[i, C_SLOT] < 0:
                continue
            self.row(requests[i, C_SLOT])
            if shadow is not None:
                shadow.row(requests[i, C_SLOT])
            self.fill(&r, <int32_t>requests[i, C_CHANNEL], requests[i, C_AMOUNT],
                      <int32_t>requests[i, C_CURRENCY], <int32_t>requests[i, C_QR],
                      <int32_t>requests[i, C_FACTORS], now_s)
            self.risk_input(&ri, <uint64_t>requests[i, C_DEVICE], <uint64_t>requests[i, C_IPNET],
                            locations[i, C_LAT], locations[i, C_LON], <int32_t>requests[i, C_MCC],
                            <int32_t>requests[i, C_COUNTRY])
        for i in range(n):
            if requests[i, C_SLOT] < 0:
                out[i, C_DECISION] = 0
                continue
            r.amount = requests[i, C_AMOUNT]
            r.now_s = now_s
            r.channel = <int32_t>requests[i, C_CHANNEL]
            r.currency = <int32_t>requests[i, C_CURRENCY]
            r.qr = <int32_t>requests[i, C_QR]
            r.factors = <int32_t>requests[i, C_FACTORS]
            ri.device = <uint64_t>requests[i, C_DEVICE]
            ri.ipnet = <uint64_t>requests[i, C_IPNET]
            ri.lat = locations[i, C_LAT]
            ri.lon = locations[i, C_LON]
            ri.mcc = <int32_t>requests[i, C_MCC]
            ri.country = <int32_t>requests[i, C_COUNTRY]
            if keep_state:
                memcpy(&accounts_out[i, 0], &self.acc[requests[i, C_SLOT]], sizeof(AccountRow))
                memcpy(&behaviour_out[i, 0], &self.beh[requests[i, C_SLOT]], sizeof(BehaviourRow))
            if shadow is not None:
                shadow.evaluate(requests[i, C_SLOT], &r, &ri, &so)
                write_outcome(&shadow_out[i, 0], &so)
                shadow_scores[i] = so.score
            self.evaluate(requests[i, C_SLOT], &r, &ri, &o)
            if keep_features:
                memcpy(&features_out[i, 0], self.x, N_FEATURES * sizeof(double))
            if o.decision == D_APPROVED:
                self.book_approved(requests[i, C_SLOT], &r, &ri, &o)
                o.available -= r.amount
            write_outcome(&out[i, 0], &o)
            scores[i] = o.score

    def book_hold(self, Py_ssize_t slot, int32_t channel, int64_t amount, int32_t flags, int64_t now_s,
                  uint64_t device=0, uint64_t ipnet=0, double lat=NAN, double lon=NAN):
        """Place a hold decided earlier (after its journal write, or on replay): the windows it
        counts in and the behaviour it updates. Returns the (day, month) it counted in."""
        cdef AccountRow* a = self.row(slot)
        cdef Request r
        cdef RiskInput ri
        cdef Outcome o
        self.fill(&r, channel, amount, 0, 0, 0, now_s)
        self.risk_input(&ri, device, ipnet, lat, lon, -1, 0)
        o.day_index = local_day(now_s, a.utc_offset_s)
        o.month_index = month_of_day(o.day_index)
        o.flags = flags
        self.book_approved(slot, &r, &ri, &o)
        return o.day_index, o.month_index

    def void_hold(self, Py_ssize_t slot, int32_t channel, int64_t amount, int32_t flags,
                  int32_t day_index, int32_t month_index):
        """Release a hold (void or expiry): credit and the windows it counted in."""
        cdef AccountRow* a = self.row(slot)
        a.held -= amount
        release_windows(a, channel, amount, 1, flags, day_index, month_index)

    def capture_hold(self, Py_ssize_t slot, int32_t channel, int64_t amount, int64_t captured,
                     int32_t flags, int32_t day_index, int32_t month_index):
        """Post captured <= amount of a hold; the rest goes back to the credit and the windows."""
        cdef AccountRow* a = self.row(slot)
        if captured <= 0 or captured > amount:
            raise ValueError("captured must be in (0, amount]")
        a.held -= amount
        a.posted += captured
        release_windows(a, channel, amount - captured, 0, flags, day_index, month_index)

    def refund(self, Py_ssize_t slot, int64_t amount):
        """Return captured money to the credit line."""
        cdef AccountRow* a = self.row(slot)
        a.posted -= amount

    def repay(self, Py_ssize_t slot, int64_t amount):
        """Reduce the posted balance, the overdue part first. Returns the overdue left."""
        cdef AccountRow* a = self.row(slot)
        a.posted -= amount
        a.overdue -= amount if amount < a.overdue else a.overdue
        return a.overdue
