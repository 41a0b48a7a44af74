# cython: language_level=3
"""BLAKE2b (RFC 7693) with an 8-byte digest and no key, in C: the chunk's device and network
hashes (authcore.decision.columns.hash64, hashlib's BLAKE2b, is its reference; tests hold the two
equal) without a Python call per distinct value."""

from libc.stdint cimport uint64_t
from libc.string cimport memcpy, memset

cdef extern from *:
    """
    static const unsigned long long AUTHCORE_BLAKE2B_IV[8] = {
        0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
        0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};
    static const unsigned char AUTHCORE_BLAKE2B_SIGMA[12][16] = {
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
        {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
        {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
        {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
        {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
        {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
        {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
        {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
        {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
        {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
        {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3}};
    """
    const uint64_t* BLAKE2B_IV "AUTHCORE_BLAKE2B_IV"
    const unsigned char[12][16] BLAKE2B_SIGMA "AUTHCORE_BLAKE2B_SIGMA"


cdef inline uint64_t _rotr(uint64_t x, int k) noexcept nogil:
    return (x >> k) | (x << (64 - k))


cdef inline uint64_t _load64(const unsigned char* p) noexcept nogil:
    """A little-endian word, whatever the machine's byte order."""
    cdef uint64_t v = 0
    cdef int i
    for i in range(8):
        v |= (<uint64_t>p[i]) << (8 * i)
    return v


cdef inline void _mix(uint64_t* v, int a, int b, int c, int d, uint64_t x, uint64_t y) noexcept nogil:
    v[a] = v[a] + v[b] + x
    v[d] = _rotr(v[d] ^ v[a], 32)
    v[c] = v[c] + v[d]
    v[b] = _rotr(v[b] ^ v[c], 24)
    v[a] = v[a] + v[b] + y
    v[d] = _rotr(v[d] ^ v[a], 16)
    v[c] = v[c] + v[d]
    v[b] = _rotr(v[b] ^ v[c], 63)


cdef inline void _compress(uint64_t* h, const unsigned char* block, uint64_t counted, bint last) noexcept nogil:
    cdef uint64_t v[16]
    cdef uint64_t m[16]
    cdef int i
    cdef const unsigned char* s
    for i in range(8):
        v[i] = h[i]
        v[i + 8] = BLAKE2B_IV[i]
    v[12] ^= counted  # the counter's high word stays 0: a value is far below 2**64 bytes
    if last:
        v[14] = ~v[14]
    for i in range(16):
        m[i] = _load64(block + 8 * i)
    for i in range(12):
        s = BLAKE2B_SIGMA[i]
        _mix(v, 0, 4, 8, 12, m[s[0]], m[s[1]])
        _mix(v, 1, 5, 9, 13, m[s[2]], m[s[3]])
        _mix(v, 2, 6, 10, 14, m[s[4]], m[s[5]])
        _mix(v, 3, 7, 11, 15, m[s[6]], m[s[7]])
        _mix(v, 0, 5, 10, 15, m[s[8]], m[s[9]])
        _mix(v, 1, 6, 11, 12, m[s[10]], m[s[11]])
        _mix(v, 2, 7, 8, 13, m[s[12]], m[s[13]])
        _mix(v, 3, 4, 9, 14, m[s[14]], m[s[15]])
    for i in range(8):
        h[i] ^= v[i] ^ v[i + 8]


cdef inline uint64_t blake2b_64(const unsigned char* data, Py_ssize_t n) noexcept nogil:
    """The 8-byte BLAKE2b digest of data[:n], read little-endian (hashlib.blake2b(data,
    digest_size=8) as int.from_bytes(..., "little"))."""
    cdef uint64_t h[8]
    cdef unsigned char last[128]
    cdef uint64_t counted = 0
    cdef int i
    for i in range(8):
        h[i] = BLAKE2B_IV[i]
    h[0] ^= 0x01010000 ^ 8  # fan-out and depth 1, no key, an 8-byte digest
    while n > 128:
        counted += 128
        _compress(h, data, counted, False)
        data += 128
        n -= 128
    memset(last, 0, 128)
    if n:
        memcpy(last, data, n)
    _compress(h, last, counted + n, True)
    return h[0]


cdef inline uint64_t hash64_of(const unsigned char* data, Py_ssize_t n) noexcept nogil:
    """authcore.decision.columns.hash64: the digest, 1 where it is 0 (0 means "none" to the kernel)."""
    cdef uint64_t v = blake2b_64(data, n)
    return v if v else 1
