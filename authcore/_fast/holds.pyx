# cython: language_level=3
"""The hold table: every hold a row of one array (HOLD_DTYPE), without a Python object per hold.

- rows: the fields of a hold; a freed row joins a free list (through `next`) and is used again.
- an index from authorization id to row: open addressing over a 64-bit FNV-1a hash of the id's
  UTF-8 bytes, the bytes kept in an arena and compared on a match. A dropped hold leaves its
  hash behind (row DROPPED), so that a late refund is told the refund window passed, not that
  the authorization never existed.
- per account (slot): its open holds and its captured holds with an installment plan, each a
  doubly linked list through the rows, in the order they joined it.
- two heaps of (time, row and generation): open holds by expiry, closed holds by the time their
  refund window starts counting. An entry whose row was closed, dropped or used again since is
  skipped when it comes up (the row's generation changes when it is freed).
- merchant ids as codes into a table of the merchants of live rows, with a count per code.

Callers hold the ledger's hold lock around every change; no method releases the GIL."""

import numpy as np

from libc.math cimport NAN
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t, uintptr_t
from libc.string cimport memcmp, memcpy, memset

from authcore._fast.calendar cimport local_day, month_of_day
from authcore._fast.decide cimport Outcome, Request
from authcore._fast.ledger cimport Book
from authcore._fast.risk cimport RiskInput
from authcore._fast.state cimport AccountRow


cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object text, Py_ssize_t* size) except NULL
    object PyUnicode_DecodeUTF8(const char* data, Py_ssize_t size, const char* errors)


cdef struct HoldRow:
    int64_t amount
    int64_t created_s
    int64_t expires_s
    int64_t captured
    int64_t refunded
    int64_t captured_s
    int64_t closed_s      # when it was captured, voided or expired; 0 while open
    int64_t id_at         # its authorization id's bytes in the arena
    int32_t slot
    int32_t flags
    int32_t day_index
    int32_t month_index
    int32_t term          # installment term in months; 0: none
    int32_t rate_bps
    int32_t merchant      # code in the merchant table
    int32_t next          # the account's list it is on (open or plan), or the free list
    int32_t prev
    int32_t id_len
    uint32_t gen          # counts the times the row was freed
    uint8_t channel       # index 0..2
    uint8_t state         # FREE, HELD, CAPTURED, VOIDED, EXPIRED
    uint8_t pad0
    uint8_t pad1


HOLD_DTYPE = np.dtype([
    ("amount", "<i8"), ("created_s", "<i8"), ("expires_s", "<i8"), ("captured", "<i8"), ("refunded", "<i8"),
    ("captured_s", "<i8"), ("closed_s", "<i8"), ("id_at", "<i8"),
    ("slot", "<i4"), ("flags", "<i4"), ("day_index", "<i4"), ("month_index", "<i4"), ("term", "<i4"),
    ("rate_bps", "<i4"), ("merchant", "<i4"), ("next", "<i4"), ("prev", "<i4"), ("id_len", "<i4"), ("gen", "<u4"),
    ("channel", "u1"), ("state", "u1"), ("pad0", "u1"), ("pad1", "u1"),
])
assert HOLD_DTYPE.itemsize == sizeof(HoldRow)

cdef enum:
    FREE = 0
    HELD = 1
    CAPTURED = 2
    VOIDED = 3
    EXPIRED = 4

# The states by their number (rows' `state`), as the engine names them.
STATES = ("free", "held", "captured", "voided", "expired")
# The row of an id whose hold was dropped after its refund window.
DROPPED = -2

# Columns of the per-account lists (by_slot).
cdef enum:
    OPEN_HEAD = 0
    OPEN_TAIL = 1
    OPEN_COUNT = 2
    PLAN_HEAD = 3
    PLAN_TAIL = 4
    SLOT_COLUMNS = 5

# A plan's holds stay until a refund window after its last installment: a month counted as 31 days.
cdef int64_t PLAN_MONTH_S = 31 * 86400
# The arena is compacted when this much of it, and more than half, belongs to dropped ids.
cdef int64_t COMPACT_BYTES = 1 << 20


cdef inline uint64_t fnv1a(const char* s, Py_ssize_t n) noexcept nogil:
    cdef uint64_t h = 14695981039346656037ULL
    cdef Py_ssize_t i
    for i in range(n):
        h = (h ^ <uint8_t>s[i]) * 1099511628211ULL
    return h if h != 0 else 1


