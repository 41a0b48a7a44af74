# cython: language_level=3
"""The protocol-buffer writer of authcore._fast.wire, for the other compiled modules."""

from libc.stdint cimport int64_t, uint32_t, uint64_t

cdef struct Out:
    unsigned char* p
    Py_ssize_t n
    Py_ssize_t cap

cdef int open_out(Out* o, Py_ssize_t capacity) except -1
cdef void close_out(Out* o) noexcept
cdef bytes take(Out* o)
cdef int reserve(Out* o, Py_ssize_t k) except -1
cdef int raw(Out* o, const void* data, Py_ssize_t k) except -1
cdef int varint(Out* o, uint64_t v) except -1
cdef int le64(Out* o, uint64_t v) except -1
cdef int le32(Out* o, uint32_t v) except -1
cdef void set_u32(unsigned char* p, uint32_t v) noexcept
cdef int field_varint(Out* o, int field, uint64_t v) except -1
cdef int field_double(Out* o, int field, double v) except -1
cdef int field_double_present(Out* o, int field, double v) except -1
cdef int field_fixed64(Out* o, int field, uint64_t v) except -1
cdef int field_chars(Out* o, int field, const char* data, Py_ssize_t k) except -1
cdef int field_message(Out* o, int field, const unsigned char* data, Py_ssize_t k) except -1
cdef int field_text(Out* o, int field, object text) except -1
cdef int field_bytes(Out* o, int field, object data) except -1
cdef int field_timestamp(Out* o, int field, int64_t seconds) except -1
