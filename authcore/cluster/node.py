"""A node of a cluster on NATS JetStream: the public port of every node answers every call,
served here when this node owns the call's partition and otherwise forwarded to the owner's
private port, found in the partitions' leases (authcore.cluster.replication).

A node runs one worker process a partition (as `--processes N` does on one machine); worker k
keeps partition k's engine, owner or warm standby, and listens on a private TCP port for the
calls other nodes forward to it when it owns k.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading

import grpc

from authcore.cluster.jetstream import Link
from authcore.cluster.replication import LEASE_BUCKET, Partition
from authcore.api.events import EventSource, partition_map
from authcore.cluster.router import CHANNEL_OPTIONS, IMPORT, ROUTES, WATCH, Registry, Router

log = logging.getLogger("authcore.cluster")

# Channels to other nodes' private ports kept open at most (a cluster has few nodes).
MAX_CHANNELS = 256


class Directory:
    """partition -> the private address of its owner, its node and public address, as the lease
    bucket says (watched)."""

    def __init__(self, link: Link):
        self.link = link
        self._owners: dict[int, str] = {}
        self._leases: dict[int, dict] = {}
        self._lock = threading.Lock()
        self._stopped = False
        self._task = link.submit(self._watch())

    def address(self, partition: int) -> str | None:
        with self._lock:
            return self._owners.get(partition)

    def owners(self) -> dict[int, str]:
        with self._lock:
            return dict(self._owners)

    def lease(self, partition: int) -> dict:
        """The lease's value as last seen: {"node", "address", "public"}; {} when it has no owner."""
        with self._lock:
            return dict(self._leases.get(partition, {}))

    async def _watch(self) -> None:
        while not self._stopped:
            watcher = None
            try:
                try:
                    kv = await self.link.js.key_value(LEASE_BUCKET)
                except Exception:  # noqa: BLE001 - not made yet: the first owner makes it
                    await asyncio.sleep(0.1)
                    continue
                watcher = await kv.watchall()
                async for entry in watcher:
                    if entry is None:
                        continue  # the end of the initial values
                    if not entry.key.startswith("p") or not entry.key[1:].isdigit():
                        continue
                    try:
                        lease = json.loads(entry.value or b"{}")
                    except ValueError:
                        lease = {}
                    address = lease.get("address") or None
                    with self._lock:
                        if address is None:
                            self._owners.pop(int(entry.key[1:]), None)
                            self._leases.pop(int(entry.key[1:]), None)
                        else:
                            self._owners[int(entry.key[1:])] = address
                            self._leases[int(entry.key[1:])] = lease
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - NATS away: watch again
                log.debug("watching the leases failed; watching again", exc_info=True)
                await asyncio.sleep(0.2)
            finally:
                if watcher is not None:
                    try:
                        await watcher.stop()
                    except Exception:  # noqa: BLE001
                        pass

    def close(self) -> None:
        self._stopped = True
        self._task.cancel()


class _NoOwner(grpc.RpcError, grpc.Future):
    """The outcome of a call to a partition without a known owner: UNAVAILABLE, to retry."""

    def __init__(self, partition: int):
        self._details = (f"partition {partition} has no owner at the moment (a takeover is under way); "
                         "retry with the same request_id")

    def future(self, *_, **__) -> _NoOwner:
        return self

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.UNAVAILABLE

    def details(self) -> str:
        return self._details

    def trailing_metadata(self):
        return ()

    def result(self, timeout=None):
        raise self

    def exception(self, timeout=None):
        return self

    def cancel(self) -> bool:
        return False

    def cancelled(self) -> bool:
        return False

    def running(self) -> bool:
        return False

    def done(self) -> bool:
        return True

    def traceback(self, timeout=None):
        return None

    def add_done_callback(self, fn) -> None:
        fn(self)


class ClusterRouter(Router):
    """The public port's router of worker index on a cluster node: partition index is served here
    while this node owns it, every other call goes to the owner's private address."""

    def __init__(self, local: Registry, index: int, partitions: int, replica: Partition, directory: Directory,
                 events: EventSource | None = None):
        super().__init__(local, index, partitions, [], events)
        self.replica = replica
        self.directory = directory
        self._streaming = {path for path, (kind, _) in ROUTES.items() if kind == IMPORT}
        self._watching = {path for path, (kind, _) in ROUTES.items() if kind == WATCH}
        self._calls: dict[tuple[str, str], object] = {}
        self._channels: dict[str, grpc.Channel] = {}
        self._lock = threading.Lock()

    def _serves(self, owner: int) -> bool:
        return owner == self.index and self.replica.role == "owner"

    def _owner_call(self, path: str, owner: int):
        if owner == self.index and self.replica.role == "owner":
            address = self.replica.address
        else:
            address = self.directory.address(owner)
        if address is None:
            return _NoOwner(owner)
        key = (address, path)
        call = self._calls.get(key)
        if call is None:
            with self._lock:
                channel = self._channels.get(address)
                if channel is None:
                    if len(self._channels) >= MAX_CHANNELS:
                        oldest = next(iter(self._channels))
                        self._channels.pop(oldest).close()
                        self._calls = {k: v for k, v in self._calls.items() if k[0] != oldest}
                    channel = self._channels[address] = grpc.insecure_channel(address, options=CHANNEL_OPTIONS)
                make = (channel.stream_unary if path in self._streaming
                        else channel.unary_stream if path in self._watching else channel.unary_unary)
                call = self._calls[key] = make(path, request_serializer=None, response_deserializer=None)
        return call

    def partition_map(self):
        """Each partition's owner node and public address, as the leases say (this node's own
        partition as its replica knows it)."""
        owners = []
        for partition in range(self.processes):
            if partition == self.index and self.replica.role == "owner":
                owners.append((self.replica.node, self.replica.public))
            else:
                lease = self.directory.lease(partition)
                owners.append((lease.get("node", ""), lease.get("public", "")))
        return partition_map(owners)

    def close(self) -> None:
        super().close()
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels.clear()
            self._calls.clear()
