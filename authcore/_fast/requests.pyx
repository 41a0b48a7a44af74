# cython: language_level=3
"""The request_id index in C: 32 bytes per remembered request, no Python object per entry.

Each entry sits in a ring, oldest first (evicted first by age and by count):

    h0          u64       the first 64 bits of the request_id's hash (BLAKE2b-128 of its UTF-8
                          bytes, computed by the caller with hashlib: stable, so snapshots keep it)
    fh          u64       the first 6 bytes of the request's fingerprint (48 bits, the low ones)
                          and the next 16 bits of the hash above them: 80 bits of it kept in all
    word        u64       seq of the journal record holding the answer (48 bits), the method's
                          code (8 bits, into the caller's table of names), the kind (8 bits)
    at_s        u32       when it was answered (unix seconds)
    offset      u32       the byte offset of the record's frame in its segment file

The kind says where the answer is: ANSWER_JOURNAL (at seq/offset), ANSWER_SIDE (in the caller's
side table: answers without a journal position), ANSWER_GONE (answered, no longer kept), DEAD
(replaced by a later entry of the same request; skipped). An open-addressing table (linear
probing, any capacity: the home of a hash is (h0 * capacity) >> 64, grown by half once 80 %
full) maps the hash to the ring: one u32 per slot, the ring index + 1 in the low bits and the
top bits of the hash's 16 bits after h0 above it as a tag, so that a probe rarely reads a ring
entry it does not want.
Deletion shifts the following entries back (no tombstones). Two requests whose hashes are
equal get two entries: the caller tells them apart by method and fingerprint, and by the
request_id of the journal record it reads back, never by the hash alone. (Snapshots written
when the ring's entries were 40 bytes, with all 128 bits of the hash and 8 bytes of the
fingerprint, load: from_array keeps 80 and 6.)

The ring grows by doubling up to max_entries (its pages are mapped from the kernel: those not
written yet cost no memory); the table is rebuilt from the ring when the ring moves. Everything
is bounded by max_entries."""

import numpy as np

from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memcpy

cdef extern from *:
    """
    #include <stdint.h>
    #include <sys/mman.h>
    static inline uint64_t authcore_requests_home(uint64_t h, uint64_t cap) {
        return (uint64_t)(((__uint128_t)h * cap) >> 64);
    }
    /* Zeroed pages straight from the kernel, given back whole on release: a page never written
       costs no memory, and a buffer let go of when it grows leaves no hole in the heap. */
    static void* authcore_requests_map(size_t bytes) {
        void* p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? NULL : p;
    }
    static void authcore_requests_unmap(void* p, size_t bytes) {
        if (p != NULL) munmap(p, bytes ? bytes : 1);
    }
    """
    uint64_t authcore_requests_home(uint64_t h, uint64_t cap) noexcept nogil
    void* authcore_requests_map(size_t bytes) noexcept nogil
    void authcore_requests_unmap(void* p, size_t bytes) noexcept nogil

ctypedef struct Entry:
    uint64_t h0
    uint64_t fh
    uint64_t word
    uint32_t at_s
    uint32_t offset

ANSWER_GONE = 0
ANSWER_JOURNAL = 1
ANSWER_SIDE = 2
DEAD = 3
MAX_ENTRIES_LIMIT = 1 << 30
# A seq past 48 bits is not stored (its answer counts as no longer kept).
MAX_SEQ = (1 << 48) - 1
ENTRY_BYTES = sizeof(Entry)
ENTRY_DTYPE = np.dtype([("h0", "<u8"), ("fh", "<u8"), ("word", "<u8"), ("at_s", "<u4"), ("offset", "<u4")])
assert ENTRY_DTYPE.itemsize == sizeof(Entry) == 32
# The entries of snapshots written before (40 bytes, the hash's 128 bits).
ENTRY_DTYPE_V1 = np.dtype([("h0", "<u8"), ("h1", "<u8"), ("fp", "<u8"), ("word", "<u8"), ("at_s", "<u4"),
                           ("offset", "<u4")])

