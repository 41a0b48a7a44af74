"""A partition's journal replicated on NATS JetStream, with one owner at a time and warm standbys.

Every node that serves partition k keeps an engine of it. One of them, the owner, holds the
partition's lease; only the owner's records are appended:

  publish  The owner's journal hands each group commit's framed records to publish() before it
           writes them to its own files (Journal.replicator). They go to the partition's stream
           as one message, published with JetStream's expected-last-sequence header set to the
           stream sequence the owner last appended or applied; the answers leave only after
           JetStream acknowledged it (a quorum of the stream's replicas has it). A publish that
           JetStream refuses (another node appended since: this node was deposed) or whose outcome
           is unknown (a timeout) fails the write, and the node stops owning the partition at once:
           it becomes a standby and learns from the stream what was appended.
  follow   A standby reads the stream in order (an ordered consumer) and appends and applies each
           message's records (Engine.follow): its memory, its journal files and its request ids
           stay those of the owner, a few milliseconds behind.
  lease    The lease is a key of a JetStream key-value bucket, renewed by the owner every
           LEASE_S / 4 with a compare-and-set on its revision. A standby that sees the revision
           unchanged for LEASE_S (on its own clock) takes the lease with a compare-and-set on the
           revision it saw; of several standbys one succeeds.
  fence    The new owner reads the stream to its end, applies everything, then appends a marker
           (a message without records, naming it) with the expected-last-sequence header. Once the
           marker is in, no publish of the old owner can succeed: the stream has one writer at a
           time and never forks. If the old owner slipped a message in before the marker, the
           marker is refused; the new owner applies that message and tries again. Only then does it
           serve, so every acknowledged answer (and its request_id) is in its memory.

Each stream message carries the journal seq of its last record (header Authcore-Last-Seq), so a
node that restarts on its own files finds where to go on reading the stream.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable

from authcore.cluster.jetstream import Link
from authcore.journal import segments
from authcore.journal.store import WriteRefused

log = logging.getLogger("authcore.cluster")

LEASE_S = 1.0
# The bucket of the partitions' leases, and each partition's stream and subject.
LEASE_BUCKET = "authcore-leases"
LAST_SEQ_HEADER = "Authcore-Last-Seq"
OWNER_HEADER = "Authcore-Owner"
EXPECTED_LAST_SEQUENCE = "Nats-Expected-Last-Sequence"
# JetStream's error code for a publish whose expected last sequence is not the stream's.
WRONG_LAST_SEQUENCE = 10071
PUBLISH_TIMEOUT_S = 5.0
# A group commit's records go in messages of at most this many bytes (a record above it goes
# alone; the servers' max_payload must take the largest record: LocalJetStream's does).
MAX_MESSAGE_BYTES = 4 << 20
# Messages a standby takes from its subscription and applies at once, at most (each at most
# MAX_MESSAGE_BYTES; most carry one group commit of a few records).
MAX_DRAINED = 64


def stream_name(partition: int) -> str:
    return f"AUTHCORE_P{partition}"


def subject(partition: int) -> str:
    return f"authcore.journal.p{partition}"


def idle_heartbeat_s(lease_s: float) -> float:
    """The idle heartbeat of a node's consumers (a standby's stream, the watch of the leases): when
    the JetStream server that delivers one dies, two missed heartbeats make the client create it
    again elsewhere, well inside the lease (the client's default of 5 s left them ~16 s behind)."""
    return max(0.1, lease_s / 2)


def lease_of(value: bytes | None) -> dict:
    """A lease's value: {"node", "address", "public"} while owned, {"handover", ...} while handed
    over, {} for none or one that does not parse."""
    try:
        lease = json.loads(value or b"{}")
    except ValueError:
        return {}
    return lease if isinstance(lease, dict) else {}


async def read_lease(js, partition: int):
    """(the lease bucket, partition's lease entry or None when it has none), read now."""
    from nats.js.errors import KeyNotFoundError

    kv = await js.key_value(LEASE_BUCKET)
    try:
        return kv, await kv.get(f"p{partition}")
    except KeyNotFoundError:
        return kv, None


class NotOwner(WriteRefused):
    """This node does not own the partition (any more): the record was not appended. The caller
    retries on the owner."""


class Partition:
    """The replication of one partition's engine on one node: its role (owner or standby), the
    lease, the publishing of the owner's records and the following of the owner's by a standby.
    start() connects the engine's journal and begins; close() stops (the lease lapses)."""

    def __init__(self, link: Link, engine, index: int, *, node: str, address: str = "", public: str = "",
                 lease_s: float = LEASE_S, replicas: int = 3, on_role: Callable[[str], None] | None = None):
        self.link = link
        self.engine = engine
        self.index = index
        self.node = node
        self.address = address
        # The node's public port, where clients may send the partition's calls directly.
        self.public = public
        self.lease_s = lease_s
        self.replicas = replicas
        self.on_role = on_role
        self.stream = stream_name(index)
        self.subject = subject(index)
        self.key = f"p{index}"
        self.role = "standby"
        # The stream sequence of the last message appended by this node or applied from the stream.
        self.stream_seq = 0
        # (owner node, address, revision) of the lease as last seen.
        self.owner: tuple[str, str, int] | None = None
        self._lock = threading.RLock()
        # One reader of the subscription at a time (the follower and a takeover), so records are
        # applied in stream order.
        self._drain_lock = threading.Lock()
        self._stopped = threading.Event()
        self._lease_rev = 0
        self._renewed_at = 0.0
        self._sub = None
        self._kv = None
        self._threads: list[threading.Thread] = []
        self.takeovers = 0
        # Why this node can no longer follow the partition (its journal and the stream disagree):
        # it then never takes the lease.
        self.failed: str | None = None

    # -- set-up -----------------------------------------------------------------------------

    def start(self) -> Partition:
        from nats.js.api import StorageType, StreamConfig

        async def prepare():
            # Nodes starting together race to make the stream and the bucket: whoever loses finds
            # them made, so each step is "find, else make, else find again".
            js = self.link.js
            try:
                await js.stream_info(self.stream)
            except Exception:  # noqa: BLE001 - not made yet
                try:
                    await js.add_stream(StreamConfig(name=self.stream, subjects=[self.subject],
                                                     num_replicas=self.replicas, storage=StorageType.FILE,
                                                     allow_direct=True))
                except Exception:  # noqa: BLE001 - made meanwhile by another node, or a real error
                    await js.stream_info(self.stream)
            try:
                return await js.key_value(LEASE_BUCKET)
            except Exception:  # noqa: BLE001 - not made yet
                try:
                    return await js.create_key_value(bucket=LEASE_BUCKET, history=1, replicas=self.replicas)
                except Exception:  # noqa: BLE001 - made meanwhile by another node, or a real error
                    return await js.key_value(LEASE_BUCKET)

        self._kv = self.link.run(prepare(), timeout_s=30)
        self.stream_seq = self._stream_position(self.engine.core.journal.last_seq)
        self.engine.core.journal.replicator = self.publish
        self.engine.owns_writes = lambda: self.role == "owner"
        self._subscribe()
        for target, name in ((self._follow, "follow"), (self._lease, "lease")):
            thread = threading.Thread(target=target, name=f"p{self.index}-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _stream_position(self, journal_seq: int) -> int:
        """The stream sequence of the last message whose records this journal holds (its last
        record is journal_seq): messages are read from the next one on."""
        if journal_seq == 0:
            return 0

        async def find():
            info = await self.link.js.stream_info(self.stream)
            low, high = info.state.first_seq, info.state.last_seq
            found = 0
            while low <= high:  # the last message whose last seq is <= journal_seq
                middle = (low + high) // 2
                message = await self.link.js.get_msg(self.stream, middle, direct=True)
                if int((message.headers or {}).get(LAST_SEQ_HEADER, "0")) <= journal_seq:
                    found, low = middle, middle + 1
                else:
                    high = middle - 1
            return found

        return self.link.run(find(), timeout_s=60)

    def archived(self, from_seq: int, upto_seq: int, max_records: int, max_bytes: int) -> list:
        """The records from_seq, from_seq + 1, ... (up to upto_seq, at most max_records and about
        max_bytes) read back from the partition's stream, which keeps every message: for readers
        of records older than the journal files this node still keeps (authcore.api.events).
        Empty when the stream does not hold from_seq."""
        from authcore.v1.journal_pb2 import JournalRecord

        async def read():
            info = await self.link.js.stream_info(self.stream)
            low, high, found = info.state.first_seq, info.state.last_seq, 0
            while low <= high:  # the first message whose last seq is >= from_seq
                middle = (low + high) // 2
                message = await self.link.js.get_msg(self.stream, middle, direct=True)
                if int((message.headers or {}).get(LAST_SEQ_HEADER, "0")) >= from_seq:
                    found, high = middle, middle - 1
                else:
                    low = middle + 1
            out, size, expected = [], 0, from_seq
            stream_seq = found
            while found and stream_seq <= info.state.last_seq and expected <= upto_seq and len(out) < max_records \
                    and size < max_bytes:
                message = await self.link.js.get_msg(self.stream, stream_seq, direct=True)
                stream_seq += 1
                for payload in segments.frame_payloads(message.data or b""):
                    record = JournalRecord.FromString(payload)
                    if record.seq != expected or expected > upto_seq or len(out) >= max_records:
                        continue
                    record.ClearField("audit")
                    out.append(record)
                    size += record.ByteSize()
                    expected += 1
            return out

        return self.link.run(read(), timeout_s=60)

    def _subscribe(self) -> None:
        from nats.js.api import DeliverPolicy

        heartbeat_s = idle_heartbeat_s(self.lease_s)

        async def subscribe():
            if self.stream_seq == 0:
                return await self.link.js.subscribe(self.subject, ordered_consumer=True, idle_heartbeat=heartbeat_s,
                                                    deliver_policy=DeliverPolicy.ALL, pending_msgs_limit=4096)
            from nats.js.api import ConsumerConfig
            return await self.link.js.subscribe(
                self.subject, ordered_consumer=True, pending_msgs_limit=4096, idle_heartbeat=heartbeat_s,
                config=ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                                      opt_start_seq=self.stream_seq + 1))

        self._sub = self.link.run(subscribe(), timeout_s=30)

    def _unsubscribe(self) -> None:
        sub, self._sub = self._sub, None
        if sub is not None:
            try:
                self.link.run(sub.unsubscribe(), timeout_s=5)
            except Exception:  # noqa: BLE001 - the connection is going anyway
                log.debug("partition %d: unsubscribing failed", self.index, exc_info=True)

    def close(self) -> None:
        self._stopped.set()
        for thread in self._threads:
            thread.join(5)
        self.engine.core.journal.replicator = None
        self._unsubscribe()

    # -- the owner's side -------------------------------------------------------------------

    def publish(self, first_seq: int, frames: list[bytes]) -> None:
        """Journal.replicator: append the frames of records first_seq... to the stream, or raise
        NotOwner. Called with the journal's write lock held, so one at a time, in order."""
        with self._lock:
            if self.role != "owner":
                raise NotOwner(f"this node does not own partition {self.index}; the owner is "
                               f"{self.owner[0] if self.owner else 'being chosen'}")
            seq, start = first_seq, self.stream_seq
            for group in _groups(frames, MAX_MESSAGE_BYTES):
                last = seq + len(group) - 1
                headers = {EXPECTED_LAST_SEQUENCE: str(self.stream_seq), LAST_SEQ_HEADER: str(last)}
                try:
                    ack = self.link.run(self.link.js.publish(self.subject, b"".join(group), headers=headers,
                                                             timeout=PUBLISH_TIMEOUT_S),
                                        timeout_s=PUBLISH_TIMEOUT_S + 1)
                except Exception as exc:  # noqa: BLE001 - refused, or its outcome unknown
                    refused = getattr(exc, "err_code", None) == WRONG_LAST_SEQUENCE
                    # The journal writes none of this commit's records: the messages of it already
                    # appended are read back from the stream, with what others appended after.
                    self.stream_seq = start
                    self._step_down("another node appended to the partition's stream: it owns it now" if refused
                                    else f"a publish to the partition's stream failed ({exc!r}); its outcome is "
                                         "read back from the stream")
                    raise NotOwner(f"partition {self.index}: the record was not appended here: "
                                   f"{'this node was deposed' if refused else exc}") from exc
                self.stream_seq = ack.seq
                seq = last + 1

    def _step_down(self, why: str) -> None:
        with self._lock:
            if self.role != "owner":
                return
            log.warning("partition %d: no longer its owner: %s", self.index, why)
            self.role = "standby"
            self._lease_rev = 0
        self._set_role("standby")

    def _set_role(self, role: str) -> None:
        if self.on_role is not None:
            try:
                self.on_role(role)
            except Exception:  # noqa: BLE001 - a listener's failure must not stop replication
                log.exception("partition %d: the role listener failed", self.index)

    # -- the standby's side ------------------------------------------------------------------

    def _follow(self) -> None:
        while not self._stopped.is_set():
            if self.role == "owner":
                self._stopped.wait(0.05)
                continue
            if self._sub is None:
                try:
                    self._subscribe()
                except Exception:  # noqa: BLE001 - NATS away: try again
                    log.warning("partition %d: subscribing to its stream failed; trying again", self.index,
                                exc_info=True)
                    self._stopped.wait(0.2)
                    continue
            try:
                self._drain(0.05)
            except Exception as exc:  # noqa: BLE001 - a journal that does not continue the stream
                self.failed = str(exc)
                log.error("partition %d: this node cannot follow the partition's stream and will not serve it: %s",
                          self.index, exc)
                return

    def _drain(self, wait_s: float) -> int:
        """Apply what the subscription has (waiting up to wait_s for the first message); returns
        how many messages were applied."""
        with self._drain_lock:
            return self._drain_locked(wait_s)

    def _drain_locked(self, wait_s: float) -> int:
        sub = self._sub
        if sub is None:
            return 0
        applied = 0
        frames, last_stream_seq = [], self.stream_seq
        for message in self.link.run(_pending(sub, wait_s, MAX_DRAINED), timeout_s=wait_s + 5):
            stream_seq = message.metadata.sequence.stream
            if stream_seq <= last_stream_seq:
                continue  # already applied
            if message.data:
                frames.extend(_split_frames(message.data))
            else:
                owner = (message.headers or {}).get(OWNER_HEADER, "")
                log.info("partition %d: %s took it over at stream sequence %d", self.index, owner, stream_seq)
            last_stream_seq = stream_seq
            applied += 1
        if frames:
            self.engine.follow(frames)
        with self._lock:
            if self.role != "owner":
                self.stream_seq = max(self.stream_seq, last_stream_seq)
        return applied

    # -- the lease ---------------------------------------------------------------------------

    def _lease_value(self) -> bytes:
        return json.dumps({"node": self.node, "address": self.address, "public": self.public},
                          separators=(",", ":")).encode()

    def _put_lease(self, last: int) -> int:
        """Write this node's lease over revision last (compare-and-set); its new revision. Raises
        KeyWrongLastSequenceError when the key is no longer at last."""
        return self.link.run(self._kv.update(self.key, self._lease_value(), last=last), timeout_s=self.lease_s)

    def _lease(self) -> None:
        from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError

        seen_rev, seen_at = -1, time.monotonic()
        while not self._stopped.is_set():
            now = time.monotonic()
            try:
                if self.role == "owner":
                    started = now
                    try:
                        self._lease_rev = self._put_lease(self._lease_rev)
                        self._renewed_at = started
                    except KeyWrongLastSequenceError:
                        self._step_down("its lease was taken")
                    except Exception:  # noqa: BLE001 - not renewed this time
                        if time.monotonic() - self._renewed_at > 0.75 * self.lease_s:
                            self._step_down("its lease could not be renewed in time")
                    self._stopped.wait(self.lease_s / 4)
                    continue
                try:
                    entry = self.link.run(self._kv.get(self.key), timeout_s=self.lease_s)
                except KeyNotFoundError:
                    entry = None
                if self.failed is not None:
                    self._stopped.wait(self.lease_s)
                    continue
                if entry is None:
                    revision = self.link.run(self._kv.create(self.key, self._lease_value()), timeout_s=self.lease_s)
                    self._take_over(revision)
                    continue
                if entry.revision != seen_rev:
                    seen_rev, seen_at = entry.revision, now
                    holder = lease_of(entry.value)
                    self.owner = (holder.get("node", ""), holder.get("address", ""), entry.revision)
                    if holder.get("handover") == self.node and not holder.get("address"):
                        # A handover to this node (hand_over): take the lease now, not after it lapses.
                        revision = self._put_lease(seen_rev)
                        self._take_over(revision)
                        continue
                elif now - seen_at > self.lease_s:
                    revision = self._put_lease(seen_rev)
                    self._take_over(revision)
                    continue
            except KeyWrongLastSequenceError:
                pass  # another standby took it first (or the owner renewed): watch again
            except Exception:  # noqa: BLE001 - NATS away: watch again
                log.debug("partition %d: the lease could not be read or taken", self.index, exc_info=True)
            self._stopped.wait(self.lease_s / 8)

    def _hold(self, force: bool = False) -> bool:
        """During a takeover: renew the lease (by compare-and-set on its revision) when a quarter of
        it is left, or now if force; False when another node has taken it meanwhile."""
        from nats.js.errors import KeyWrongLastSequenceError

        if not force and time.monotonic() - self._renewed_at <= 0.75 * self.lease_s:
            return True
        started = time.monotonic()
        try:
            self._lease_rev = self._put_lease(self._lease_rev)
        except KeyWrongLastSequenceError:
            log.warning("partition %d: its lease was taken by another node during the takeover", self.index)
            return False
        self._renewed_at = started
        return True

    def _take_over(self, revision: int) -> None:
        """With the lease (revision): apply the whole stream, fence it with a marker, serve. The
        lease is renewed while the stream is read, and once more just before the marker, so a
        takeover that outlasts its lease stops instead of fencing out the node that took it."""
        self._lease_rev, self._renewed_at = revision, time.monotonic()
        started = time.monotonic()
        while not self._stopped.is_set():
            if not self._hold():
                return
            last = self.link.run(self.link.js.stream_info(self.stream), timeout_s=self.lease_s).state.last_seq
            while self.stream_seq < last and not self._stopped.is_set():
                if not self._hold():
                    return
                if self._sub is None:
                    self._subscribe()
                try:
                    self._drain(0.2)
                except Exception as exc:  # noqa: BLE001 - as in _follow: this node cannot serve it
                    self.failed = str(exc)
                    log.error("partition %d: this node cannot follow the partition's stream and will not serve "
                              "it: %s", self.index, exc)
                    return
            if not self._hold(force=True):
                return
            headers = {EXPECTED_LAST_SEQUENCE: str(self.stream_seq), OWNER_HEADER: self.node,
                       LAST_SEQ_HEADER: str(self.engine.core.journal.last_seq)}
            try:
                ack = self.link.run(self.link.js.publish(self.subject, b"", headers=headers, timeout=self.lease_s),
                                    timeout_s=self.lease_s + 1)
            except Exception as exc:  # noqa: BLE001 - the old owner appended meanwhile: read on
                if getattr(exc, "err_code", None) != WRONG_LAST_SEQUENCE:
                    log.warning("partition %d: the takeover marker was not appended (%r); trying again",
                                self.index, exc)
                continue
            with self._lock:
                self.stream_seq = ack.seq
                self.role = "owner"
                self.owner = (self.node, self.address, self._lease_rev)
            self._unsubscribe()
            self.takeovers += 1
            log.info("partition %d: this node owns it from stream sequence %d (took %.0f ms)", self.index,
                     ack.seq, 1000 * (time.monotonic() - started))
            self._set_role("owner")
            return


class HandoverRefused(Exception):
    """A handover that cannot be asked for: no such partition lease, or no such node."""


def hand_over(link: Link, partition: int, to_node: str, timeout_s: float = 30.0) -> tuple[str, str, float]:
    """Move partition's ownership to to_node's standby: the lease is replaced (compare-and-set on
    its revision) by a value naming to_node and no owner, which deposes the owner at its next
    renewal and which to_node's standby takes at once, applying the whole stream and fencing it
    before it serves (the takeover of a lapsed lease, without waiting for the lapse; the old
    owner's appends after the fence are refused). If to_node has no standby that can take it, the
    lease lapses and any standby takes it. Returns (owner before, owner after, seconds); raises
    HandoverRefused, or TimeoutError when no node took the partition in timeout_s."""
    from nats.js.errors import KeyWrongLastSequenceError

    started = time.monotonic()
    while True:
        kv, entry = link.run(read_lease(link.js, partition), timeout_s=10)
        if entry is None:
            raise HandoverRefused(f"partition {partition} has no lease: no node has served it")
        holder = lease_of(entry.value)
        before = holder.get("node", "")
        if before == to_node and holder.get("address"):
            return before, to_node, 0.0
        value = json.dumps({"handover": to_node, "node": "", "from": before}, separators=(",", ":")).encode()
        try:
            link.run(kv.update(f"p{partition}", value, last=entry.revision), timeout_s=10)
            break
        except KeyWrongLastSequenceError:
            # Renewed meanwhile: ask again on the new revision.
            if time.monotonic() - started > timeout_s:
                raise TimeoutError(f"the lease of partition {partition} changed at every try for "
                                   f"{timeout_s:.0f} s") from None
    while time.monotonic() - started < timeout_s:
        _, entry = link.run(read_lease(link.js, partition), timeout_s=10)
        holder = lease_of(entry.value) if entry is not None else {}
        if holder.get("address"):
            return before, holder.get("node", ""), time.monotonic() - started
        time.sleep(0.01)
    raise TimeoutError(f"no node took partition {partition} within {timeout_s:.0f} s")


def _groups(frames: list[bytes], limit: int) -> list[list[bytes]]:
    """frames in consecutive groups of at most limit bytes (a frame above it goes alone)."""
    groups, group, size = [], [], 0
    for one in frames:
        if group and size + len(one) > limit:
            groups.append(group)
            group, size = [], 0
        group.append(one)
        size += len(one)
    if group:
        groups.append(group)
    return groups


async def _pending(sub, wait_s: float, limit: int) -> list:
    """The subscription's next messages, in one call on the link's loop: the first waited for up to
    wait_s, then those already delivered, at most limit."""
    out = []
    try:
        out.append(await sub.next_msg(timeout=wait_s))
        while len(out) < limit and sub.pending_msgs > 0:
            out.append(await sub.next_msg(timeout=0.001))
    except Exception:  # noqa: BLE001 - nothing more now (nats' TimeoutError), or the subscription is gone
        pass
    return out


def _split_frames(data: bytes) -> list[bytes]:
    """A message's frames, each as its own bytes (header and payload)."""
    out, at = [], 0
    for payload in segments.frame_payloads(data):
        end = at + segments.HEADER.size + len(payload)
        out.append(data[at:end])
        at = end
    return out
