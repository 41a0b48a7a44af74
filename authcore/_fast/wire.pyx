# cython: language_level=3
"""Protocol-buffer encoding of the journal's records, in C: what every committed record costs
(authcore.journal.store appends them; authcore._fast.path encodes an approval's answer with the
same writer).

The bytes are those protobuf's own serializer (upb) writes for the same message: fields in
number order, proto3 scalars left out when zero (a double when all its bits are zero, so -0.0 is
written), a sub-message written when it is set, even empty. tests/test_request_path.py compares
them with upb's over generated values."""

import hashlib

import numpy as np

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.math cimport NAN
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcmp, memcpy, memset

cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object text, Py_ssize_t* size) except NULL

cdef extern from "zlib.h" nogil:
    unsigned long zlib_crc32 "crc32" (unsigned long crc, const unsigned char* buf, unsigned int len)

_blake2b = hashlib.blake2b


# -- the writer ---------------------------------------------------------------------------------

cdef int open_out(Out* o, Py_ssize_t capacity) except -1:
    o.p = <unsigned char*>malloc(capacity)
    if o.p == NULL:
        raise MemoryError()
    o.n = 0
    o.cap = capacity
    return 0


cdef void close_out(Out* o) noexcept:
    free(o.p)
    o.p = NULL


cdef bytes take(Out* o):
    return PyBytes_FromStringAndSize(<char*>o.p, o.n)


cdef int reserve(Out* o, Py_ssize_t k) except -1:
    cdef Py_ssize_t cap
    cdef unsigned char* p
    if o.n + k <= o.cap:
        return 0
    cap = o.cap * 2
    if cap < o.n + k:
        cap = o.n + k
    p = <unsigned char*>realloc(o.p, cap)
    if p == NULL:
        raise MemoryError()
    o.p = p
    o.cap = cap
    return 0


cdef int raw(Out* o, const void* data, Py_ssize_t k) except -1:
    reserve(o, k)
    memcpy(o.p + o.n, data, k)
    o.n += k
    return 0


cdef int varint(Out* o, uint64_t v) except -1:
    reserve(o, 10)
    while v >= 0x80:
        o.p[o.n] = <unsigned char>(v | 0x80)
        o.n += 1
        v >>= 7
    o.p[o.n] = <unsigned char>v
    o.n += 1
    return 0


cdef int le64(Out* o, uint64_t v) except -1:
    cdef int i
    reserve(o, 8)
    for i in range(8):
        o.p[o.n + i] = <unsigned char>(v >> (8 * i))
    o.n += 8
    return 0


cdef int le32(Out* o, uint32_t v) except -1:
    cdef int i
    reserve(o, 4)
    for i in range(4):
        o.p[o.n + i] = <unsigned char>(v >> (8 * i))
    o.n += 4
    return 0


cdef int field_varint(Out* o, int field, uint64_t v) except -1:
    """A proto3 integer or enum (int64 and int32 as their 64-bit two's complement); 0 is left out."""
    if v != 0:
        varint(o, <uint64_t>(field << 3))
        varint(o, v)
    return 0


cdef int field_double(Out* o, int field, double v) except -1:
    """A proto3 double; left out when all its bits are zero."""
    cdef uint64_t bits
    memcpy(&bits, &v, 8)
    if bits != 0:
        varint(o, <uint64_t>((field << 3) | 1))
        le64(o, bits)
    return 0


cdef int field_double_present(Out* o, int field, double v) except -1:
    """An optional double (explicit presence): written whatever its value."""
    cdef uint64_t bits
    memcpy(&bits, &v, 8)
    varint(o, <uint64_t>((field << 3) | 1))
    le64(o, bits)
    return 0


cdef int field_fixed64(Out* o, int field, uint64_t v) except -1:
    if v != 0:
        varint(o, <uint64_t>((field << 3) | 1))
        le64(o, v)
    return 0


cdef int field_chars(Out* o, int field, const char* data, Py_ssize_t k) except -1:
    """A proto3 string or bytes; empty is left out."""
    if k > 0:
        varint(o, <uint64_t>((field << 3) | 2))
        varint(o, <uint64_t>k)
        raw(o, data, k)
    return 0


