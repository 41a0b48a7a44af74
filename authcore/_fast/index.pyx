# cython: language_level=3
"""The account index in C: account id -> slot without a Python object per account.

The ids' UTF-8 bytes sit one after another in one arena, slot i's between offsets[i] and
offsets[i + 1]. An open-addressing table (linear probing, a power-of-two capacity, at most 70 %
full) holds a (hash, slot) pair per account in one 8-byte entry: the top 32 bits of the id's
64-bit hash and the slot, so a probe costs one cache line. A lookup compares the hash, then the
bytes, so two ids with the same hash are never confused. An entry's place is the top bits of its
hash: the table grows by placing the stored hashes again, never reading the ids. The hash (a
64-bit multiply-fold mix, seeded at random per index) is not persisted: a snapshot keeps the
arena and the offsets, and the table is rebuilt from them in C.

Every size is bounded: at most max_accounts ids, each at most max_id_bytes bytes. Lookups of many
ids (slots_of) run without the GIL once the ids are encoded; the index must not change meanwhile
(the ledger's callers hold the state lock: lookups its shared side, additions its exclusive side),
and an addition that meets such a lookup is refused rather than moving the buffers under it.
Additions keep the GIL, so that a single get() never meets one."""

import codecs
import os

import numpy as np

from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t, uintptr_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcmp, memcpy

cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object text, Py_ssize_t* size) except NULL

cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>

    /* The 128-bit product of a and b folded to 64 bits: every input bit reaches every output bit. */
    static inline uint64_t authcore_index_mum(uint64_t a, uint64_t b) {
        __uint128_t r = (__uint128_t)a * b;
        return (uint64_t)r ^ (uint64_t)(r >> 64);
    }

    /* A fast non-cryptographic hash of n bytes: eight bytes per multiply, the length and the
       seed mixed in first. Not stable across builds or machines (nothing stores it). */
    static uint64_t authcore_index_hash(const uint8_t* p, size_t n, uint64_t seed) {
        const uint64_t k = (seed ^ 0xe7037ed1a0b428dbULL) | 1;
        uint64_t h = seed ^ ((uint64_t)n * 0x9e3779b97f4a7c15ULL);
        uint64_t w;
        while (n >= 8) {
            memcpy(&w, p, 8);
            h = authcore_index_mum(h ^ w, k);
            p += 8;
            n -= 8;
        }
        w = 0;
        memcpy(&w, p, n);
        h = authcore_index_mum(h ^ w ^ 0xa0761d6478bd642fULL, k);
        return authcore_index_mum(h, 0x8ebc6af09c88c6e3ULL);
    }

    static inline void authcore_index_prefetch(const void* p) {
        __builtin_prefetch(p);
    }

    /* The ids, offsets and table in pages of their own, straight from the kernel: a page not
       written yet (a buffer's spare room) costs no memory, growth moves the pages rather than
       copying them (mremap), and a buffer let go of leaves no hole in the heap. */
    #include <sys/mman.h>
    static void* authcore_index_map(size_t bytes) {
        void* p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? NULL : p;
    }
    static void authcore_index_unmap(void* p, size_t bytes) {
        if (p != NULL) munmap(p, bytes ? bytes : 1);
    }
    /* p (old_bytes, or NULL) grown to new_bytes, its bytes kept; NULL (p untouched) on failure. */
    static void* authcore_index_remap(void* p, size_t old_bytes, size_t new_bytes) {
        void* q;
        if (p == NULL) return authcore_index_map(new_bytes);
    #ifdef MREMAP_MAYMOVE
        q = mremap(p, old_bytes ? old_bytes : 1, new_bytes, MREMAP_MAYMOVE);
        return q == MAP_FAILED ? NULL : q;
    #else
        q = authcore_index_map(new_bytes);
        if (q == NULL) return NULL;
        memcpy(q, p, old_bytes < new_bytes ? old_bytes : new_bytes);
        authcore_index_unmap(p, old_bytes);
        return q;
    #endif
    }
    """
    uint64_t authcore_index_hash(const uint8_t* p, size_t n, uint64_t seed) noexcept nogil
    void authcore_index_prefetch(const void* p) noexcept nogil
    void* authcore_index_map(size_t bytes) noexcept nogil
    void authcore_index_unmap(void* p, size_t bytes) noexcept nogil
    void* authcore_index_remap(void* p, size_t old_bytes, size_t new_bytes) noexcept nogil

# The slot of a table entry with no account (all its bits set).
cdef uint32_t EMPTY = 0xFFFFFFFF
cdef uint64_t EMPTY_ENTRY = 0xFFFFFFFFFFFFFFFF
# A table of at most 2**32 entries (its place bits come from the 32-bit hash) holds this many
# within 70 %.
MAX_ACCOUNTS_LIMIT = 2_000_000_000
# What a C-level step reports (0: done).
cdef enum:
    ERR_MEMORY = -1
    ERR_FULL = -2
    ERR_DUPLICATE = -3
# Ids hashed ahead of their lookups, their table entries fetched meanwhile: a lookup in a large
# table is a cache miss, and a block of them overlaps the misses.
cdef enum:
    BLOCK = 16


class IndexFull(Exception):
    """The index holds max_accounts ids already."""


cdef inline bint too_full(size_t count, size_t capacity) noexcept nogil:
    """Whether count entries would fill a table of capacity past 70 %."""
    return count * 10 > capacity * 7


cdef class AccountIndex:
    """Account ids -> slots 0, 1, 2, ... in the order they were added."""

    cdef readonly Py_ssize_t max_accounts
    cdef readonly Py_ssize_t max_id_bytes
    cdef readonly int hash_bits
    cdef uint64_t seed
    cdef uint32_t hash_mask
    cdef Py_ssize_t n             # ids held
    cdef Py_ssize_t n_cap         # ids the offsets have room for
    cdef uint64_t* offsets        # n_cap + 1 entries; offsets[0] = 0
    cdef uint8_t* arena
    cdef size_t arena_len
    cdef size_t arena_cap
    cdef uint64_t* table          # (hash << 32) | slot; EMPTY_ENTRY where no id
    cdef size_t table_cap         # 2 ** table_bits
    cdef int table_bits
    cdef int lookups_in           # slots_of calls running without the GIL

    def __cinit__(self):
        self.offsets = <uint64_t*>authcore_index_map(sizeof(uint64_t))
        if self.offsets == NULL:
            raise MemoryError()
        self.offsets[0] = 0
        if new_table(self, 4) != 0:
            raise MemoryError()

    def __init__(self, Py_ssize_t max_accounts, Py_ssize_t max_id_bytes=256, int hash_bits=32):
        """An empty index of at most max_accounts ids of at most max_id_bytes UTF-8 bytes each.
        hash_bits below 32 keeps only that many bits of each stored hash: for tests, to make many
        ids share a hash."""
        if self.n:
            raise RuntimeError("the index holds ids already")
        if not 0 < max_accounts <= MAX_ACCOUNTS_LIMIT:
            raise ValueError(f"max_accounts {max_accounts}: must be from 1 to {MAX_ACCOUNTS_LIMIT}")
        if max_id_bytes < 1:
            raise ValueError(f"max_id_bytes {max_id_bytes}: must be at least 1")
        if not 1 <= hash_bits <= 32:
            raise ValueError(f"hash_bits {hash_bits}: must be from 1 to 32")
        self.max_accounts = max_accounts
        self.max_id_bytes = max_id_bytes
        self.hash_bits = hash_bits
        # The top bits: those that place an entry.
        self.hash_mask = <uint32_t>((EMPTY_ENTRY << (32 - hash_bits)) & EMPTY)
        self.seed = int.from_bytes(os.urandom(8), "little")

    def __dealloc__(self):
        authcore_index_unmap(self.offsets, (self.n_cap + 1) * sizeof(uint64_t))
        authcore_index_unmap(self.arena, self.arena_cap)
        authcore_index_unmap(self.table, self.table_cap * sizeof(uint64_t))

    # -- lookups ----------------------------------------------------------------------------

    def get(self, account_id, default=None):
        """The slot of account_id, or default when it is not in the index."""
        cdef Py_ssize_t size
        cdef const char* p
        if not isinstance(account_id, str):
            return default
        try:
            p = PyUnicode_AsUTF8AndSize(account_id, &size)
        except UnicodeEncodeError:
            return default
        cdef int64_t slot = find(self, <const uint8_t*>p, size, self.hash_of(<const uint8_t*>p, size))
        return default if slot < 0 else slot

    def __getitem__(self, account_id):
        slot = self.get(account_id)
        if slot is None:
            raise KeyError(account_id)
        return slot

    def __contains__(self, account_id):
        return self.get(account_id) is not None

    def __len__(self):
        return self.n

    def __iter__(self):
        """The ids in slot order (as a dict's keys iterate in insertion order)."""
        cdef Py_ssize_t i
        for i in range(self.n):
            yield self.id_of(i)

    def slots_of(self, ids):
        """The slots of a sequence of ids as int64, -1 for an id not in the index. The ids are
        encoded under the GIL, then looked up without it."""
        cdef list items = ids if type(ids) is list else list(ids)
        cdef Py_ssize_t count = len(items)
        out = np.empty(count, dtype=np.int64)
        if count == 0:
            return out
        cdef int64_t[::1] slots = out
        cdef Encoded encoded
        encode(&encoded, items, -1)
        cdef Py_ssize_t i
        self.lookups_in += 1
        try:
            with nogil:
                find_many(self, encoded.data, encoded.sizes, count, &slots[0])
        finally:
            self.lookups_in -= 1
            release(&encoded)
        return out

    def id_of(self, Py_ssize_t slot):
        """The id at slot."""
        if not 0 <= slot < self.n:
            raise IndexError(f"slot {slot}: the index holds {self.n} ids")
        return PyUnicode_DecodeUTF8(<const char*>self.arena + self.offsets[slot],
                                    self.offsets[slot + 1] - self.offsets[slot], NULL)

    def ids(self):
        """Every id in slot order, as a list (for tools and tests: one str per account)."""
        return [self.id_of(i) for i in range(self.n)]

    # -- additions --------------------------------------------------------------------------

    def add(self, account_id):
        """Add a new id at the next slot and return it; ValueError if it is there already,
        IndexFull when max_accounts ids are."""
        cdef Py_ssize_t size
        if not isinstance(account_id, str):
            raise TypeError(f"an account id is a str, not {type(account_id).__name__}")
        cdef const uint8_t* p = <const uint8_t*>PyUnicode_AsUTF8AndSize(account_id, &size)
        self.check_size(account_id, size)
        self.check_unshared()
        cdef uint32_t h = self.hash_of(p, size)
        if find(self, p, size, h) >= 0:
            raise ValueError(f"account id {account_id!r} is in the index already")
        cdef int64_t slot = append(self, p, size, h)
        if slot < 0:
            self.fail(<int>slot, 1)
        return slot

    def add_many(self, ids):
        """The slots of ids as int64, adding those not in the index at the next slots in order
        (an id given twice is added once). All or nothing: when they would not all fit, or one
        is too long, nothing is added."""
        cdef list items = ids if type(ids) is list else list(ids)
        cdef Py_ssize_t count = len(items)
        out = np.empty(count, dtype=np.int64)
        if count == 0:
            return out
        cdef int64_t[::1] slots = out
        cdef Encoded encoded
        encode(&encoded, items, self.max_id_bytes)
        cdef Py_ssize_t i, before = self.n
        cdef int64_t slot = 0
        cdef uint32_t h
        try:
            self.check_unshared()
            # With the GIL (the loop is C all the same): a get() meanwhile would read the buffers
            # this may move.
            for i in range(count):
                h = self.hash_of(encoded.data[i], encoded.sizes[i])
                slot = find(self, encoded.data[i], encoded.sizes[i], h)
                if slot < 0:
                    slot = append(self, encoded.data[i], encoded.sizes[i], h)
                    if slot < 0:
                        break
                slots[i] = slot
            if slot < 0:
                truncate(self, before)
        finally:
            release(&encoded)
        if slot < 0:
            self.fail(<int>slot, count)
        return out

    # -- snapshots --------------------------------------------------------------------------

    def to_arrays(self):
        """The index as arrays for a snapshot: "ids" (uint8, the ids' UTF-8 bytes one after
        another) and "offsets" (uint64, n + 1: id i is ids[offsets[i]:offsets[i + 1]])."""
        ids = np.empty(self.arena_len, dtype=np.uint8)
        offsets = np.empty(self.n + 1, dtype=np.uint64)
        cdef uint8_t[::1] ids_view = ids
        cdef uint64_t[::1] offsets_view = offsets
        if self.arena_len:
            memcpy(&ids_view[0], self.arena, self.arena_len)
        memcpy(&offsets_view[0], self.offsets, (self.n + 1) * sizeof(uint64_t))
        return {"ids": ids, "offsets": offsets}

    @classmethod
    def from_arrays(cls, arrays, Py_ssize_t max_accounts, Py_ssize_t max_id_bytes=256, int hash_bits=32):
        """An index from to_arrays(): the arrays copied in and the table rebuilt in C (no Python
        object per id). ValueError when they are not such arrays (offsets out of order or past
        the bytes, an id too long or not UTF-8, an id twice) or hold more than max_accounts ids."""
        ids = np.ascontiguousarray(arrays["ids"])
        offsets = np.ascontiguousarray(arrays["offsets"])
        if ids.dtype != np.uint8 or ids.ndim != 1 or offsets.dtype != np.uint64 or offsets.ndim != 1:
            raise ValueError("the account index arrays are not ids: uint8[] and offsets: uint64[]")
        cdef Py_ssize_t count = offsets.shape[0] - 1
        if count < 0 or offsets[0] != 0 or int(offsets[count]) != ids.shape[0]:
            raise ValueError("the account index offsets do not start at 0 and end at the ids' length")
        if count > max_accounts:
            raise ValueError(f"the account index holds {count} ids, more than max_accounts {max_accounts}")
        lengths = np.diff(offsets.astype(np.int64))
        if count and (lengths.min() < 0 or lengths.max() > max_id_bytes):
            raise ValueError(f"the account index offsets go backwards or give an id over {max_id_bytes} bytes")
        # Each id valid UTF-8 on its own: the whole is, and no id starts inside a character.
        try:
            codecs.utf_8_decode(ids, "strict", True)
        except UnicodeDecodeError as exc:
            raise ValueError(f"the account index ids are not UTF-8: {exc}") from None
        starts = offsets[:count][lengths > 0].astype(np.int64)
        if starts.size and ((ids[starts] & 0xC0) == 0x80).any():
            raise ValueError("an account id of the index starts inside a UTF-8 character")
        cdef AccountIndex index = cls(max_accounts, max_id_bytes, hash_bits)
        cdef const uint8_t[::1] ids_view = ids
        cdef const uint64_t[::1] offsets_view = offsets
        if reserve_ids(index, count) != 0 or reserve_bytes(index, ids.shape[0]) != 0:
            raise MemoryError()
        if ids.shape[0]:
            memcpy(index.arena, &ids_view[0], ids.shape[0])
        memcpy(index.offsets, &offsets_view[0], (count + 1) * sizeof(uint64_t))
        index.arena_len = ids.shape[0]
        cdef int status
        with nogil:
            status = rebuild(index, count)
        if status == ERR_DUPLICATE:
            raise ValueError("an account id is in the index arrays twice")
        if status != 0:
            raise MemoryError()
        return index

    @property
    def buffers(self):
        """(address, bytes) of the ids' arena (None before the first id), the offsets and the
        table, each pages mapped for it alone: for memory reports and tests."""
        arena = None if self.arena == NULL else (<uintptr_t>self.arena, self.arena_cap)
        return arena, (<uintptr_t>self.offsets, (self.n_cap + 1) * sizeof(uint64_t)), \
            (<uintptr_t>self.table, self.table_cap * sizeof(uint64_t))

    @property
    def nbytes(self):
        """Bytes the index holds in its buffers (ids, offsets, table), spare room included."""
        return (self.arena_cap + (self.n_cap + 1) * sizeof(uint64_t)
                + self.table_cap * sizeof(uint64_t))

    # -- helpers ----------------------------------------------------------------------------

    cdef inline uint32_t hash_of(self, const uint8_t* p, size_t size) noexcept nogil:
        """The top 32 bits of the id's 64-bit hash (the best mixed), as many as hash_bits keeps."""
        return <uint32_t>(authcore_index_hash(p, size, self.seed) >> 32) & self.hash_mask

    cdef int check_size(self, account_id, Py_ssize_t size) except -1:
        if size > self.max_id_bytes:
            raise ValueError(f"account id {account_id!r} is {size} bytes in UTF-8; the index takes at most "
                             f"{self.max_id_bytes}")
        return 0

    cdef int check_unshared(self) except -1:
        if self.lookups_in:
            raise RuntimeError("the account index cannot change while a lookup runs without the GIL; "
                               "additions take the state lock's exclusive side")
        return 0

    cdef int fail(self, int status, Py_ssize_t count) except -1:
        if status == ERR_FULL:
            raise IndexFull(f"the account index holds at most {self.max_accounts} ids and has {self.n}: "
                            f"the {count} given would pass that, none was added")
        raise MemoryError()


# -- C-level steps: no Python objects, 0 or a slot on success, ERR_* on failure ------------------

cdef struct Encoded:
    const uint8_t** data
    Py_ssize_t* sizes


cdef int encode(Encoded* e, list items, Py_ssize_t max_size) except -1:
    """Point at each str's UTF-8 bytes (kept alive by items); a size of -1 for one that has none
    (a lone surrogate). max_size >= 0: ValueError for an id longer, or one that cannot be encoded,
    or TypeError for one that is not a str."""
    cdef Py_ssize_t i, count = len(items), size
    e.data = <const uint8_t**>malloc(count * sizeof(uint8_t*))
    e.sizes = <Py_ssize_t*>malloc(count * sizeof(Py_ssize_t))
    if e.data == NULL or e.sizes == NULL:
        release(e)
        raise MemoryError()
    try:
        for i in range(count):
            item = items[i]
            if not isinstance(item, str):
                raise TypeError(f"ids[{i}]: an account id is a str, not {type(item).__name__}")
            try:
                e.data[i] = <const uint8_t*>PyUnicode_AsUTF8AndSize(item, &size)
            except UnicodeEncodeError:
                if max_size >= 0:
                    raise ValueError(f"ids[{i}]: account id {item!r} cannot be encoded in UTF-8") from None
                e.data[i] = NULL
                size = -1
            if max_size >= 0 and size > max_size:
                raise ValueError(f"ids[{i}]: account id {item!r} is {size} bytes in UTF-8; the index takes at "
                                 f"most {max_size}")
            e.sizes[i] = size
    except BaseException:
        release(e)
        raise
    return 0


cdef void release(Encoded* e) noexcept:
    free(e.data)
    free(e.sizes)
    e.data = NULL
    e.sizes = NULL


cdef inline size_t place_of(AccountIndex index, uint32_t h) noexcept nogil:
    """Where an entry of hash h goes first: the top table_bits bits of h."""
    return h >> (32 - index.table_bits)


cdef int64_t find(AccountIndex index, const uint8_t* p, size_t size, uint32_t h) noexcept nogil:
    """The slot of the id of size bytes at p whose hash is h, or -1. Ends: the table always has
    an empty entry (at most 70 % full)."""
    cdef size_t mask = index.table_cap - 1, pos = place_of(index, h)
    cdef uint64_t entry, start
    cdef uint32_t slot
    while True:
        entry = index.table[pos]
        slot = <uint32_t>entry
        if slot == EMPTY:
            return -1
        if <uint32_t>(entry >> 32) == h:
            start = index.offsets[slot]
            if index.offsets[slot + 1] - start == size and memcmp(index.arena + start, p, size) == 0:
                return slot
        pos = (pos + 1) & mask


cdef void place(AccountIndex index, uint32_t h, uint32_t slot) noexcept nogil:
    """Put (h, slot) in the first empty entry from h's place."""
    cdef size_t mask = index.table_cap - 1, pos = place_of(index, h)
    while <uint32_t>index.table[pos] != EMPTY:
        pos = (pos + 1) & mask
    index.table[pos] = ((<uint64_t>h) << 32) | slot


cdef int new_table(AccountIndex index, int bits) noexcept nogil:
    """An empty table of 2 ** bits entries in place of the old one (the caller has placed or
    drops its entries). ERR_MEMORY leaves the old."""
    cdef size_t i, capacity = (<size_t>1) << bits
    cdef uint64_t* table = <uint64_t*>authcore_index_map(capacity * sizeof(uint64_t))
    if table == NULL:
        return ERR_MEMORY
    for i in range(capacity):
        table[i] = EMPTY_ENTRY
    authcore_index_unmap(index.table, index.table_cap * sizeof(uint64_t))
    index.table, index.table_cap, index.table_bits = table, capacity, bits
    return 0


cdef int grow_table(AccountIndex index) noexcept nogil:
    """Double the table, placing the stored hashes again (the ids are not read)."""
    cdef uint64_t* old = index.table
    cdef size_t i, old_cap = index.table_cap
    cdef int old_bits = index.table_bits
    if old_bits >= 32:
        return ERR_FULL
    index.table, index.table_cap = NULL, 0
    if new_table(index, old_bits + 1) != 0:
        index.table, index.table_cap, index.table_bits = old, old_cap, old_bits
        return ERR_MEMORY
    for i in range(old_cap):
        if <uint32_t>old[i] != EMPTY:
            place(index, <uint32_t>(old[i] >> 32), <uint32_t>old[i])
    authcore_index_unmap(old, old_cap * sizeof(uint64_t))
    return 0


cdef int reserve_ids(AccountIndex index, Py_ssize_t count) noexcept nogil:
    """Room in the offsets for count ids in all (by half again, never past max_accounts), and a
    table that holds them within 70 %."""
    cdef Py_ssize_t cap
    cdef uint64_t* grown
    if count > index.n_cap:
        cap = index.n_cap + index.n_cap // 2
        if cap < 64:
            cap = 64
        if cap < count:
            cap = count
        if cap > index.max_accounts:
            cap = index.max_accounts
        grown = <uint64_t*>authcore_index_remap(index.offsets, (index.n_cap + 1) * sizeof(uint64_t),
                                                (cap + 1) * sizeof(uint64_t))
        if grown == NULL:
            return ERR_MEMORY
        index.offsets, index.n_cap = grown, cap
    while too_full(count, index.table_cap):
        if grow_table(index) != 0:
            return ERR_MEMORY
    return 0


cdef int reserve_bytes(AccountIndex index, size_t size) noexcept nogil:
    """Room in the arena for size bytes in all (by half again)."""
    cdef size_t cap
    cdef uint8_t* grown
    if size <= index.arena_cap:
        return 0
    cap = index.arena_cap + index.arena_cap // 2
    if cap < 4096:
        cap = 4096
    if cap < size:
        cap = size
    grown = <uint8_t*>authcore_index_remap(index.arena, index.arena_cap, cap)
    if grown == NULL:
        return ERR_MEMORY
    index.arena, index.arena_cap = grown, cap
    return 0


cdef int64_t append(AccountIndex index, const uint8_t* p, size_t size, uint32_t h) noexcept nogil:
    """Add an id known not to be there at the next slot; the slot, or ERR_FULL / ERR_MEMORY."""
    cdef Py_ssize_t slot = index.n
    if slot >= index.max_accounts:
        return ERR_FULL
    if reserve_ids(index, slot + 1) != 0 or reserve_bytes(index, index.arena_len + size) != 0:
        return ERR_MEMORY
    memcpy(index.arena + index.arena_len, p, size)
    index.arena_len += size
    index.offsets[slot + 1] = index.arena_len
    place(index, h, <uint32_t>slot)
    index.n = slot + 1
    return slot


cdef int rebuild(AccountIndex index, Py_ssize_t count) noexcept nogil:
    """The table of the first count ids of the arena, hashed again; ERR_DUPLICATE when an id is
    there twice."""
    cdef Py_ssize_t slot
    cdef uint64_t start
    cdef uint32_t h
    cdef size_t i, size
    index.n = 0
    if reserve_ids(index, count) != 0:
        return ERR_MEMORY
    for i in range(index.table_cap):
        index.table[i] = EMPTY_ENTRY
    cdef uint32_t hashes[BLOCK]
    cdef Py_ssize_t first, end
    first = 0
    while first < count:
        end = min(first + BLOCK, count)
        for slot in range(first, end):
            start = index.offsets[slot]
            h = hashes[slot - first] = index.hash_of(index.arena + start, index.offsets[slot + 1] - start)
            authcore_index_prefetch(&index.table[place_of(index, h)])
        for slot in range(first, end):
            start = index.offsets[slot]
            size = index.offsets[slot + 1] - start
            h = hashes[slot - first]
            if find(index, index.arena + start, size, h) >= 0:
                return ERR_DUPLICATE
            place(index, h, <uint32_t>slot)
            index.n = slot + 1
        first = end
    index.arena_len = index.offsets[count]
    return 0


cdef void find_many(AccountIndex index, const uint8_t** data, const Py_ssize_t* sizes, Py_ssize_t count,
                    int64_t* out) noexcept nogil:
    """out[i]: the slot of the id of sizes[i] bytes at data[i] (-1: not there, or a size of -1)."""
    cdef uint32_t hashes[BLOCK]
    cdef Py_ssize_t first, end, i
    first = 0
    while first < count:
        end = min(first + BLOCK, count)
        for i in range(first, end):
            if sizes[i] >= 0:
                hashes[i - first] = index.hash_of(data[i], sizes[i])
                authcore_index_prefetch(&index.table[place_of(index, hashes[i - first])])
        for i in range(first, end):
            out[i] = find(index, data[i], sizes[i], hashes[i - first]) if sizes[i] >= 0 else -1
        first = end


cdef void truncate(AccountIndex index, Py_ssize_t count) noexcept nogil:
    """Drop the ids from slot count on (an add_many that could not finish)."""
    rebuild(index, count)
