"""A node of a cluster on NATS JetStream: the public port of every node answers every call,
served here when this node owns the call's partition and otherwise forwarded to the owner's
private port, found in the partitions' leases (authcore.cluster.replication).

A node runs one worker process a partition (as `--processes N` does on one machine); worker k
keeps partition k's engine, owner or warm standby, and listens on a private TCP port for the
calls other nodes forward to it when it owns k.
"""

from __future__ import annotations

import asyncio
import logging
import threading

import grpc

from authcore.cluster.jetstream import Link
from authcore.cluster.replication import LEASE_BUCKET, Partition, idle_heartbeat_s, lease_of, read_lease
from authcore.api.events import EventSource, partition_map
from authcore.errors import NotTheOwner, abort_with
from authcore.api.identity import NODE_CHANNEL_OPTIONS
from authcore.cluster.router import CHANNEL_OPTIONS, IMPORT, ROUTES, WATCH, Registry, Router, relay_error

log = logging.getLogger("authcore.cluster")

# Channels to other nodes' private ports kept open at most (a cluster has few nodes).
MAX_CHANNELS = 256


class Directory:
    """partition -> the private address of its owner, its node and public address, as the lease
    bucket says (watched).

    The watch is an ordered consumer of the bucket's stream with idle heartbeats
    (replication.idle_heartbeat_s of lease_s), so that it is never stale for long after a
    JetStream server's fault. refresh(partition) reads one lease directly, for a caller that
    found the address it had dead."""

    def __init__(self, link: Link, lease_s: float = 1.0):
        self.link = link
        self.heartbeat_s = idle_heartbeat_s(lease_s)
        self._owners: dict[int, str] = {}
        self._leases: dict[int, dict] = {}
        self._revisions: dict[int, int] = {}
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

    def refresh(self, partition: int, timeout_s: float = 2.0) -> str | None:
        """Read partition's lease from the bucket now (not waiting for the watch) and return its
        owner's private address; the address as last seen if the bucket cannot be read."""
        try:
            _, entry = self.link.run(read_lease(self.link.js, partition), timeout_s=timeout_s)
        except Exception:  # noqa: BLE001 - NATS away: what the watch last said
            log.debug("reading the lease of partition %d failed", partition, exc_info=True)
            return self.address(partition)
        if entry is None:
            self._set(partition, 0, None)
        else:
            self._set(partition, entry.revision, entry.value)
        return self.address(partition)

    def _set(self, partition: int, revision: int, value: bytes | None) -> None:
        """The lease of partition at revision (None: deleted); an older revision than one seen is
        ignored (a direct read and the watch may cross)."""
        lease = lease_of(value)
        address = lease.get("address") or None
        with self._lock:
            if revision and revision < self._revisions.get(partition, 0):
                return
            self._revisions[partition] = revision
            if address is None:
                self._owners.pop(partition, None)
                self._leases.pop(partition, None)
            else:
                self._owners[partition] = address
                self._leases[partition] = lease

    async def _watch(self) -> None:
        from nats.js.api import DeliverPolicy

        prefix = f"$KV.{LEASE_BUCKET}."

        async def on_entry(msg) -> None:
            key = msg.subject[len(prefix):]
            if not key.startswith("p") or not key[1:].isdigit():
                return
            operation = (msg.headers or {}).get("KV-Operation")
            deleted = operation in ("DEL", "PURGE") or "Nats-Marker-Reason" in (msg.headers or {})
            self._set(int(key[1:]), msg.metadata.sequence.stream, None if deleted else msg.data)

        while not self._stopped:
            try:
                sub = await self.link.js.subscribe(
                    prefix + ">", stream=f"KV_{LEASE_BUCKET}", cb=on_entry, ordered_consumer=True,
                    deliver_policy=DeliverPolicy.LAST_PER_SUBJECT, idle_heartbeat=self.heartbeat_s)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - no bucket yet (the first owner makes it), or NATS away
                await asyncio.sleep(0.1)
                continue
            try:
                while not self._stopped:
                    await asyncio.sleep(3600)
            finally:
                try:
                    await sub.unsubscribe()
                except Exception:  # noqa: BLE001 - the connection is going anyway
                    pass

    def close(self) -> None:
        self._stopped = True
        self._task.cancel()