cdef int field_message(Out* o, int field, const unsigned char* data, Py_ssize_t k) except -1:
    """A set sub-message (written even when empty)."""
    varint(o, <uint64_t>((field << 3) | 2))
    varint(o, <uint64_t>k)
    raw(o, data, k)
    return 0


cdef int field_text(Out* o, int field, object text) except -1:
    """A str as a string field (None or empty: left out)."""
    cdef Py_ssize_t k
    cdef const char* data
    if text is None:
        return 0
    data = PyUnicode_AsUTF8AndSize(text, &k)
    return field_chars(o, field, data, k)


cdef int field_bytes(Out* o, int field, object data) except -1:
    """bytes as a bytes field (None or empty: left out)."""
    if data is None:
        return 0
    if type(data) is not bytes:
        raise TypeError(f"bytes expected, not {type(data).__name__}")
    return field_chars(o, field, PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data))


cdef int field_timestamp(Out* o, int field, int64_t seconds) except -1:
    """A set google.protobuf.Timestamp of whole seconds."""
    cdef Out inner
    open_out(&inner, 16)
    try:
        field_varint(&inner, 1, <uint64_t>seconds)
        field_message(o, field, inner.p, inner.n)
    finally:
        close_out(&inner)
    return 0


# -- journal records --------------------------------------------------------------------------

def record_digest(bytes previous, int64_t at_s, str method, object request_id, object fingerprint, object effect,
                  object response):
    """The record's link in the digest chain: BLAKE2b-128 over the previous digest and the
    record's fields, \\0 after each (authcore.journal.store._digest, whose older records are text)."""
    cdef Out o
    if (response is not None and type(response) is not bytes) or (fingerprint is not None and type(fingerprint)
                                                                    is not bytes):
        raise TypeError("a record's fingerprint and response are bytes")
    open_out(&o, 512 + (PyBytes_GET_SIZE(response) if response is not None else 0)
             + (PyBytes_GET_SIZE(effect) if type(effect) is bytes else 0))
    try:
        raw(&o, PyBytes_AS_STRING(previous), PyBytes_GET_SIZE(previous))
        text = str(at_s).encode()
        raw(&o, PyBytes_AS_STRING(text), PyBytes_GET_SIZE(text))
        raw(&o, b"\0", 1)
        _part(&o, method)
        _part(&o, request_id or "")
        _part(&o, effect or "")
        if fingerprint:
            raw(&o, PyBytes_AS_STRING(fingerprint), PyBytes_GET_SIZE(fingerprint))
        raw(&o, b"\0", 1)
        if response:
            raw(&o, PyBytes_AS_STRING(response), PyBytes_GET_SIZE(response))
        return _blake2b(take(&o), digest_size=16).digest()
    finally:
        close_out(&o)


cdef int _part(Out* o, object part) except -1:
    cdef Py_ssize_t k
    cdef const char* data
    if type(part) is bytes:
        raw(o, PyBytes_AS_STRING(part), PyBytes_GET_SIZE(part))
    else:
        data = PyUnicode_AsUTF8AndSize(part, &k)
        raw(o, data, k)
    raw(o, b"\0", 1)
    return 0


