# cython: language_level=3
"""Protocol-buffer encoding of the journal's records, in C: what every committed record costs
(authcore.journal.store appends them; authcore._fast.path encodes an approval's answer with the
same writer).

The bytes are those protobuf's own serializer (upb) writes for the same message: fields in
number order, proto3 scalars left out when zero (a double when all its bits are zero, so -0.0 is
written), a sub-message written when it is set, even empty. tests/test_request_path.py compares
them with upb's over generated values."""

import hashlib
import zlib

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.stdint cimport int64_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy

cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object text, Py_ssize_t* size) except NULL

_blake2b = hashlib.blake2b
_crc32 = zlib.crc32


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
            open_out(&audit, PyBytes_GET_SIZE(audit_row[6]) + 256)
            try:
                field_text(&audit, 1, audit_row[1])
                field_text(&audit, 2, audit_row[2])
                field_varint(&audit, 3, <uint32_t>audit_row[3])
                field_text(&audit, 4, audit_row[4])
                field_text(&audit, 5, audit_row[5])
                field_bytes(&audit, 6, audit_row[6])
                field_message(&o, 9, audit.p, audit.n)
            finally:
                close_out(&audit)
        size = o.n - 12
        crc = _crc32(PyBytes_FromStringAndSize(<char*>o.p + 12, size))
        set_u32(o.p, <uint32_t>size)
        set_u32(o.p + 4, crc)
        memcpy(head, o.p, 8)
        set_u32(o.p + 8, _crc32(PyBytes_FromStringAndSize(<char*>head, 8)))
        return take(&o)
    finally:
        close_out(&o)


cdef void set_u32(unsigned char* p, uint32_t v) noexcept:
    """v little-endian at p (a length or a CRC filled in after what follows it is written)."""
    p[0] = <unsigned char>v
    p[1] = <unsigned char>(v >> 8)
    p[2] = <unsigned char>(v >> 16)
    p[3] = <unsigned char>(v >> 24)
