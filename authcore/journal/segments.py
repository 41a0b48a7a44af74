"""Segment files: the journal's records on disk, appended by one writer.

<data_dir>/journal/ holds the records as a sequence of files, each named by the seq of its first
record (`00000000000000000001.seg`). A file starts with an 8-byte header (MAGIC), then frames:

    length      u32 little-endian   the payload's size in bytes
    crc         u32 little-endian   CRC-32 (zlib) of the payload
    header_crc  u32 little-endian   CRC-32 of the 8 bytes before it
    payload                         a serialized authcore.v1.JournalRecord

A record is durable once its frame is written: appended with one write() per group commit (in
the OS before the answer leaves: survives a crash or kill -9 of the process), and in "fsync" mode
flushed with fdatasync before the answer leaves (survives power loss too).

A torn tail, the last frame of the last file cut short, or with a bad CRC and nothing but zeros
after it (a write cut off by power loss, a full disk), was never acknowledged: opening for
writing cuts it off and says so in the log. A bad frame anywhere else, or one followed by other
data, is damage, and the journal refuses to open (JournalCorrupt). The header's own CRC keeps a
damaged length from passing for a frame cut short.
"""

from __future__ import annotations

import bisect
import dataclasses
import logging
import os
import pathlib
import struct
import zlib
from collections.abc import Iterator, Sequence

from authcore._fast import wire
from authcore.v1.journal_pb2 import JournalRecord

log = logging.getLogger("authcore.journal")

# The folder of the segment files in a data dir.
SEGMENTS_DIR = "journal"
MAGIC = b"ACJRNL\x00\x01"
HEADER = struct.Struct("<III")
LENGTH_AND_CRC = struct.Struct("<II")
SUFFIX = ".seg"
# A file is closed and the next begun once it holds this many bytes (whole frames: a file may
# run over by one group commit).
SEGMENT_BYTES = 64 << 20
# No record is this large (a bulk chunk's record with its audit columns is a few MB at most):
# a length over it is damage, not a record.
MAX_FRAME_BYTES = 256 << 20
READ_BYTES = 4 << 20
# What a read of one frame (a retry's answer) asks for first: a decision's record is about 2 KB.
FRAME_READ_BYTES = 4 << 10


class SegmentCorrupt(RuntimeError):
    """A segment file that cannot be read as frames (authcore.journal.store turns it into JournalCorrupt)."""


def segment_name(first_seq: int) -> str:
    return f"{first_seq:020d}{SUFFIX}"


def segment_files(directory: pathlib.Path) -> list[tuple[int, pathlib.Path]]:
    """(first seq, path) of every segment file, in order."""
    out = []
    if not directory.is_dir():
        return out
    for path in directory.iterdir():
        stem = path.name[:-len(SUFFIX)]
        if path.name.endswith(SUFFIX) and stem.isdigit() and len(stem) == 20:
            out.append((int(stem), path))
    out.sort()
    return out


def frame(payload: bytes) -> bytes:
    head = LENGTH_AND_CRC.pack(len(payload), zlib.crc32(payload))
    return head + zlib.crc32(head).to_bytes(4, "little") + payload


@dataclasses.dataclass(slots=True)
class Scan:
    """What reading a file found: the intact frames' payloads, and where they end; torn: what
    follows is a frame cut short (or zeros), never acknowledged; damage: what follows is a bad
    frame with data after it (None when there is none)."""
    payloads: Sequence
    end: int
    size: int
    damage: str | None = None
    # The byte offset of each payload's frame in the file.
    offsets: list = dataclasses.field(default_factory=list)

    @property
    def torn(self) -> bool:
        return self.end < self.size and self.damage is None


def scan(path: pathlib.Path, data: bytes | None = None) -> Scan:
    """The frames of a file up to the first that is not whole and intact (walked in C:
    authcore._fast.wire.frames)."""
    if data is None:
        data = path.read_bytes()
    if len(data) < len(MAGIC) or data[:len(MAGIC)] != MAGIC:
        if len(data) < len(MAGIC) and MAGIC.startswith(data):
            return Scan([], 0, len(data))  # a file created as the power went: nothing in it
        raise SegmentCorrupt(f"{path}: not a journal segment (its header is {data[:len(MAGIC)]!r})")
    found, lengths, offset = wire.frames(data, len(MAGIC), MAX_FRAME_BYTES)
    payloads, offsets = Payloads(data, found, lengths), found.tolist()
    size = len(data)
    if offset >= size:
        return Scan(payloads, offset, size, offsets=offsets)
    # What stopped the walk.
    view = memoryview(data)
    if offset + HEADER.size > size:
        return Scan(payloads, offset, size, offsets=offsets)  # a header cut short
    length, crc, header_crc = HEADER.unpack_from(data, offset)
    start = offset + HEADER.size
    if zlib.crc32(view[offset:offset + LENGTH_AND_CRC.size]) != header_crc or length == 0 \
            or length > MAX_FRAME_BYTES:
        if _zeros(view[offset:]):
            return Scan(payloads, offset, size, offsets=offsets)  # written no further than this
        return Scan(payloads, offset, size, f"a damaged frame header at byte {offset} of {size}", offsets)
    if start + length > size:
        return Scan(payloads, offset, size, offsets=offsets)  # the frame cut short
    if _zeros(view[start + length:]):
        return Scan(payloads, offset, size, offsets=offsets)  # the last frame's write cut off within it
    return Scan(payloads, offset, size, f"a damaged frame at byte {offset} of {size}, with data after it", offsets)