def record_frame(uint64_t seq, int64_t at_s, str method, object request_id, object fingerprint, object effect,
                 object response, bytes digest, object audit_row):
    """A journal record (authcore.v1.JournalRecord) in its segment frame: u32 length, u32 CRC-32
    of the record, u32 CRC-32 of those 8 bytes, the record (authcore.journal.segments). audit_row:
    None, or the "audit" side row's parameters (at_s, method, request_id, decisions,
    policy_version, model_version, data)."""
    cdef Out o
    cdef Out audit
    cdef Py_ssize_t size
    cdef uint32_t crc
    cdef unsigned char head[8]
    if (response is not None and type(response) is not bytes) or (effect is not None and type(effect) is not bytes) \
            or (audit_row is not None and type(audit_row[6]) is not bytes):
        raise TypeError("a record's effect, response and audit data are bytes")
    size = 256 + (PyBytes_GET_SIZE(response) if response is not None else 0) \
        + (PyBytes_GET_SIZE(effect) if effect is not None else 0)
    if audit_row is not None:
        size += PyBytes_GET_SIZE(audit_row[6]) + 256
    open_out(&o, size + 12)
    try:
        o.n = 12  # the frame's header, filled in below
        field_varint(&o, 1, seq)
        field_varint(&o, 2, <uint64_t>at_s)
        field_text(&o, 3, method)
        field_text(&o, 4, request_id)
        field_bytes(&o, 5, fingerprint)
        field_bytes(&o, 6, effect)
        field_bytes(&o, 7, response)
        field_bytes(&o, 8, digest)
        if audit_row is not None:
            # The sub-message's small fields first; its data, the last field, is then written
            # straight after them into the record (a bulk chunk's is megabytes: one copy).
            data = audit_row[6]
            open_out(&audit, 256)
            try:
                field_text(&audit, 1, audit_row[1])
                field_text(&audit, 2, audit_row[2])
                field_varint(&audit, 3, <uint32_t>audit_row[3])
                field_text(&audit, 4, audit_row[4])
                field_text(&audit, 5, audit_row[5])
                varint(&o, <uint64_t>((9 << 3) | 2))
                varint(&o, <uint64_t>(audit.n + _bytes_field_size(6, PyBytes_GET_SIZE(data))))
                raw(&o, audit.p, audit.n)
                field_bytes(&o, 6, data)
            finally:
                close_out(&audit)
        size = o.n - 12
        crc = _crc32_of(o.p + 12, size)
        set_u32(o.p, <uint32_t>size)
        set_u32(o.p + 4, crc)
        memcpy(head, o.p, 8)
        set_u32(o.p + 8, _crc32_of(head, 8))
        return take(&o)
    finally:
        close_out(&o)


cdef Py_ssize_t _varint_size(uint64_t v) noexcept:
    cdef Py_ssize_t k = 1
    while v >= 0x80:
        v >>= 7
        k += 1
    return k


cdef Py_ssize_t _bytes_field_size(int field, Py_ssize_t k) noexcept:
    """The bytes field_bytes writes for k bytes of data (none when empty)."""
    return 0 if k == 0 else _varint_size(<uint64_t>(field << 3)) + _varint_size(<uint64_t>k) + k


cdef uint32_t _crc32_of(const unsigned char* p, Py_ssize_t k) noexcept:
    """zlib.crc32 of p[:k], read in place, without the GIL (as zlib.crc32 of a large buffer)."""
    cdef unsigned long crc = zlib_crc32(0, NULL, 0)
    cdef unsigned int part
    with nogil:
        while k > 0:
            part = <unsigned int>(k if k < 0x40000000 else 0x40000000)
            crc = zlib_crc32(crc, p, part)
            p += part
            k -= part
    return <uint32_t>crc


cdef void set_u32(unsigned char* p, uint32_t v) noexcept:
    """v little-endian at p (a length or a CRC filled in after what follows it is written)."""
    p[0] = <unsigned char>v
    p[1] = <unsigned char>(v >> 8)
    p[2] = <unsigned char>(v >> 16)
    p[3] = <unsigned char>(v >> 24)


# -- the reader: a journal's tail, replayed ----------------------------------------------------

cdef extern from "Python.h":
    object PyUnicode_DecodeUTF8(const char* s, Py_ssize_t size, const char* errors)

# What read_tail makes of a record (TailBuffer.kind).
TAIL_NO_EFFECT = 0     # nothing to apply (a decline, a read): its request_id only
TAIL_HOLD_PLACED = 1   # a HoldPlaced, in the hold columns
# The records one read_tail call reads at most (the columns' capacity).
TAIL_BATCH = 4096

cdef struct Span:
    const unsigned char* p
    Py_ssize_t n

cdef struct Frame:
    uint64_t seq
    int64_t at_s
    Span method
    Span request_id
    Span fingerprint
    Span effect
    Span response
    Span digest

cdef struct Hold:
    Span authorization_id
    Span account_id
    Span merchant_id
    uint64_t channel
    int64_t amount
    uint64_t flags
    int64_t expires_s
    uint64_t device
    uint64_t ipnet
    double lat
    double lon
    int64_t term
    int64_t rate


cdef inline int read_varint(const unsigned char** at, const unsigned char* end, uint64_t* v) noexcept nogil:
    """A varint at *at (moved past it); -1 when cut short or longer than 10 bytes."""
    cdef const unsigned char* p = at[0]
    cdef uint64_t out = 0
    cdef int shift = 0
    while p < end and shift < 70:
        out |= <uint64_t>(p[0] & 0x7F) << shift
        if p[0] < 0x80:
            at[0] = p + 1
            v[0] = out
            return 0
        p += 1
        shift += 7
    return -1


