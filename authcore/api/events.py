"""The journal as a stream of events (EventService.WatchEvents) and where the partitions are
served (ClusterService.GetPartitionMap).

A watcher reads its partition's journal files (authcore.journal.tail) from the seq it asked for,
then polls for new records every POLL_S while its call is active: every seq once, in order. A
cluster node reads the records its files no longer keep back from the partition's replicated log
(EventSource.archive). Each watcher holds a server thread for as long as it watches, so a process
serves at most EventSource.max_watchers of them at once (watchers_for: a quarter of its threads)
and refuses more with RESOURCE_EXHAUSTED.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

import grpc

from authcore.api.decoding import decoded
from authcore.errors import AuthcoreError, FieldViolation, InvalidArgument, OutOfRange, ResourceExhausted, abort_with
from authcore.journal.tail import MAX_BYTES, MAX_RECORDS, NotKept, Tail
from authcore.v1 import events_pb2, events_pb2_grpc

# How long a watcher waits for new records before it looks again.
POLL_S = 0.02


def watchers_for(threads: int) -> int:
    """The watchers a process with threads server threads serves at once: a quarter of them
    (at least one), so that watchers never take the threads the payments need."""
    return max(1, threads // 4)


class Watchers:
    """A bounded count of the watchers being served."""

    def __init__(self, limit: int):
        self.limit = limit
        self.active = 0
        self._lock = threading.Lock()

    def enter(self, context: grpc.ServicerContext) -> None:
        """Count one more watcher until its call ends (cancelled, its deadline passed, or
        answered), or raise ResourceExhausted at the limit. The count is given back as soon as
        grpc ends the call, not when its thread next looks: a watcher that reconnects at once
        finds its place free."""
        with self._lock:
            if self.active >= self.limit:
                error = ResourceExhausted(f"this process already serves {self.limit} event watchers, its limit (a "
                                          "quarter of its server threads, `workers`); retry later, or watch fewer "
                                          "partitions from one place", {"max_watchers": str(self.limit)})
                error.reason = "TOO_MANY_WATCHERS"
                raise error
            self.active += 1
        given_back = threading.Event()

        def leave() -> None:
            with self._lock:
                if not given_back.is_set():
                    given_back.set()
                    self.active -= 1

        if not context.add_callback(leave):
            leave()  # the call had already ended


@dataclasses.dataclass
class EventSource:
    """What a process serves events from: its partition's journal, the partitions' count, the
    bound on its watchers, and (a cluster node) the reader of its partition's replicated log."""

    journal: object
    partition: int = 0
    partitions: int = 1
    watchers: Watchers = dataclasses.field(default_factory=lambda: Watchers(watchers_for(16)))
    # archive(from_seq, upto_seq, max_records, max_bytes) -> records (replication.Partition.archived).
    archive: Callable[[int, int, int, int], list] | None = None
    # This server's public address, for GetPartitionMap of a single-process server.
    address: str = ""

    def check_partition(self, partition: int) -> None:
        """InvalidArgument unless partition is the one this process serves."""
        if partition >= self.partitions:
            raise partition_refused(partition, self.partitions)
        if partition != self.partition:
            raise InvalidArgument([FieldViolation(
                "partition", f"this process serves partition {self.partition}, not {partition}: call the server's "
                             "public address")])


def partition_refused(partition: int, partitions: int) -> InvalidArgument:
    """The refusal of a partition number a server with partitions partitions does not have."""
    return InvalidArgument([FieldViolation(
        "partition", f"partition {partition} does not exist: this server has {partitions} partition"
                     f"{'s' if partitions > 1 else ''}, 0 to {partitions - 1} (ClusterService.GetPartitionMap "
                     "lists them)")])


def watch(source: EventSource, request: events_pb2.WatchEventsRequest, context: grpc.ServicerContext):
    """The responses of one WatchEvents call, until it is cancelled or its deadline passes."""
    source.check_partition(request.partition)
    source.watchers.enter(context)
    journal = source.journal
    tail = Tail(journal, request.from_seq or journal.first_seq())
    idle = threading.Event()
    try:
        while context.is_active():
            records = _next_records(source, tail)
            if records:
                yield events_pb2.WatchEventsResponse(partition=source.partition, records=records,
                                                     partitions=source.partitions)
            else:
                idle.wait(POLL_S)
    finally:
        tail.close()


def _next_records(source: EventSource, tail: Tail) -> list:
    """The next records after what tail gave: from the files, or from the replicated log for
    those the files no longer keep; OutOfRange when neither has them."""
    try:
        return tail.read()
    except NotKept as not_kept:
        if source.archive is not None:
            records = source.archive(tail.next_seq, not_kept.first_kept - 1, MAX_RECORDS, MAX_BYTES)
            if records:
                tail.skip_to(records[-1].seq + 1)
                return records
        raise OutOfRange("EVENTS_NOT_KEPT", f"partition {source.partition} no longer keeps record {not_kept.seq}: "
                                            f"its journal holds records from {not_kept.first_kept} on (older ones "
                                            "are dropped after a snapshot); watch again with from_seq "
                                            f"{not_kept.first_kept} or later, or 0 for the first kept",
                         {"first_seq": str(not_kept.first_kept), "partition": str(source.partition)}) from None


class EventServicer(events_pb2_grpc.EventServiceServicer):
    def __init__(self, source: EventSource):
        self.source = source

    def WatchEvents(self, request, context):
        try:
            yield from watch(self.source, decoded(request), context)
        except AuthcoreError as error:
            abort_with(context, error)


class ClusterServicer(events_pb2_grpc.ClusterServiceServicer):
    """A single-process server's partition map: its one partition, owned by itself."""

    def __init__(self, source: EventSource):
        self.source = source

    def GetPartitionMap(self, request, context):
        try:
            decoded(request)
        except AuthcoreError as error:
            abort_with(context, error)
        return partition_map([("", self.source.address)] * self.source.partitions)


def partition_map(owners: list[tuple[str, str]]) -> events_pb2.GetPartitionMapResponse:
    """The answer for owners[i] = (node, public address) of partition i."""
    return events_pb2.GetPartitionMapResponse(partitions=[
        events_pb2.PartitionOwner(partition=i, node=node, address=address) for i, (node, address) in enumerate(owners)])