cdef inline uintptr_t address(object array):
    return <uintptr_t>array.__array_interface__["data"][0]


cdef class HoldTable:
    """The holds of one ledger (see the module's docstring)."""

    cdef readonly object rows
    cdef HoldRow* r
    # Capacities of the arrays, kept here: a numpy attribute costs a Python call per hold.
    cdef Py_ssize_t rows_cap, slots_cap, arena_cap
    cdef Py_ssize_t heap_cap[2]
    cdef readonly Py_ssize_t top          # rows in use or freed; rows past it never used
    cdef readonly int32_t free_head
    cdef readonly Py_ssize_t live         # rows holding a hold
    cdef readonly object by_slot
    cdef int32_t* s
    cdef readonly Py_ssize_t n_slots      # 1 + the highest slot a hold was placed on
    cdef readonly object keys
    cdef readonly object vals
    cdef uint64_t* k
    cdef int32_t* v
    cdef uint64_t mask
    cdef readonly Py_ssize_t index_used   # entries taken, tombstones included
    cdef readonly object arena
    cdef char* a
    cdef readonly int64_t arena_used
    cdef readonly int64_t arena_garbage
    cdef readonly list merchant_ids       # code -> merchant id (None: code free)
    cdef readonly dict merchant_code
    cdef readonly list merchant_refs      # code -> live rows naming it
    cdef readonly list free_codes
    # heaps[0]: open holds by expires_s; heaps[1]: closed holds by the start of their window.
    cdef object expiry_heap
    cdef object closed_heap
    cdef int64_t* h[2]
    cdef Py_ssize_t heap_size[2]

    def __cinit__(self):
        self.rows = np.zeros(1024, dtype=HOLD_DTYPE)
        self.r = <HoldRow*>address(self.rows)
        self.rows_cap = 1024
        self.top = 0
        self.free_head = -1
        self.live = 0
        self.by_slot = np.full((1024, SLOT_COLUMNS), -1, dtype=np.int32)
        self.by_slot[:, OPEN_COUNT] = 0
        self.s = <int32_t*>address(self.by_slot)
        self.slots_cap = 1024
        self.n_slots = 0
        self.keys = np.zeros(2048, dtype=np.uint64)
        self.vals = np.full(2048, -1, dtype=np.int32)
        self.k = <uint64_t*>address(self.keys)
        self.v = <int32_t*>address(self.vals)
        self.mask = 2047
        self.index_used = 0
        self.arena = np.zeros(1 << 16, dtype=np.uint8)
        self.a = <char*>address(self.arena)
        self.arena_cap = 1 << 16
        self.arena_used = 0
        self.arena_garbage = 0
        self.merchant_ids = []
        self.merchant_code = {}
        self.merchant_refs = []
        self.free_codes = []
        self.expiry_heap = np.zeros((1024, 2), dtype=np.int64)
        self.closed_heap = np.zeros((1024, 2), dtype=np.int64)
        self.h[0] = <int64_t*>address(self.expiry_heap)
        self.h[1] = <int64_t*>address(self.closed_heap)
        self.heap_size[0] = self.heap_size[1] = 0
        self.heap_cap[0] = self.heap_cap[1] = 1024

    # -- growth -------------------------------------------------------------------------------

    cdef int _rows_for(self, Py_ssize_t n) except -1:
        if n <= self.rows_cap:
            return 0
        cdef Py_ssize_t size = self.rows_cap
        while size < n:
            size *= 2
        grown = np.zeros(size, dtype=HOLD_DTYPE)
        grown.view(np.uint8)[:self.rows.nbytes] = self.rows.view(np.uint8)  # as bytes: not field by field
        self.rows = grown
        self.r = <HoldRow*>address(grown)
        self.rows_cap = size
        return 0

    cdef int _slots_for(self, Py_ssize_t slot) except -1:
        cdef Py_ssize_t size = self.slots_cap
        if slot >= size:
            while size <= slot:
                size *= 2
            grown = np.full((size, SLOT_COLUMNS), -1, dtype=np.int32)
            grown[:, OPEN_COUNT] = 0
            grown[:self.by_slot.shape[0]] = self.by_slot
            self.by_slot = grown
            self.s = <int32_t*>address(grown)
            self.slots_cap = size
        if slot >= self.n_slots:
            self.n_slots = slot + 1
        return 0

    cdef int _arena_for(self, Py_ssize_t extra) except -1:
        if self.arena_used + extra <= self.arena_cap:
            return 0
        cdef Py_ssize_t size = self.arena_cap
        while size < self.arena_used + extra:
            size *= 2
        grown = np.zeros(size, dtype=np.uint8)
        grown[:self.arena_used] = self.arena[:self.arena_used]
        self.arena = grown
        self.a = <char*>address(grown)
        self.arena_cap = size
        return 0

    cdef int _index_for(self, Py_ssize_t n) except -1:
        """Room for n entries at a load of at most one half; entries are put back in the order
        of their old positions, so that the same history gives the same layout."""
        cdef Py_ssize_t size = <Py_ssize_t>self.mask + 1, old_size = size, i, pos
        cdef uint64_t mask
        if 2 * n <= size:
            return 0
        while 2 * n > size:
            size *= 2
        old_keys, old_vals = self.keys, self.vals
        cdef uint64_t* ok = self.k
        cdef int32_t* ov = self.v
        self.keys = np.zeros(size, dtype=np.uint64)
        self.vals = np.full(size, -1, dtype=np.int32)
        self.k = <uint64_t*>address(self.keys)
        self.v = <int32_t*>address(self.vals)
        mask = self.mask = <uint64_t>(size - 1)
        for i in range(old_size):
            if ok[i] == 0:
                continue
            pos = <Py_ssize_t>(ok[i] & mask)
            while self.k[pos] != 0:
                pos = (pos + 1) & mask
            self.k[pos] = ok[i]
            self.v[pos] = ov[i]
        del old_keys, old_vals
        return 0

    # -- the index ----------------------------------------------------------------------------

    cdef Py_ssize_t _probe(self, uint64_t hash, const char* text, Py_ssize_t n) noexcept:
        """The entry of the id (its row live, or DROPPED with the same hash); else -1 - the
        empty entry where it would go."""
        cdef uint64_t mask = self.mask
        cdef Py_ssize_t pos = <Py_ssize_t>(hash & mask)
        cdef int32_t row
        while self.k[pos] != 0:
            if self.k[pos] == hash:
                row = self.v[pos]
                if row == DROPPED:
                    return pos
                if self.r[row].id_len == n and memcmp(self.a + self.r[row].id_at, text, n) == 0:
                    return pos
            pos = <Py_ssize_t>((<uint64_t>pos + 1) & mask)
        return -1 - pos

    cpdef int find(self, str authorization_id) except -3:
        """The row of an id; -1: unknown; DROPPED: its hold was dropped."""
        cdef Py_ssize_t n
        cdef const char* text = PyUnicode_AsUTF8AndSize(authorization_id, &n)
        cdef Py_ssize_t pos = self._probe(fnv1a(text, n), text, n)
        return -1 if pos < 0 else self.v[pos]

    # -- heaps --------------------------------------------------------------------------------

    cdef int _push(self, int which, int64_t key, Py_ssize_t row) except -1:
        cdef Py_ssize_t i = self.heap_size[which], parent
        cdef int64_t* h
        cdef int64_t ref = (<int64_t>self.r[row].gen << 32) | row
        if i >= self.heap_cap[which]:
            heap = self.expiry_heap if which == 0 else self.closed_heap
            grown = np.zeros((2 * i, 2), dtype=np.int64)
            grown[:i] = heap
            if which == 0:
                self.expiry_heap = grown
            else:
                self.closed_heap = grown
            self.h[which] = <int64_t*>address(grown)
            self.heap_cap[which] = 2 * i
        h = self.h[which]
        self.heap_size[which] = i + 1
        while i > 0:
            parent = (i - 1) // 2
            if h[2 * parent] < key or (h[2 * parent] == key and h[2 * parent + 1] <= ref):
                break
            h[2 * i] = h[2 * parent]
            h[2 * i + 1] = h[2 * parent + 1]
            i = parent
        h[2 * i] = key
        h[2 * i + 1] = ref
        return 0

    cdef void _pop(self, int which) noexcept:
        cdef int64_t* h = self.h[which]
        cdef Py_ssize_t n = self.heap_size[which] - 1, i = 0, child
        cdef int64_t key = h[2 * n], ref = h[2 * n + 1]
        self.heap_size[which] = n
        while True:
            child = 2 * i + 1
            if child >= n:
                break
            if child + 1 < n and (h[2 * child + 2] < h[2 * child] or
                                  (h[2 * child + 2] == h[2 * child] and h[2 * child + 3] < h[2 * child + 1])):
                child += 1
            if key < h[2 * child] or (key == h[2 * child] and ref <= h[2 * child + 1]):
                break
            h[2 * i] = h[2 * child]
            h[2 * i + 1] = h[2 * child + 1]
            i = child
        h[2 * i] = key
        h[2 * i + 1] = ref

    cdef inline int64_t _window_start(self, HoldRow* row) noexcept:
        if row.state == CAPTURED and row.term > 0:
            return row.captured_s + row.term * PLAN_MONTH_S
        return row.closed_s

    # -- the accounts' lists ------------------------------------------------------------------

    cdef void _link(self, int32_t row, int which) noexcept:
        cdef int32_t* s = self.s + self.r[row].slot * SLOT_COLUMNS + which
        cdef HoldRow* h = &self.r[row]
        h.prev = s[1]
        h.next = -1
        if s[1] >= 0:
            self.r[s[1]].next = row
        else:
            s[0] = row
        s[1] = row
        if which == OPEN_HEAD:
            self.s[h.slot * SLOT_COLUMNS + OPEN_COUNT] += 1

    cdef void _unlink(self, int32_t row, int which) noexcept:
        cdef int32_t* s = self.s + self.r[row].slot * SLOT_COLUMNS + which
        cdef HoldRow* h = &self.r[row]
        if h.prev >= 0:
            self.r[h.prev].next = h.next
        else:
            s[0] = h.next
        if h.next >= 0:
            self.r[h.next].prev = h.prev
        else:
            s[1] = h.prev
        h.next = h.prev = -1
        if which == OPEN_HEAD:
            self.s[h.slot * SLOT_COLUMNS + OPEN_COUNT] -= 1

    cdef list _walk(self, Py_ssize_t slot, int which):
        cdef list out = []
        cdef int32_t row
        if slot < 0 or slot >= self.n_slots:
            return out
        row = self.s[slot * SLOT_COLUMNS + which]
        while row >= 0:
            out.append(row)
            row = self.r[row].next
        return out

    def open_rows(self, Py_ssize_t slot):
        """The rows of an account's open holds, in the order they were placed."""
        return self._walk(slot, OPEN_HEAD)

    def plan_rows(self, Py_ssize_t slot):
        """The rows of an account's captured holds with an installment plan, in capture order."""
        return self._walk(slot, PLAN_HEAD)

    def open_count(self, Py_ssize_t slot):
        if slot < 0 or slot >= self.n_slots:
            return 0
        return self.s[slot * SLOT_COLUMNS + OPEN_COUNT]

    def open_slots(self):
        """The accounts with at least one open hold, ascending."""
        return [slot for slot in range(self.n_slots) if self.s[slot * SLOT_COLUMNS + OPEN_COUNT] > 0]

    def plan_slots(self):
        """The accounts with at least one captured hold with a plan, ascending."""
        return [slot for slot in range(self.n_slots) if self.s[slot * SLOT_COLUMNS + PLAN_HEAD] >= 0]

    # -- placing ------------------------------------------------------------------------------

    cdef int32_t _merchant(self, str merchant_id) except -1:
        code = self.merchant_code.get(merchant_id)
        if code is None:
            if self.free_codes:
                code = self.free_codes.pop()
                self.merchant_ids[code] = merchant_id
                self.merchant_refs[code] = 0
            else:
                code = len(self.merchant_ids)
                self.merchant_ids.append(merchant_id)
                self.merchant_refs.append(0)
            self.merchant_code[merchant_id] = code
        self.merchant_refs[code] += 1
        return code

    cdef int32_t _insert(self, str authorization_id, Py_ssize_t slot, str merchant_id, int64_t expires_s,
                         int32_t channel, int64_t amount, int32_t flags, int32_t day, int32_t month,
                         int32_t term, int32_t rate, int64_t now_s, int state) except -1:
        """A new row for a hold whose amount is counted already; linked and queued by state."""
        cdef Py_ssize_t n, pos
        cdef const char* text = PyUnicode_AsUTF8AndSize(authorization_id, &n)
        cdef uint64_t hash = fnv1a(text, n)
        cdef int32_t row, merchant
        cdef HoldRow* h
        if slot < 0 or channel < 0 or channel > 2:
            raise ValueError(f"a hold needs a slot and a channel index 0..2, not {slot} and {channel}")
        self._index_for(self.index_used + 1)
        pos = self._probe(hash, text, n)
        if pos >= 0 and self.v[pos] >= 0:
            raise ValueError(f"authorization {authorization_id} is in the hold table already")
        self._slots_for(slot)
        self._arena_for(n)
        if self.free_head < 0:
            self._rows_for(self.top + 1)
        merchant = self._merchant(merchant_id)
        # From here on no Python is called: the row, the index and the lists change together.
        if self.free_head >= 0:
            row = self.free_head
            self.free_head = self.r[row].next
        else:
            row = <int32_t>self.top
            self.top += 1
        h = &self.r[row]
        h.amount = amount
        h.created_s = now_s
        h.expires_s = expires_s
        h.captured = h.refunded = h.captured_s = h.closed_s = 0
        h.slot = <int32_t>slot
        h.flags = flags
        h.day_index = day
        h.month_index = month
        h.term = term
        h.rate_bps = rate
        h.merchant = merchant
        h.channel = <uint8_t>channel
        h.state = <uint8_t>state
        h.id_at = self.arena_used
        h.id_len = <int32_t>n
        memcpy(self.a + self.arena_used, text, n)
        self.arena_used += n
        if pos >= 0:
            self.v[pos] = row   # an id dropped before, placed again (a 64-bit hash collision)
        else:
            pos = -1 - pos
            self.k[pos] = hash
            self.v[pos] = row
            self.index_used += 1
        self.live += 1
        h.next = h.prev = -1
        if state == HELD:
            self._link(row, OPEN_HEAD)
            self._push(0, expires_s, row)
        return row

    def place(self, Book book, str authorization_id, Py_ssize_t slot, str merchant_id, int64_t expires_s,
              int32_t channel, int64_t amount, int32_t flags, uint64_t device, uint64_t ipnet, double lat,
              double lon, int32_t term, int32_t rate, int64_t now_s):
        """Count a hold decided earlier in its account's windows and behaviour (as
        Book.book_hold) and add its row. Returns the row."""
        cdef int32_t day, month
        self._new(authorization_id)
        self._book(book, slot, channel, amount, flags, device, ipnet, lat, lon, now_s, &day, &month)
        return self._insert(authorization_id, slot, merchant_id, expires_s, channel, amount, flags, day, month,
                            term, rate, now_s, HELD)

    def place_rows(self, Book book, list authorization_ids, const int64_t[::1] slots, list merchant_ids,
                   const int64_t[::1] expires_s, const int32_t[::1] channels, const int64_t[::1] amounts,
                   const int32_t[::1] flags, const uint64_t[::1] devices, const uint64_t[::1] ipnets,
                   const double[::1] lats, const double[::1] lons, const int32_t[::1] terms,
                   const int32_t[::1] rates, const int64_t[::1] now_s):
        """place() of each hold of a run of HoldPlaced records, or of a chunk's HoldsPlaced, in
        order, from columns (one expiry and one time per hold; lats, lons NaN: unknown): the
        journal's tail replayed, and a bulk chunk's approvals (Ledger.place_holds)."""
        cdef Py_ssize_t n = len(authorization_ids), i
        cdef int32_t day, month
        if len(merchant_ids) != n:
            raise ValueError(f"every column needs {n} values, merchant_ids has {len(merchant_ids)}")
        for size in (slots.shape[0], expires_s.shape[0], channels.shape[0], amounts.shape[0], flags.shape[0],
                     devices.shape[0], ipnets.shape[0], lats.shape[0], lons.shape[0], terms.shape[0],
                     rates.shape[0], now_s.shape[0]):
            if size != n:
                raise ValueError(f"every column needs {n} values, one has {size}")
        for i in range(n):
            if slots[i] < 0:
                raise ValueError(f"authorization {authorization_ids[i]}: no account slot")
            self._new(authorization_ids[i])
            self._book(book, slots[i], channels[i], amounts[i], flags[i], devices[i], ipnets[i], lats[i], lons[i],
                       now_s[i], &day, &month)
            self._insert(authorization_ids[i], slots[i], merchant_ids[i], expires_s[i], channels[i], amounts[i],
                         flags[i], day, month, terms[i], rates[i], now_s[i], HELD)

    cdef int _new(self, str authorization_id) except -1:
        """Refuse an id that is in the table already, before its money is booked."""
        if self.find(authorization_id) >= 0:
            raise ValueError(f"authorization {authorization_id} is in the hold table already")
        return 0

    cdef int _book(self, Book book, Py_ssize_t slot, int32_t channel, int64_t amount, int32_t flags,
                   uint64_t device, uint64_t ipnet, double lat, double lon, int64_t now_s, int32_t* day,
                   int32_t* month) except -1:
        """Book.book_hold, without its call through Python."""
        cdef Request r
        cdef RiskInput ri
        cdef Outcome o
        cdef AccountRow* a = book.row(slot)
        book.fill(&r, channel, amount, 0, 0, 0, now_s)
        book.risk_input(&ri, device, ipnet, lat, lon, -1, 0)
        o.day_index = local_day(now_s, a.utc_offset_s)
        o.month_index = month_of_day(o.day_index)
        o.flags = flags
        book.book_approved(slot, &r, &ri, &o)
        day[0] = o.day_index
        month[0] = o.month_index
        return 0

    def restore(self, str authorization_id, Py_ssize_t slot, int32_t channel, int64_t amount, int32_t flags,
                int32_t day_index, int32_t month_index, int64_t created_s, int64_t expires_s, str merchant_id,
                str state, int64_t captured, int64_t refunded, int32_t term, int32_t rate_bps,
                int64_t captured_s):
        """Add a hold of a snapshot written as a list of Hold tuples (amounts counted already in
        the snapshot's rows). A closed hold of that form has no close time: a captured one's is
        its capture, an expired one's its expiry, a voided one's its creation."""
        cdef int code = STATES.index(state)
        cdef int32_t row = self._insert(authorization_id, slot, merchant_id, expires_s, channel, amount, flags,
                                        day_index, month_index, term, rate_bps, created_s, code)
        cdef HoldRow* h = &self.r[row]
        h.captured = captured
        h.refunded = refunded
        h.captured_s = captured_s
        if code == HELD:
            return row
        h.closed_s = captured_s if code == CAPTURED else expires_s if code == EXPIRED else created_s
        if code == CAPTURED and term > 0:
            self._link(row, PLAN_HEAD)
        self._push(1, self._window_start(h), row)
        return row

    # -- closing ------------------------------------------------------------------------------

    cdef HoldRow* _open(self, Py_ssize_t row) except NULL:
        if row < 0 or row >= self.top or self.r[row].state != HELD:
            raise ValueError(f"row {row} is not an open hold")
        return &self.r[row]

    def capture(self, Py_ssize_t row, int64_t captured, int64_t now_s):
        """Mark an open hold captured (its money moved by Book.capture_hold)."""
        cdef HoldRow* h = self._open(row)
        self._unlink(<int32_t>row, OPEN_HEAD)
        h.state = CAPTURED
        h.captured = captured
        h.captured_s = now_s
        h.closed_s = now_s
        if h.term > 0:
            self._link(<int32_t>row, PLAN_HEAD)
        self._push(1, self._window_start(h), row)

    def release(self, Py_ssize_t row, str state, int64_t now_s):
        """Mark an open hold voided or expired (its money released by Book.void_hold)."""
        cdef int code = STATES.index(state)
        if code != VOIDED and code != EXPIRED:
            raise ValueError(f"a hold is released as voided or expired, not {state}")
        cdef HoldRow* h = self._open(row)
        self._unlink(<int32_t>row, OPEN_HEAD)
        h.state = <uint8_t>code
        h.closed_s = now_s
        self._push(1, self._window_start(h), row)

    def refund(self, Py_ssize_t row, int64_t amount):
        if row < 0 or row >= self.top or self.r[row].state != CAPTURED:
            raise ValueError(f"row {row} is not a captured hold")
        self.r[row].refunded += amount

    # -- expiry and the refund window ---------------------------------------------------------

    def due(self, int64_t now_s, Py_ssize_t limit):
        """Up to limit rows of open holds whose time is up, taken off the expiry heap, oldest first."""
        cdef list out = []
        cdef int64_t* h
        cdef int64_t key, ref
        cdef int32_t row
        while self.heap_size[0] > 0 and len(out) < limit:
            h = self.h[0]
            key, ref = h[0], h[1]
            if key > now_s:
                break
            self._pop(0)
            row = <int32_t>(ref & 0xFFFFFFFF)
            if self.r[row].gen == <uint32_t>(ref >> 32) and self.r[row].state == HELD and self.r[row].expires_s == key:
                out.append(row)
        return out

    def requeue(self, Py_ssize_t row):
        """Put an open hold taken by due() back on the expiry heap."""
        if 0 <= row < self.top and self.r[row].state == HELD:
            self._push(0, self.r[row].expires_s, row)

    def past_window(self, int64_t now_s, int64_t window_s, Py_ssize_t limit):
        """Up to limit rows of closed holds whose refund window is over at now_s, taken off
        their heap, oldest first."""
        cdef list out = []
        cdef int64_t key, ref
        cdef int32_t row
        while self.heap_size[1] > 0 and len(out) < limit:
            key, ref = self.h[1][0], self.h[1][1]
            if key > now_s - window_s:
                break
            self._pop(1)
            row = <int32_t>(ref & 0xFFFFFFFF)
            if (self.r[row].gen == <uint32_t>(ref >> 32) and self.r[row].state > HELD
                    and self._window_start(&self.r[row]) == key):
                out.append(row)
        return out

    def requeue_closed(self, Py_ssize_t row):
        """Put a closed hold taken by past_window() back on its heap."""
        if 0 <= row < self.top and self.r[row].state > HELD:
            self._push(1, self._window_start(&self.r[row]), row)

    def window_start(self, Py_ssize_t row):
        """When a closed hold's refund window starts counting toward its drop."""
        return self._window_start(&self.r[row])

    def drop(self, str authorization_id):
        """Free the row of a closed hold; its id stays known as dropped."""
        cdef Py_ssize_t n
        cdef const char* text = PyUnicode_AsUTF8AndSize(authorization_id, &n)
        cdef Py_ssize_t pos = self._probe(fnv1a(text, n), text, n)
        cdef int32_t row = self.v[pos] if pos >= 0 else -1
        cdef HoldRow* h
        cdef uint32_t gen
        if row < 0 or self.r[row].state <= HELD:
            raise KeyError(f"authorization {authorization_id} is not a closed hold")
        h = &self.r[row]
        code = h.merchant
        self.merchant_refs[code] -= 1
        if self.merchant_refs[code] == 0:
            del self.merchant_code[self.merchant_ids[code]]
            self.merchant_ids[code] = None
            self.free_codes.append(code)
        if h.state == CAPTURED and h.term > 0:
            self._unlink(row, PLAN_HEAD)
        self.arena_garbage += h.id_len
        self.v[pos] = DROPPED
        gen = h.gen + 1
        memset(h, 0, sizeof(HoldRow))
        h.gen = gen
        h.next = self.free_head
        h.prev = -1
        self.free_head = row
        self.live -= 1
        if self.arena_garbage >= COMPACT_BYTES and 2 * self.arena_garbage > self.arena_used:
            self._compact()

    cdef int _compact(self) except -1:
        """Rewrite the arena with the ids of live rows only, in row order."""
        arena = np.zeros(self.arena_cap, dtype=np.uint8)
        cdef char* a = <char*>address(arena)
        cdef int64_t used = 0
        cdef Py_ssize_t row
        for row in range(self.top):
            if self.r[row].state == FREE:
                continue
            memcpy(a + used, self.a + self.r[row].id_at, self.r[row].id_len)
            self.r[row].id_at = used
            used += self.r[row].id_len
        self.arena = arena
        self.a = a
        self.arena_used = used
        self.arena_garbage = 0
        return 0

    # -- reading ------------------------------------------------------------------------------

    def id_of(self, Py_ssize_t row):
        if row < 0 or row >= self.top or self.r[row].state == FREE:
            raise KeyError(f"row {row} holds no hold")
        return PyUnicode_DecodeUTF8(self.a + self.r[row].id_at, self.r[row].id_len, NULL)

    def gen_of(self, Py_ssize_t row):
        return self.r[row].gen

    def fields(self, Py_ssize_t row, uint32_t gen):
        """(authorization_id, slot, channel, amount, flags, day_index, month_index, created_s,
        expires_s, merchant_id, state, captured, refunded, term, rate_bps, captured_s, closed_s)
        of a row; KeyError when the row was freed since it had generation gen."""
        if row < 0 or row >= self.top or self.r[row].state == FREE or self.r[row].gen != gen:
            raise KeyError(f"row {row} no longer holds that hold")
        cdef HoldRow* h = &self.r[row]
        return (PyUnicode_DecodeUTF8(self.a + h.id_at, h.id_len, NULL), h.slot, h.channel, h.amount, h.flags,
                h.day_index, h.month_index, h.created_s, h.expires_s, self.merchant_ids[h.merchant],
                STATES[h.state], h.captured, h.refunded, h.term, h.rate_bps, h.captured_s, h.closed_s)

    def state_of(self, Py_ssize_t row, uint32_t gen):
        """A row's state by name; "dropped" when it was freed since it had generation gen."""
        if row < 0 or row >= self.top or self.r[row].state == FREE or self.r[row].gen != gen:
            return "dropped"
        return STATES[self.r[row].state]

    def live_rows(self):
        """The rows holding a hold, ascending."""
        return [row for row in range(self.top) if self.r[row].state != FREE]

    # -- snapshots ----------------------------------------------------------------------------

    def dump(self):
        """The table as plain data (arrays trimmed to what is used, lists); heaps are rebuilt
        from the rows by load()."""
        return {
            "rows": self.rows[:self.top].copy(), "free_head": self.free_head, "live": self.live,
            "by_slot": self.by_slot[:self.n_slots].copy(), "keys": self.keys.copy(), "vals": self.vals.copy(),
            "index_used": self.index_used, "arena": self.arena[:self.arena_used].copy(),
            "arena_garbage": self.arena_garbage, "merchant_ids": list(self.merchant_ids),
            "merchant_refs": list(self.merchant_refs), "free_codes": list(self.free_codes),
        }

    @staticmethod
    def load(dict state):
        """A table from dump()."""
        cdef HoldTable table = HoldTable()
        cdef Py_ssize_t row
        rows, by_slot = state["rows"], state["by_slot"]
        if rows.dtype != HOLD_DTYPE or by_slot.dtype != np.int32 or by_slot.ndim != 2 \
                or by_slot.shape[1] != SLOT_COLUMNS:
            raise ValueError("the snapshot's hold table does not have this build's layout")
        keys = np.ascontiguousarray(state["keys"], dtype=np.uint64)
        size = keys.shape[0]
        if size < 2 or size & (size - 1):
            raise ValueError("the snapshot's hold index is not a power of two long")
        table._rows_for(max(len(rows), 1))
        # As bytes: a structured copy goes field by field, several times slower.
        table.rows.view(np.uint8)[:rows.nbytes] = np.ascontiguousarray(rows).view(np.uint8)
        table.top = len(rows)
        table.free_head = state["free_head"]
        table.live = state["live"]
        if len(by_slot):
            table._slots_for(len(by_slot) - 1)
            table.by_slot[:len(by_slot)] = by_slot
        table.keys = keys.copy()
        table.vals = np.ascontiguousarray(state["vals"], dtype=np.int32).copy()
        table.k = <uint64_t*>address(table.keys)
        table.v = <int32_t*>address(table.vals)
        table.mask = <uint64_t>(size - 1)
        table.index_used = state["index_used"]
        arena = state["arena"]
        table._arena_for(len(arena))
        table.arena[:len(arena)] = arena
        table.arena_used = len(arena)
        table.arena_garbage = state["arena_garbage"]
        table.merchant_ids = list(state["merchant_ids"])
        table.merchant_refs = list(state["merchant_refs"])
        table.free_codes = list(state["free_codes"])
        table.merchant_code = {m: code for code, m in enumerate(table.merchant_ids) if m is not None}
        for row in range(table.top):
            if table.r[row].state == HELD:
                table._push(0, table.r[row].expires_s, row)
            elif table.r[row].state != FREE:
                table._push(1, table._window_start(&table.r[row]), row)
        return table