cdef inline int read_span(const unsigned char** at, const unsigned char* end, Span* s) noexcept nogil:
    cdef uint64_t k
    if read_varint(at, end, &k) != 0 or k > <uint64_t>(end - at[0]):
        return -1
    s.p = at[0]
    s.n = <Py_ssize_t>k
    at[0] += k
    return 0


cdef inline int read_le64(const unsigned char** at, const unsigned char* end, uint64_t* v) noexcept nogil:
    cdef int i
    cdef uint64_t out = 0
    if end - at[0] < 8:
        return -1
    for i in range(8):
        out |= <uint64_t>at[0][i] << (8 * i)
    at[0] += 8
    v[0] = out
    return 0


cdef int skip_field(const unsigned char** at, const unsigned char* end, int wire_type) noexcept nogil:
    """Step over a field of an unknown number; -1 for a group or a wire type that is not one."""
    cdef uint64_t v
    cdef Span s
    if wire_type == 0:
        return read_varint(at, end, &v)
    if wire_type == 1:
        return read_le64(at, end, &v)
    if wire_type == 2:
        return read_span(at, end, &s)
    if wire_type == 5:
        if end - at[0] < 4:
            return -1
        at[0] += 4
        return 0
    return -1


cdef int read_frame_record(const unsigned char* p, Py_ssize_t n, Frame* f) noexcept nogil:
    """The fields of a JournalRecord (the audit row skipped); -1 when it is not one this reader
    reads (the Python path then reads it, or says what is wrong with it)."""
    cdef const unsigned char* end = p + n
    cdef uint64_t key, v
    cdef int field, wire_type
    memset(f, 0, sizeof(Frame))
    while p < end:
        if read_varint(&p, end, &key) != 0:
            return -1
        field = <int>(key >> 3)
        wire_type = <int>(key & 7)
        if field == 1 and wire_type == 0:
            if read_varint(&p, end, &f.seq) != 0:
                return -1
        elif field == 2 and wire_type == 0:
            if read_varint(&p, end, &v) != 0:
                return -1
            f.at_s = <int64_t>v
        elif field == 3 and wire_type == 2:
            if read_span(&p, end, &f.method) != 0:
                return -1
        elif field == 4 and wire_type == 2:
            if read_span(&p, end, &f.request_id) != 0:
                return -1
        elif field == 5 and wire_type == 2:
            if read_span(&p, end, &f.fingerprint) != 0:
                return -1
        elif field == 6 and wire_type == 2:
            if read_span(&p, end, &f.effect) != 0:
                return -1
        elif field == 7 and wire_type == 2:
            if read_span(&p, end, &f.response) != 0:
                return -1
        elif field == 8 and wire_type == 2:
            if read_span(&p, end, &f.digest) != 0:
                return -1
        elif field == 9 and wire_type == 2:
            if skip_field(&p, end, 2) != 0:
                return -1
        else:
            return -1
    return 0


