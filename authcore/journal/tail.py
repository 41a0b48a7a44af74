"""Reading a journal's records in order while it is written: the source of the event stream
(authcore.api.events).

A Tail reads the segment files of an open Journal from a seq on, frame by frame, beside the
writer and without its lock. Only records up to Journal.last_seq are read: the writer sets it
after their frames are written whole, so a reader never meets a frame being written. A Tail keeps
its file open from one read to the next; a file the snapshot drops meanwhile stays readable
through it, and the next file is opened by the name the writer gave it.
"""

from __future__ import annotations

import os
import zlib

from authcore.journal import segments
from authcore.v1.journal_pb2 import JournalRecord

# What one read returns at most: records, and payload bytes (a record above it goes alone).
MAX_RECORDS = 256
MAX_BYTES = 1 << 20


class NotKept(LookupError):
    """The seq wanted is before the first record the journal's files still hold."""

    def __init__(self, seq: int, first_kept: int):
        super().__init__(f"record {seq} is no longer kept (the journal keeps records from {first_kept} on)")
        self.seq = seq
        self.first_kept = first_kept


class Tail:
    """The records of journal from seq next on, read in bounded batches (read())."""

    def __init__(self, journal, next_seq: int):
        self.journal = journal
        self.next_seq = next_seq
        self._fd: int | None = None
        self._file_first = 0
        self._offset = 0

    def read(self, max_records: int = MAX_RECORDS, max_bytes: int = MAX_BYTES) -> list[JournalRecord]:
        """The next records written (none when there are none yet), at most max_records and about
        max_bytes; NotKept when the next one's file was dropped."""
        last = self.journal.last_seq
        out: list[JournalRecord] = []
        size = 0
        while self.next_seq <= last and len(out) < max_records and (not out or size < max_bytes):
            if self._fd is None or self._next_file_begins():
                try:
                    self._open(self.next_seq)
                except NotKept:
                    if out:
                        return out  # the next read raises it
                    raise
            record = self._read_one()
            if record is None:
                # The end of this file: the records from next_seq on are in the next one.
                self._close()
                if self.journal.writer.first_of(self.next_seq) == self._file_first:
                    raise segments.SegmentCorrupt(f"{self.journal.segments_dir}: record {self.next_seq} is not "
                                                  f"in the file that should hold it")
                continue
            record.ClearField("audit")
            out.append(record)
            size += record.ByteSize()
            self.next_seq += 1
        return out

    def skip_to(self, seq: int) -> None:
        """Go on from record seq (the records before it were read elsewhere)."""
        self._close()
        self.next_seq = seq

    def close(self) -> None:
        self._close()

    def _next_file_begins(self) -> bool:
        """Whether next_seq is the first record of a file after the open one."""
        return self.journal.writer.first_of(self.next_seq) not in (None, self._file_first)

    def _open(self, seq: int) -> None:
        """Open the file holding record seq at its frame (the frames before it skipped)."""
        self._close()
        first = self.journal.writer.first_of(seq)
        if first is None:
            raise NotKept(seq, self.journal.first_seq())
        try:
            fd = os.open(self.journal.segments_dir / segments.segment_name(first), os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise NotKept(seq, self.journal.first_seq()) from None
        self._fd, self._file_first, self._offset = fd, first, len(segments.MAGIC)
        for _ in range(seq - first):
            length = self._frame_length()
            if length is None:
                raise segments.SegmentCorrupt(f"{self.journal.segments_dir}: record {seq} is missing from its file")
            self._offset += segments.HEADER.size + length

    def _frame_length(self) -> int | None:
        """The payload length of the frame at the offset, its header checked; None at the end."""
        head = os.pread(self._fd, segments.HEADER.size, self._offset)
        if len(head) < segments.HEADER.size:
            return None
        length, _, header_crc = segments.HEADER.unpack(head)
        if zlib.crc32(head[:segments.LENGTH_AND_CRC.size]) != header_crc or not 0 < length <= segments.MAX_FRAME_BYTES:
            raise segments.SegmentCorrupt(f"{self.journal.segments_dir}: a damaged frame header before record "
                                          f"{self.next_seq}")
        return length

    def _read_one(self) -> JournalRecord | None:
        """The record at the offset (record next_seq), or None at the end of the file."""
        length = self._frame_length()
        if length is None:
            return None
        record = segments.read_frame(self._fd, self._offset)
        if record is None or record.seq != self.next_seq:
            raise segments.SegmentCorrupt(f"{self.journal.segments_dir}: no intact frame of record {self.next_seq}")
        self._offset += segments.HEADER.size + length
        return record

    def _close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)