cdef uint64_t SEQ_MASK = (<uint64_t>1 << 48) - 1
# The fingerprint's bits in fh (its first 6 bytes); the hash's 16 bits after h0 sit above them.
cdef uint64_t FP_MASK = (<uint64_t>1 << 48) - 1
cdef int K_GONE = 0
cdef int K_JOURNAL = 1
cdef int K_SIDE = 2
cdef int K_DEAD = 3


cdef inline uint64_t h1_of(const Entry* e) noexcept nogil:
    return e.fh >> 48


cdef inline uint64_t fp_of(const Entry* e) noexcept nogil:
    return e.fh & FP_MASK


cdef inline uint64_t seq_of(const Entry* e) noexcept nogil:
    return e.word & SEQ_MASK


cdef inline int method_of(const Entry* e) noexcept nogil:
    return <int>((e.word >> 48) & 0xFF)


cdef inline int kind_of(const Entry* e) noexcept nogil:
    return <int>(e.word >> 56)


cdef inline uint64_t pack(uint64_t seq, int method, int kind) noexcept nogil:
    return (seq & SEQ_MASK) | (<uint64_t>(method & 0xFF) << 48) | (<uint64_t>kind << 56)


cdef class RequestIndex:
    """Remembered requests, oldest first, found by their request_id's 128-bit hash."""

    cdef readonly Py_ssize_t max_entries
    cdef readonly int hash_bits
    cdef Entry* ring
    cdef size_t ring_cap
    cdef size_t head              # the oldest entry's ring index
    cdef size_t count             # entries in the ring, DEAD ones included
    cdef size_t live              # entries not DEAD
    cdef uint32_t* table
    cdef size_t table_cap
    cdef size_t table_count
    cdef int pos_bits             # the low bits of a table slot: ring index + 1
    cdef uint32_t pos_mask
    cdef uint64_t h0_mask
    cdef uint64_t h1_mask

    def __init__(self, Py_ssize_t max_entries, int hash_bits=128):
        """An empty index of at most max_entries entries. hash_bits below 80 keeps only that many
        top bits of each hash (h0's first): for tests, to make request_ids share a hash (80 to
        128: all 80 bits an entry holds)."""
        if not 0 < max_entries <= MAX_ENTRIES_LIMIT:
            raise ValueError(f"max_entries {max_entries}: must be from 1 to {MAX_ENTRIES_LIMIT}")
        if not 1 <= hash_bits <= 128:
            raise ValueError(f"hash_bits {hash_bits}: must be from 1 to 128")
        if self.ring != NULL:
            raise RuntimeError("the index is initialized already")
        self.max_entries = max_entries
        self.hash_bits = hash_bits
        self.pos_bits = (<uint64_t>max_entries).bit_length()
        self.pos_mask = <uint32_t>((<uint64_t>1 << self.pos_bits) - 1)
        self.h0_mask = top_bits(min(hash_bits, 64))
        self.h1_mask = top_bits(max(hash_bits - 64, 0))
        if grow_ring(self, min(<size_t>1024, <size_t>max_entries)) != 0 or new_table(self, 16) != 0:
            raise MemoryError()

    def __dealloc__(self):
        authcore_requests_unmap(self.ring, self.ring_cap * sizeof(Entry))
        authcore_requests_unmap(self.table, self.table_cap * sizeof(uint32_t))

    def __len__(self):
        return self.live

    @property
    def nbytes(self):
        """Bytes of the ring (its capacity) and the table."""
        return self.ring_cap * sizeof(Entry) + self.table_cap * sizeof(uint32_t)

    @property
    def table_capacity(self):
        return self.table_cap

    # -- lookups ----------------------------------------------------------------------------

    def match(self, const uint8_t[::1] key, const uint8_t[::1] digest, int method):
        """The ring index of the entry of this hash, method and fingerprint; -1 when entries of
        the hash exist but none has them, -2 when none has the hash."""
        cdef uint64_t h0, h1, fp
        read_key(self, key, digest, &h0, &h1, &fp)
        return find(self, h0, h1, fp, method)

    def candidates(self, const uint8_t[::1] key):
        """The ring indices of every entry of this hash."""
        cdef uint64_t h0, h1, fp
        read_key(self, key, None, &h0, &h1, &fp)
        out = []
        cdef size_t i = authcore_requests_home(h0, self.table_cap)
        cdef uint32_t slot
        cdef Entry* e
        while self.table[i] != 0:
            slot = self.table[i]
            e = &self.ring[(slot & self.pos_mask) - 1]
            if e.h0 == h0 and h1_of(e) == h1:
                out.append((slot & self.pos_mask) - 1)
            i += 1
            if i == self.table_cap:
                i = 0
        return out

    def entry(self, Py_ssize_t index):
        """(at_s, method code, kind, seq, offset) of the entry at a ring index."""
        if not 0 <= index < <Py_ssize_t>self.ring_cap:
            raise IndexError(f"ring index {index}: the ring holds {self.ring_cap}")
        cdef Entry* e = &self.ring[index]
        return e.at_s, method_of(e), kind_of(e), seq_of(e), e.offset

    # -- changes ----------------------------------------------------------------------------

    def put(self, const uint8_t[::1] key, const uint8_t[::1] digest, int method, int64_t at_s, int kind,
            int64_t seq=0, int64_t offset=0):
        """Remember a request, newest: an entry of the same hash, method and fingerprint (the same
        request) is replaced; past max_entries the oldest is forgotten. Returns how many entries
        were forgotten."""
        cdef uint64_t h0, h1, fp
        if not 0 <= method <= 255:
            raise ValueError(f"method code {method}: must be from 0 to 255")
        if kind not in (K_GONE, K_JOURNAL, K_SIDE):
            raise ValueError(f"kind {kind}: must be ANSWER_GONE, ANSWER_JOURNAL or ANSWER_SIDE")
        if kind == K_JOURNAL and not (0 < seq <= MAX_SEQ and 0 <= offset <= 0xFFFFFFFF):
            kind, seq, offset = K_GONE, 0, 0  # a position this index cannot hold: the answer is not kept
        read_key(self, key, digest, &h0, &h1, &fp)
        cdef int64_t same = find(self, h0, h1, fp, method)
        if same >= 0:
            kill(self, <size_t>same)
        cdef size_t forgotten = 0
        while self.count >= <size_t>self.max_entries:
            forgotten += evict_oldest(self)
        if self.count == self.ring_cap:
            if grow_ring(self, min(self.ring_cap * 2, <size_t>self.max_entries)) != 0:
                raise MemoryError()
        if (self.table_count + 1) * 5 > self.table_cap * 4:
            if new_table(self, self.table_cap + self.table_cap // 2) != 0:
                raise MemoryError()
        cdef size_t index = (self.head + self.count) % self.ring_cap
        cdef Entry* e = &self.ring[index]
        e.h0 = h0
        e.fh = fp | (h1 << 48)
        e.word = pack(<uint64_t>seq, method, kind)
        e.at_s = <uint32_t>max(0, min(at_s, 0xFFFFFFFF))
        e.offset = <uint32_t>offset
        self.count += 1
        self.live += 1
        insert(self, index)
        return forgotten

    def prune(self, int64_t horizon_s):
        """Forget the oldest entries answered before horizon_s; returns how many."""
        cdef size_t dropped = 0
        while self.count and self.ring[self.head].at_s < horizon_s:
            dropped += evict_oldest(self)
        return dropped

    def oldest_answer_seq(self):
        """The least seq of an answer kept in the journal; 0 when there is none."""
        cdef size_t k, i
        cdef uint64_t least = 0, seq
        with nogil:
            for k in range(self.count):
                i = (self.head + k) % self.ring_cap
                if kind_of(&self.ring[i]) == K_JOURNAL:
                    seq = seq_of(&self.ring[i])
                    if least == 0 or seq < least:
                        least = seq
        return least

    def forget_answers_before(self, uint64_t first_seq):
        """The answers kept in the journal before first_seq are no longer kept; returns how many."""
        cdef size_t k, i, n = 0
        cdef Entry* e
        with nogil:
            for k in range(self.count):
                i = (self.head + k) % self.ring_cap
                e = &self.ring[i]
                if kind_of(e) == K_JOURNAL and seq_of(e) < first_seq:
                    e.word = pack(0, method_of(e), K_GONE)
                    n += 1
        return n

    # -- snapshots --------------------------------------------------------------------------

    def to_array(self):
        """The entries not DEAD, oldest first, as one structured array (ENTRY_DTYPE)."""
        out = np.empty(self.live, dtype=ENTRY_DTYPE)
        cdef uint8_t[::1] raw = out.view(np.uint8).reshape(-1) if self.live else np.empty(0, np.uint8)
        cdef size_t k, i, n = 0
        for k in range(self.count):
            i = (self.head + k) % self.ring_cap
            if kind_of(&self.ring[i]) != K_DEAD:
                memcpy(&raw[n * sizeof(Entry)], &self.ring[i], sizeof(Entry))
                n += 1
        return out

    def from_array(self, entries):
        """Add the entries of a to_array() (into an empty index), the table built in C; past
        max_entries the oldest are left out; entries of the 40-byte form (ENTRY_DTYPE_V1) keep the
        top 16 bits of their h1 and the low 48 of their fp. ValueError when it is not such an array."""
        if self.count:
            raise RuntimeError("the index holds entries already")
        array = np.ascontiguousarray(entries)
        if array.dtype == ENTRY_DTYPE_V1 and array.ndim == 1:
            old, array = array, np.empty(len(array), ENTRY_DTYPE)
            for name in ("h0", "word", "at_s", "offset"):
                array[name] = old[name]
            array["fh"] = (old["fp"] & np.uint64(FP_MASK)) | ((old["h1"] >> np.uint64(48)) << np.uint64(48))
        if array.dtype != ENTRY_DTYPE or array.ndim != 1:
            raise ValueError(f"the request index entries are not a 1-d array of {ENTRY_DTYPE}")
        array = array[max(0, len(array) - self.max_entries):]
        kinds = array["word"] >> np.uint64(56)
        if len(array) and int(kinds.max()) > K_SIDE:
            raise ValueError("a request index entry has an unknown kind")
        cdef size_t n = len(array)
        if n == 0:
            return
        cdef size_t cap = 1024
        while cap < n:
            cap *= 2
        if grow_ring(self, min(cap, <size_t>self.max_entries)) != 0:
            raise MemoryError()
        array = np.ascontiguousarray(array)
        cdef const uint8_t[::1] raw = array.view(np.uint8).reshape(-1)
        memcpy(self.ring, &raw[0], n * sizeof(Entry))
        self.head, self.count, self.live = 0, n, n
        cdef size_t want = 16
        while n * 5 > want * 4:
            want = want + want // 2
        if new_table(self, want) != 0:
            raise MemoryError()


cdef inline uint64_t top_bits(int n) noexcept nogil:
    """A 64-bit mask of the top n bits."""
    if n <= 0:
        return 0
    return (<uint64_t>0xFFFFFFFFFFFFFFFF) << (64 - n)


cdef inline uint32_t tag_of(RequestIndex self, uint64_t h1) noexcept nogil:
    """The top bits of h1 (16 bits, as an entry holds it) above a table slot's position bits."""
    if self.pos_bits >= 32:
        return 0
    return ((<uint32_t>h1 << 16) >> self.pos_bits) << self.pos_bits


cdef int64_t find(RequestIndex self, uint64_t h0, uint64_t h1, uint64_t fp, int method) noexcept nogil:
    """match() in C."""
    cdef int64_t found = -2
    cdef size_t i = authcore_requests_home(h0, self.table_cap)
    cdef uint32_t tag = tag_of(self, h1)
    cdef uint32_t slot
    cdef Entry* e
    while True:
        slot = self.table[i]
        if slot == 0:
            return found
        if (slot & ~self.pos_mask) == tag:
            e = &self.ring[(slot & self.pos_mask) - 1]
            if e.h0 == h0 and h1_of(e) == h1:
                if fp_of(e) == fp and method_of(e) == method:
                    return (slot & self.pos_mask) - 1
                found = -1
        i += 1
        if i == self.table_cap:
            i = 0


cdef int read_key(RequestIndex self, const uint8_t[::1] key, const uint8_t[::1] digest, uint64_t* h0, uint64_t* h1,
                  uint64_t* fp) except -1:
    if key.shape[0] != 16:
        raise ValueError(f"a request_id hash is 16 bytes, not {key.shape[0]}")
    memcpy(h0, &key[0], 8)
    memcpy(h1, &key[8], 8)
    h0[0] &= self.h0_mask
    h1[0] = (h1[0] & self.h1_mask) >> 48  # the 16 bits an entry keeps
    fp[0] = 0
    if digest is not None and digest.shape[0]:
        memcpy(fp, &digest[0], min(<Py_ssize_t>6, digest.shape[0]))  # a shorter one: zeros after it
    return 0


cdef int grow_ring(RequestIndex self, size_t cap) noexcept:
    """Move the ring's entries, oldest first, to a new ring of cap; the table is rebuilt."""
    cdef Entry* ring = <Entry*>authcore_requests_map(cap * sizeof(Entry))
    if ring == NULL:
        return -1
    cdef size_t k
    for k in range(self.count):
        ring[k] = self.ring[(self.head + k) % self.ring_cap]
    authcore_requests_unmap(self.ring, self.ring_cap * sizeof(Entry))
    self.ring, self.ring_cap, self.head = ring, cap, 0
    if self.table != NULL:
        return new_table(self, self.table_cap)
    return 0


cdef int new_table(RequestIndex self, size_t cap) noexcept:
    """A table of cap slots holding every entry of the ring not DEAD."""
    cdef uint32_t* table = <uint32_t*>authcore_requests_map(cap * sizeof(uint32_t))
    if table == NULL:
        return -1
    authcore_requests_unmap(self.table, self.table_cap * sizeof(uint32_t))
    self.table, self.table_cap, self.table_count = table, cap, 0
    cdef size_t k, i
    for k in range(self.count):
        i = (self.head + k) % self.ring_cap
        if kind_of(&self.ring[i]) != K_DEAD:
            insert(self, i)
    return 0


cdef void insert(RequestIndex self, size_t index) noexcept nogil:
    cdef Entry* e = &self.ring[index]
    cdef size_t i = authcore_requests_home(e.h0, self.table_cap)
    while self.table[i] != 0:
        i += 1
        if i == self.table_cap:
            i = 0
    self.table[i] = tag_of(self, h1_of(e)) | <uint32_t>(index + 1)
    self.table_count += 1


cdef void unlink(RequestIndex self, size_t index) noexcept nogil:
    """Take the ring entry at index out of the table, shifting the entries after it back."""
    cdef Entry* e = &self.ring[index]
    cdef size_t cap = self.table_cap
    cdef size_t i = authcore_requests_home(e.h0, cap)
    while (self.table[i] & self.pos_mask) != index + 1:
        if self.table[i] == 0:
            return  # not in the table (cannot happen for an entry not DEAD)
        i += 1
        if i == cap:
            i = 0
    cdef size_t j = i, home
    while True:
        j += 1
        if j == cap:
            j = 0
        if self.table[j] == 0:
            break
        home = authcore_requests_home(self.ring[(self.table[j] & self.pos_mask) - 1].h0, cap)
        # The entry at j may move back to i when i lies on its probe path (from home to j).
        if (j + cap - home) % cap >= (j + cap - i) % cap:
            self.table[i] = self.table[j]
            i = j
    self.table[i] = 0
    self.table_count -= 1


cdef void kill(RequestIndex self, size_t index) noexcept nogil:
    unlink(self, index)
    cdef Entry* e = &self.ring[index]
    e.word = pack(0, method_of(e), K_DEAD)
    self.live -= 1


cdef size_t evict_oldest(RequestIndex self) noexcept nogil:
    """Forget the oldest entry; 1 when it was not DEAD."""
    cdef size_t index = self.head
    cdef size_t forgotten = 0
    if kind_of(&self.ring[index]) != K_DEAD:
        unlink(self, index)
        self.live -= 1
        forgotten = 1
    self.head = (self.head + 1) % self.ring_cap
    self.count -= 1
    return forgotten