cdef int read_hold_placed(const unsigned char* p, Py_ssize_t n, Hold* h) noexcept nogil:
    """A JournalEffect of format 1 holding a HoldPlaced, into h; -1 for any other effect (the
    Python applier applies it) or a field this reader does not know."""
    cdef const unsigned char* end = p + n
    cdef const unsigned char* inner
    cdef const unsigned char* inner_end
    cdef uint64_t key, v, format = 0
    cdef int field, wire_type
    cdef Span hold, ts
    hold.p = NULL
    hold.n = 0
    while p < end:
        if read_varint(&p, end, &key) != 0:
            return -1
        field = <int>(key >> 3)
        wire_type = <int>(key & 7)
        if field == 1 and wire_type == 0:
            if read_varint(&p, end, &format) != 0:
                return -1
        elif field == 2 and wire_type == 2 and hold.p == NULL:
            if read_span(&p, end, &hold) != 0:
                return -1
        else:
            return -1
    if format != 1 or hold.p == NULL:
        return -1
    memset(h, 0, sizeof(Hold))
    h.lat = NAN
    h.lon = NAN
    p, end = hold.p, hold.p + hold.n
    while p < end:
        if read_varint(&p, end, &key) != 0:
            return -1
        field = <int>(key >> 3)
        wire_type = <int>(key & 7)
        if wire_type == 2 and (field == 1 or field == 2 or field == 9 or field == 8):
            if field == 1:
                if read_span(&p, end, &h.authorization_id) != 0:
                    return -1
            elif field == 2:
                if read_span(&p, end, &h.account_id) != 0:
                    return -1
            elif field == 9:
                if read_span(&p, end, &h.merchant_id) != 0:
                    return -1
            else:
                if read_span(&p, end, &ts) != 0:
                    return -1
                inner, inner_end = ts.p, ts.p + ts.n
                while inner < inner_end:
                    if read_varint(&inner, inner_end, &key) != 0:
                        return -1
                    if key == 8:  # seconds
                        if read_varint(&inner, inner_end, &v) != 0:
                            return -1
                        h.expires_s = <int64_t>v
                    elif key == 16:  # nanos: not kept
                        if read_varint(&inner, inner_end, &v) != 0:
                            return -1
                    else:
                        return -1
        elif wire_type == 0 and 3 <= field <= 7 or wire_type == 0 and (field == 14 or field == 15):
            if read_varint(&p, end, &v) != 0:
                return -1
            if field == 3:
                h.channel = v
            elif field == 4:
                h.amount = <int64_t>v
            elif field == 5:
                h.flags = <uint32_t>v
            elif field == 14:
                h.term = <int64_t><int32_t>v
            elif field == 15:
                h.rate = <int64_t><int32_t>v
            # 6, 7: the day and month, which the ledger works out again
        elif wire_type == 1 and 10 <= field <= 13:
            if read_le64(&p, end, &v) != 0:
                return -1
            if field == 10:
                h.device = v
            elif field == 11:
                h.ipnet = v
            elif field == 12:
                memcpy(&h.lat, &v, 8)
            else:
                memcpy(&h.lon, &v, 8)
        else:
            return -1
    if h.flags > <uint64_t>0x7FFFFFFF:
        return -1
    return 0


cdef inline bint same_span(Span a, const unsigned char* b, Py_ssize_t n) noexcept nogil:
    return a.n == n and memcmp(a.p, b, n) == 0


cdef class TailBuffer:
    """The columns read_tail fills, reused from one call to the next (TAIL_BATCH rows): each
    record's seq, at_s, frame offset and kind (TAIL_NO_EFFECT, TAIL_HOLD_PLACED); its request
    (has_request, the request_id, its BLAKE2b-128 key, the fingerprint's first 8 bytes, the
    method as an index into methods); and a HoldPlaced's fields in the hold columns. count:
    the rows of the last call."""

    cdef readonly Py_ssize_t count
    cdef readonly object seq, at_s, offset, kind, has_request, keys, fp, method, channel, amount, flags
    cdef readonly object expires_s, device, ipnet, lat, lon, term, rate
    cdef readonly list request_ids, authorization_ids, account_ids, merchant_ids, methods

    def __cinit__(self):
        cdef Py_ssize_t n = TAIL_BATCH
        self.count = 0
        self.seq, self.at_s, self.offset = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64)
        self.kind, self.has_request = np.zeros(n, np.uint8), np.zeros(n, np.uint8)
        self.keys, self.fp, self.method = np.zeros((n, 16), np.uint8), np.zeros(n, np.uint64), np.zeros(n, np.uint8)
        self.channel, self.amount, self.flags = np.zeros(n, np.int32), np.zeros(n, np.int64), np.zeros(n, np.int32)
        self.expires_s, self.device, self.ipnet = np.zeros(n, np.int64), np.zeros(n, np.uint64), np.zeros(n, np.uint64)
        self.lat, self.lon = np.zeros(n, np.float64), np.zeros(n, np.float64)
        self.term, self.rate = np.zeros(n, np.int32), np.zeros(n, np.int32)
        self.request_ids, self.authorization_ids = [None] * n, [None] * n
        self.account_ids, self.merchant_ids = [None] * n, [None] * n
        self.methods = []