class OwnerOnly(grpc.ServerInterceptor):
    """A cluster worker's private port answers its partition's calls only while this worker owns
    the partition: a standby, or a node still reading the stream in its takeover, would answer
    reads and refusals (NOT_FOUND of an account it has not read yet) from a state behind the
    stream. Everything else is refused UNAVAILABLE (NOT_THE_OWNER), to retry on the owner. The
    journal's events and health are served by every node. replica is set once it exists."""

    SERVED_ANYWHERE = ("/grpc.health.v1.Health/", "/authcore.v1.EventService/", "/authcore.v1.ClusterService/")

    def __init__(self):
        self.replica: Partition | None = None
        self._refused = grpc.unary_unary_rpc_method_handler(self._refuse)
        self._refused_stream = grpc.stream_unary_rpc_method_handler(self._refuse)

    def intercept_service(self, continuation, handler_call_details):
        path = handler_call_details.method
        replica = self.replica
        if (replica is not None and replica.role == "owner") or path.startswith(self.SERVED_ANYWHERE):
            return continuation(handler_call_details)
        return self._refused_stream if path.endswith("/ImportAccounts") else self._refused

    def _refuse(self, request, context):
        abort_with(context, NotTheOwner(f"this node does not own partition "
                                        f"{'?' if self.replica is None else self.replica.index} now; retry "
                                        "with the same request_id (the partition map names the owner)"))


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


def private_channel(address: str, credentials: grpc.ChannelCredentials | None) -> grpc.Channel:
    """A channel to a node's private port: plaintext on loopback, else mutual TLS that expects a
    node certificate whatever the address (NODE_CHANNEL_OPTIONS)."""
    if credentials is None:
        return grpc.insecure_channel(address, options=CHANNEL_OPTIONS)
    return grpc.secure_channel(address, credentials, options=CHANNEL_OPTIONS + NODE_CHANNEL_OPTIONS)


class ClusterRouter(Router):
    """The public port's router of worker index on a cluster node: partition index is served here
    while this node owns it, every other call goes to the owner's private address (over mutual
    TLS with credentials, the node's certificate: authcore.api.identity.NodeTlsFiles)."""

    def __init__(self, local: Registry, index: int, partitions: int, replica: Partition, directory: Directory,
                 events: EventSource | None = None, credentials: grpc.ChannelCredentials | None = None):
        super().__init__(local, index, partitions, [], events)
        self.replica = replica
        self.directory = directory
        self.credentials = credentials
        self._streaming = {path for path, (kind, _) in ROUTES.items() if kind == IMPORT}
        self._watching = {path for path, (kind, _) in ROUTES.items() if kind == WATCH}
        self._calls: dict[tuple[str, str], object] = {}
        self._channels: dict[str, grpc.Channel] = {}
        self._lock = threading.Lock()

    def _serves(self, owner: int) -> bool:
        return owner == self.index and self.replica.role == "owner"

    def _owner_address(self, owner: int) -> str | None:
        if owner == self.index and self.replica.role == "owner":
            return self.replica.address
        return self.directory.address(owner)

    def _forward(self, path: str, owner: int, data: bytes, context: grpc.ServicerContext) -> bytes:
        """As Router._forward; when the owner's address as last seen is UNAVAILABLE and the lease,
        read again now, names another owner (a takeover the watch has not shown yet), the call
        goes there once more, as a client's retry with the same request_id would."""
        address = self._owner_address(owner)
        call, answer = self._forward_once(self._call_at(path, owner, address), data, context)
        if (isinstance(answer, grpc.RpcError) and answer.code() == grpc.StatusCode.UNAVAILABLE
                and context.is_active()):
            now = self.directory.refresh(owner)
            if now not in (None, address):
                call, answer = self._forward_once(self._call_at(path, owner, now), data, context)
        if isinstance(answer, grpc.RpcError):
            relay_error(answer, context)
        context.set_trailing_metadata(tuple(call.trailing_metadata() or ()))
        return answer

    def _owner_call(self, path: str, owner: int):
        return self._call_at(path, owner, self._owner_address(owner))

    def _call_at(self, path: str, owner: int, address: str | None):
        """The multi-callable of path at a private address (None: owner has no owner now)."""
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
                    channel = self._channels[address] = private_channel(address, self.credentials)
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