class Payloads(Sequence):
    """The records of a file's frames, as memoryviews into its bytes, made when asked for."""

    def __init__(self, data: bytes, offsets, lengths):
        self._view = memoryview(data)
        self._offsets = offsets
        self._lengths = lengths

    def __len__(self) -> int:
        return len(self._offsets)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        start = int(self._offsets[k]) + HEADER.size
        return self._view[start:start + int(self._lengths[k])]


def frame_payloads(data: bytes) -> list[memoryview]:
    """The payloads of frames laid end to end (frame()'s bytes, without a file's header), each
    checked against its CRCs; SegmentCorrupt if the bytes are not whole, intact frames."""
    found = scan(pathlib.Path("<frames>"), MAGIC + data)
    if found.damage is not None or found.end != found.size:
        raise SegmentCorrupt(found.damage or f"frames cut short at byte {found.end - len(MAGIC)} of {len(data)}")
    return found.payloads


def _zeros(view: memoryview) -> bool:
    return not any(view) if len(view) < 1 << 16 else bytes(view).count(0) == len(view)


def check_scan(path: pathlib.Path, found: Scan, last: bool) -> None:
    """Raise SegmentCorrupt for a file with a damaged frame, or (unless it is the last file,
    whose last write may have been cut off) a torn one."""
    if found.damage is not None:
        raise SegmentCorrupt(f"{path}: {found.damage}")
    if found.torn and not last:
        raise SegmentCorrupt(f"{path}: a damaged frame at byte {found.end} of {found.size}, before the end of "
                             "the journal")


def read_records(directory: pathlib.Path, after_seq: int = 0, tolerate_torn_tail: bool = True
                 ) -> Iterator[JournalRecord]:
    """Every record with seq > after_seq, in order, each checked against its frame's CRC (not the
    digest chain: that is the caller's). A torn tail of the last file ends the records; a bad
    frame elsewhere raises SegmentCorrupt."""
    for record, _ in read_positioned(directory, after_seq, tolerate_torn_tail):
        yield record


def read_positioned(directory: pathlib.Path, after_seq: int = 0, tolerate_torn_tail: bool = True
                    ) -> Iterator[tuple[JournalRecord, int]]:
    """read_records, each record with the byte offset of its frame in its file."""
    files = segment_files(directory)
    for i, (first_seq, path) in enumerate(files):
        if i + 1 < len(files) and files[i + 1][0] <= after_seq + 1:
            continue  # every record of this file is at or before after_seq
        found = scan(path)
        check_scan(path, found, i + 1 == len(files) and tolerate_torn_tail)
        # The records at or before after_seq are not read (scan checked their frames); the file's
        # first one is, so that a file holding other records than its name says is still found.
        start = min(max(0, after_seq + 1 - first_seq), len(found.payloads))
        if start > 0:
            record = JournalRecord.FromString(found.payloads[0])
            if record.seq != first_seq:
                raise SegmentCorrupt(f"{path}: record {record.seq} where record {first_seq} belongs")
        for k in range(start, len(found.payloads)):
            record = JournalRecord.FromString(found.payloads[k])
            if record.seq != first_seq + k:
                raise SegmentCorrupt(f"{path}: record {record.seq} where record {first_seq + k} belongs")
            yield record, found.offsets[k]


def read_frame(fd: int, offset: int) -> JournalRecord | None:
    """The record framed at offset of an open segment file, its header's and payload's CRCs
    checked; None when the frame there is not whole and intact."""
    data = os.pread(fd, FRAME_READ_BYTES, offset)  # most frames whole in one read
    if len(data) < HEADER.size:
        return None
    length, crc, header_crc = HEADER.unpack_from(data)
    if zlib.crc32(data[:LENGTH_AND_CRC.size]) != header_crc or not 0 < length <= MAX_FRAME_BYTES:
        return None
    payload = memoryview(data)[HEADER.size:HEADER.size + length]
    if len(payload) < length:
        payload = os.pread(fd, length, offset + HEADER.size)
    if len(payload) != length or zlib.crc32(payload) != crc:
        return None
    return JournalRecord.FromString(payload)