cdef Py_ssize_t method_code(list methods, Span method) except -2:
    """The index of a method's name in methods (added when new); -1 past 255 names."""
    cdef Py_ssize_t m
    cdef bytes name
    for m in range(len(methods)):
        name = methods[m]
        if same_span(method, <const unsigned char*>PyBytes_AS_STRING(name), PyBytes_GET_SIZE(name)):
            return m
    if len(methods) >= 255:
        return -1
    methods.append(PyBytes_FromStringAndSize(<const char*>method.p, method.n))
    return len(methods) - 1


cdef inline str utf8(Span s):
    return PyUnicode_DecodeUTF8(<const char*>s.p, s.n, NULL)


def read_tail(TailBuffer out not None, const unsigned char[::1] data not None, const int64_t[::1] offsets not None,
              Py_ssize_t start, uint64_t first_seq, uint64_t after_seq, uint64_t expected_seq, bytes digest not None,
              const int32_t[::1] channel_index not None):
    """Read a segment file's frames (data: the file, offsets: its whole and intact frames, as
    authcore.journal.segments.scan found them) from frame start, into out: the records after
    after_seq, which must be expected_seq on, each linked to digest by the chain
    (record_digest). A record is read into out when it carries no effect or a HoldPlaced
    (channel_index: Channel value -> the ledger's index, -1 where none); the reading stops
    before the first other one, before one this reader cannot read or that does not check
    out (the Python path reads that one and says what is wrong), and after TAIL_BATCH records.
    Returns (the frame it stopped at, the digest so far)."""
    cdef Py_ssize_t i = start, row = 0, n_frames = offsets.shape[0], size = data.shape[0], m
    cdef Py_ssize_t length
    cdef const unsigned char* frame
    cdef Frame f
    cdef Hold h
    cdef Out o
    cdef int kind
    cdef bytes linked
    cdef uint64_t fp
    cdef int64_t[::1] seq_col = out.seq, at_col = out.at_s, offset_col = out.offset, amount_col = out.amount
    cdef int64_t[::1] expires_col = out.expires_s
    cdef uint8_t[::1] kind_col = out.kind, has_col = out.has_request, method_col = out.method
    cdef uint8_t[:, ::1] keys_col = out.keys
    cdef uint64_t[::1] fp_col = out.fp, device_col = out.device, ipnet_col = out.ipnet
    cdef int32_t[::1] channel_col = out.channel, flags_col = out.flags, term_col = out.term, rate_col = out.rate
    cdef double[::1] lat_col = out.lat, lon_col = out.lon
    cdef list methods = out.methods
    cdef bytes name
    cdef object ids = out.request_ids
    if len(digest) != 16 and len(digest) != 0:
        raise ValueError("a digest is 16 bytes (or none before the first record)")
    if not 0 <= start <= n_frames:
        raise ValueError(f"start {start}: there are {n_frames} frames")
    out.count = 0
    open_out(&o, 4096)
    try:
        while i < n_frames and row < TAIL_BATCH:
            if offsets[i] < 0 or offsets[i] + 12 > size:
                break
            frame = &data[0] + offsets[i]
            length = <Py_ssize_t>(<uint32_t>frame[0] | (<uint32_t>frame[1] << 8) | (<uint32_t>frame[2] << 16)
                                  | (<uint32_t>frame[3] << 24))
            if offsets[i] + 12 + length > size or read_frame_record(frame + 12, length, &f) != 0:
                break
            if f.seq != first_seq + <uint64_t>i:
                break
            if f.seq <= after_seq:
                i += 1
                continue
            if f.seq != expected_seq or f.method.n == 0:
                break
            kind = TAIL_NO_EFFECT
            if f.effect.n:
                if read_hold_placed(f.effect.p, f.effect.n, &h) != 0 or h.channel >= <uint64_t>channel_index.shape[0] \
                        or channel_index[h.channel] < 0:
                    break
                kind = TAIL_HOLD_PLACED
            # The chain's link (record_digest's bytes).
            o.n = 0
            raw(&o, PyBytes_AS_STRING(digest), PyBytes_GET_SIZE(digest))
            text = str(f.at_s).encode()
            raw(&o, PyBytes_AS_STRING(text), PyBytes_GET_SIZE(text))
            raw(&o, b"\0", 1)
            raw(&o, f.method.p, f.method.n)
            raw(&o, b"\0", 1)
            raw(&o, f.request_id.p, f.request_id.n)
            raw(&o, b"\0", 1)
            raw(&o, f.effect.p, f.effect.n)
            raw(&o, b"\0", 1)
            raw(&o, f.fingerprint.p, f.fingerprint.n)
            raw(&o, b"\0", 1)
            raw(&o, f.response.p, f.response.n)
            linked = _blake2b(take(&o), digest_size=16).digest()
            if f.digest.n != 16 or memcmp(PyBytes_AS_STRING(linked), f.digest.p, 16) != 0:
                break
            try:  # strings that are not UTF-8: the Python path says so
                request_id = utf8(f.request_id) if f.request_id.n else None
                if kind == TAIL_HOLD_PLACED:
                    out.authorization_ids[row] = utf8(h.authorization_id)
                    out.account_ids[row] = utf8(h.account_id)
                    out.merchant_ids[row] = utf8(h.merchant_id)
                utf8(f.method)
            except UnicodeDecodeError:
                break
            m = method_code(methods, f.method) if f.request_id.n else 0
            if m < 0:
                break
            digest = linked
            seq_col[row] = <int64_t>f.seq
            at_col[row] = f.at_s
            offset_col[row] = offsets[i]
            kind_col[row] = <uint8_t>kind
            ids[row] = request_id
            has_col[row] = request_id is not None
            if request_id is not None:
                key = _blake2b(PyBytes_FromStringAndSize(<const char*>f.request_id.p, f.request_id.n),
                               digest_size=16).digest()
                memcpy(&keys_col[row, 0], PyBytes_AS_STRING(key), 16)
                fp = 0
                memcpy(&fp, f.fingerprint.p, min(<Py_ssize_t>8, f.fingerprint.n))
                fp_col[row] = fp
                method_col[row] = <uint8_t>m
            if kind == TAIL_HOLD_PLACED:
                channel_col[row] = channel_index[h.channel]
                amount_col[row] = h.amount
                flags_col[row] = <int32_t>h.flags
                expires_col[row] = h.expires_s
                device_col[row] = h.device
                ipnet_col[row] = h.ipnet
                lat_col[row] = h.lat
                lon_col[row] = h.lon
                term_col[row] = <int32_t>h.term
                rate_col[row] = <int32_t>h.rate
            row += 1
            expected_seq += 1
            i += 1
    finally:
        close_out(&o)
    out.count = row
    return i, digest


