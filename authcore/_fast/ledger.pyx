# cython: language_level=3
"""The compiled ledger: binds the account and profile tables once and offers every movement of
money on them as one call each. Callers hold the engine's lock (or the GIL alone suffices: no
method releases it), so a decision and its booking are atomic."""

from libc.stdint cimport int32_t, int64_t, uintptr_t

from authcore._fast.calendar cimport local_day, month_of_day
from authcore._fast.decide cimport (
    D_APPROVED, Outcome, Request, apply_approval, decide, release_windows,
)
from authcore._fast.state cimport N_CHANNELS, AccountRow, ProfileRow

from authcore._fast.state import ACCOUNT_DTYPE, PROFILE_DTYPE

# Columns of the batch input and output matrices.
IN_SLOT, IN_CHANNEL, IN_AMOUNT, IN_CURRENCY, IN_QR, IN_FACTORS = range(6)
OUT_DECISION, OUT_FAILED, OUT_MAX_APPROVABLE, OUT_AVAILABLE, OUT_DAY, OUT_MONTH, OUT_FLAGS = range(7)


def day_and_month(int64_t now_s, int32_t utc_offset_s):
    """(day number since 1970-01-01, year * 12 + month - 1) of an instant in a fixed offset."""
    cdef int32_t day = local_day(now_s, utc_offset_s)
    return day, month_of_day(day)


cdef class Book:
    """The account rows and limit profiles, bound as raw pointers for the kernels."""

    cdef readonly object accounts
    cdef readonly object profiles
    cdef AccountRow* acc
    cdef ProfileRow* prof
    cdef Py_ssize_t n_acc
    cdef Py_ssize_t n_prof

    def bind(self, accounts, profiles):
        """Bind (or rebind after growth) the tables; they must be C-contiguous and 1-D."""
        if accounts.dtype != ACCOUNT_DTYPE or profiles.dtype != PROFILE_DTYPE:
            raise TypeError("tables must have ACCOUNT_DTYPE and PROFILE_DTYPE")
        if accounts.ndim != 1 or profiles.ndim != 1:
            raise ValueError("tables must be one-dimensional")
        if not (accounts.flags.c_contiguous and profiles.flags.c_contiguous):
            raise ValueError("tables must be C-contiguous")
        if not (accounts.flags.writeable and profiles.flags.writeable):
            raise ValueError("tables must be writeable")
        self.accounts = accounts
        self.profiles = profiles
        self.acc = <AccountRow*><uintptr_t>accounts.ctypes.data
        self.prof = <ProfileRow*><uintptr_t>profiles.ctypes.data
        self.n_acc = accounts.shape[0]
        self.n_prof = profiles.shape[0]

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
        return 0

    def authorize(self, Py_ssize_t slot, int32_t channel, int64_t amount, int32_t currency,
                  int32_t qr, int32_t factors, int64_t now_s, bint book=True):
        """Decide one payment and, if approved and book is true, place its hold.

        Returns (decision, failed_mask, max_approvable, available_after, day, month, flags)."""
        cdef AccountRow* a = self.row(slot)
        cdef Request r
        cdef Outcome o
        self.fill(&r, channel, amount, currency, qr, factors, now_s)
        decide(a, &self.prof[a.profile], &r, &o)
        if o.decision == D_APPROVED:
            if book:
                apply_approval(a, &r, &o)
            o.available -= amount
        return (o.decision, o.failed, o.max_approvable, o.available, o.day_index, o.month_index, o.flags)

    def authorize_batch(self, const int64_t[:, ::1] requests, int64_t now_s, int64_t[:, ::1] out):
        """Decide requests in order, booking each approval before the next decision.

        requests has the IN_* columns; a row whose slot is negative is skipped (decision 0).
        out receives the OUT_* columns."""
        cdef Py_ssize_t n = requests.shape[0], i
        cdef Request r
        cdef Outcome o
        cdef AccountRow* a
        if requests.shape[1] != 6 or out.shape[1] != 7 or out.shape[0] < n:
            raise ValueError("requests must be (n, 6) and out (>= n, 7)")
        # Validate every row first so that a bad row cannot leave the batch half booked.
        for i in range(n):
            if requests[i, IN_SLOT] < 0:
                continue
            self.row(requests[i, IN_SLOT])
            self.fill(&r, <int32_t>requests[i, IN_CHANNEL], requests[i, IN_AMOUNT],
                      <int32_t>requests[i, IN_CURRENCY], <int32_t>requests[i, IN_QR],
                      <int32_t>requests[i, IN_FACTORS], now_s)
        for i in range(n):
            if requests[i, IN_SLOT] < 0:
                out[i, OUT_DECISION] = 0
                continue
            a = &self.acc[requests[i, IN_SLOT]]
            r.amount = requests[i, IN_AMOUNT]
            r.now_s = now_s
            r.channel = <int32_t>requests[i, IN_CHANNEL]
            r.currency = <int32_t>requests[i, IN_CURRENCY]
            r.qr = <int32_t>requests[i, IN_QR]
            r.factors = <int32_t>requests[i, IN_FACTORS]
            decide(a, &self.prof[a.profile], &r, &o)
            if o.decision == D_APPROVED:
                apply_approval(a, &r, &o)
                o.available -= r.amount
            out[i, OUT_DECISION] = o.decision
            out[i, OUT_FAILED] = <int64_t>o.failed
            out[i, OUT_MAX_APPROVABLE] = o.max_approvable
            out[i, OUT_AVAILABLE] = o.available
            out[i, OUT_DAY] = o.day_index
            out[i, OUT_MONTH] = o.month_index
            out[i, OUT_FLAGS] = o.flags

    def book_hold(self, Py_ssize_t slot, int32_t channel, int64_t amount, int32_t flags, int64_t now_s):
        """Place a hold decided earlier (journal replay). Returns (day, month) it counted in."""
        cdef AccountRow* a = self.row(slot)
        cdef Request r
        cdef Outcome o
        self.fill(&r, channel, amount, 0, 0, 0, now_s)
        o.day_index = local_day(now_s, a.utc_offset_s)
        o.month_index = month_of_day(o.day_index)
        o.flags = flags
        apply_approval(a, &r, &o)
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