class SegmentWriter:
    """The one writer of a journal directory's segment files (the journal's DataDirLock keeps
    it one): appends frames to the last file, beginning a new one past SEGMENT_BYTES."""

    def __init__(self, directory: pathlib.Path, fsync: bool, segment_bytes: int = SEGMENT_BYTES):
        self.directory = directory
        self.fsync = fsync
        self.segment_bytes = segment_bytes
        directory.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = None
        self.size = 0
        # True after a write failed and its part could not be cut off yet.
        self._cut_pending = False
        # (seq, digest) of the last intact record in the files; (0, b"") when there is none.
        self.last: tuple[int, bytes] = (0, b"")
        # The seq the next record must have: the last record's + 1, or the last file's first.
        self.next_seq = 1
        # The first seq of each file, in order (a tuple: replaced whole, read without a lock).
        self.firsts: tuple[int, ...] = ()
        self._open_tail()

    def _open_tail(self) -> None:
        files = segment_files(self.directory)
        self.firsts = tuple(first_seq for first_seq, _ in files)
        # The last record: the last file with one (a file just begun may be empty).
        for first_seq, path in reversed(files):
            found = scan(path)
            if found.damage is not None:
                raise SegmentCorrupt(f"{path}: {found.damage}")
            if found.payloads:
                record = JournalRecord.FromString(found.payloads[-1])
                self.last = (record.seq, record.digest)
                break
        if not files:
            return
        first_seq, path = files[-1]
        found = scan(path)
        self.next_seq = first_seq + len(found.payloads)
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
        if found.torn:
            log.warning("%s: the last %d bytes are a torn write (a frame cut short or with a bad checksum, never "
                        "acknowledged); cutting them off", path, found.size - found.end)
            end = max(found.end, len(MAGIC))
            if found.end == 0:
                os.pwrite(fd, MAGIC, 0)
            os.ftruncate(fd, end)
            os.fsync(fd)
            found.end = end
        os.lseek(fd, found.end, os.SEEK_SET)
        self._fd, self.size = fd, found.end

    def begin(self, first_seq: int) -> None:
        """Close the current file and begin a new one whose first record is first_seq."""
        self.close()
        path = self.directory / segment_name(first_seq)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        try:
            _write_all(fd, MAGIC)
            if self.fsync:
                os.fdatasync(fd)
                sync_dir(self.directory)
        except BaseException:
            os.close(fd)
            raise
        self._fd, self.size, self.next_seq = fd, len(MAGIC), first_seq
        if not self.firsts or self.firsts[-1] != first_seq:
            self.firsts = (*self.firsts, first_seq)

    def forget(self, first_seq: int) -> None:
        """A file deleted: no longer among self.firsts."""
        self.firsts = tuple(seq for seq in self.firsts if seq != first_seq)

    def first_of(self, seq: int) -> int | None:
        """The first seq of the file that holds record seq (the last file that begins at or
        before it); None when every file begins after it."""
        firsts = self.firsts
        i = bisect.bisect_right(firsts, seq)
        return firsts[i - 1] if i else None

    def append(self, first_seq: int, frames: list[bytes]) -> list[int]:
        """Write the frames of records first_seq, first_seq + 1, ... at the end, in one write;
        returns the byte offset of each frame in the file."""
        if first_seq != self.next_seq:
            raise SegmentCorrupt(f"{self.directory}: record {first_seq} appended where record {self.next_seq} belongs")
        if self._cut_pending:
            self._cut()  # raises while the file still cannot be cut back
        if self._fd is None or self.size >= self.segment_bytes:
            self.begin(first_seq)
        data = b"".join(frames) if len(frames) != 1 else frames[0]
        offsets, at = [], self.size
        for one in frames:
            offsets.append(at)
            at += len(one)
        try:
            _write_all(self._fd, data)
            if self.fsync:
                os.fdatasync(self._fd)
        except BaseException:
            # A part may be written (a full disk): cut it off, so that the file ends at the last
            # acknowledged frame and the next append continues from there. Until that succeeds
            # nothing is appended (a frame after a torn one would be lost at the next start).
            self._cut_pending = True
            try:
                self._cut()
            except OSError:
                log.exception("%s: cutting off a failed write failed too; trying again before the next append",
                              self.directory)
            raise
        self.size += len(data)
        self.next_seq = first_seq + len(frames)
        return offsets

    def _cut(self) -> None:
        os.ftruncate(self._fd, self.size)
        os.lseek(self._fd, self.size, os.SEEK_SET)
        self._cut_pending = False

    def sync(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def sync_dir(directory: pathlib.Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