cdef extern from "zlib.h":
    unsigned long crc32(unsigned long crc, const unsigned char* buf, unsigned int length) nogil


def frames(const unsigned char[::1] data not None, Py_ssize_t start, Py_ssize_t max_frame_bytes):
    """The whole and intact frames of a segment file's bytes from start on (the length, the
    record's CRC-32, the CRC-32 of those 8 bytes, the record; authcore.journal.segments): their
    offsets and record lengths (int64), and the offset of the first byte that is not one
    (authcore.journal.segments.scan says what is there)."""
    cdef Py_ssize_t size = data.shape[0], offset = start, count = 0, length
    cdef const unsigned char* p
    cdef uint32_t crc, header_crc
    if not 0 <= start <= size:
        raise ValueError(f"start {start}: the data is {size} bytes")
    offsets_out = np.empty(max(1, (size - start) // 13 + 1), np.int64)
    lengths_out = np.empty(offsets_out.shape[0], np.int64)
    cdef int64_t[::1] offsets = offsets_out, lengths = lengths_out
    with nogil:
        while offset + 12 <= size:
            p = &data[0] + offset
            length = <Py_ssize_t>(<uint32_t>p[0] | (<uint32_t>p[1] << 8) | (<uint32_t>p[2] << 16)
                                  | (<uint32_t>p[3] << 24))
            crc = <uint32_t>p[4] | (<uint32_t>p[5] << 8) | (<uint32_t>p[6] << 16) | (<uint32_t>p[7] << 24)
            header_crc = <uint32_t>p[8] | (<uint32_t>p[9] << 8) | (<uint32_t>p[10] << 16) | (<uint32_t>p[11] << 24)
            if <uint32_t>crc32(0, p, 8) != header_crc or length == 0 or length > max_frame_bytes:
                break
            if offset + 12 + length > size or <uint32_t>crc32(0, p + 12, <unsigned int>length) != crc:
                break
            offsets[count] = offset
            lengths[count] = length
            count += 1
            offset += 12 + length
    return offsets_out[:count], lengths_out[:count], offset
