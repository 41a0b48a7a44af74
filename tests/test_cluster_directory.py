"""Where a cluster node sends another partition's calls (authcore.cluster.node): the directory of
partition owners, watched from the lease bucket and read again on demand, and the forward that,
when the owner it knew is UNAVAILABLE and the lease names another, goes to the new owner once."""

from __future__ import annotations

import json
import time
from concurrent import futures

import grpc
import pytest

from authcore.cluster.jetstream import Link, LocalJetStream
from authcore.cluster.node import ClusterRouter, Directory
from authcore.cluster.replication import LEASE_BUCKET
from authcore.cluster.router import Registry

PATH = "/authcore.v1.AccountService/GetAccount"


@pytest.fixture(scope="module")
def link(tmp_path_factory):
    with LocalJetStream(tmp_path_factory.mktemp("jetstream"), servers=1) as jetstream:
        link = Link(jetstream.urls, name="directory-test")
        try:
            yield link
        finally:
            link.close()


@pytest.fixture
def bucket(link):
    async def made():
        try:
            await link.js.delete_key_value(LEASE_BUCKET)
        except Exception:  # noqa: BLE001 - not there yet
            pass
        return await link.js.create_key_value(bucket=LEASE_BUCKET, history=1)
    return link.run(made(), timeout_s=30)


def put(link: Link, kv, partition: int, address: str) -> int:
    value = json.dumps({"node": f"node-{address}", "address": address, "public": f"public-{address}"}).encode()
    return link.run(kv.put(f"p{partition}", value), timeout_s=10)


def wait_for(condition, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the directory did not follow the bucket"
        time.sleep(0.01)


def test_the_directory_follows_the_leases_and_reads_one_again_when_asked(link, bucket):
    put(link, bucket, 0, "127.0.0.1:1001")
    directory = Directory(link, lease_s=0.5)
    try:
        wait_for(lambda: directory.address(0) == "127.0.0.1:1001")
        assert directory.lease(0)["public"] == "public-127.0.0.1:1001"
        put(link, bucket, 1, "127.0.0.1:1002")
        wait_for(lambda: directory.address(1) == "127.0.0.1:1002")
        link.run(bucket.delete("p1"), timeout_s=10)
        wait_for(lambda: directory.address(1) is None)
        assert directory.lease(1) == {}
    finally:
        directory.close()
    # With its watch stopped the directory is stale, as one is while the JetStream server that
    # delivered its watch is down; refresh reads the lease itself.
    revision = put(link, bucket, 0, "127.0.0.1:2001")
    time.sleep(0.2)
    assert directory.address(0) == "127.0.0.1:1001"
    assert directory.refresh(0) == "127.0.0.1:2001"
    assert directory.lease(0)["node"] == "node-127.0.0.1:2001"
    # A watch entry older than what was read directly does not bring the old owner back.
    directory._set(0, revision - 1, json.dumps({"address": "127.0.0.1:1001"}).encode())
    assert directory.address(0) == "127.0.0.1:2001"
    link.run(bucket.delete("p0"), timeout_s=10)
    assert directory.refresh(0) is None


class FakeDirectory:
    """A directory that last saw `stale` as the owner of every partition; the bucket says `now`."""

    def __init__(self, stale: str, now: str):
        self.stale, self.now, self.refreshed = stale, now, 0

    def address(self, partition: int) -> str:
        return self.stale

    def refresh(self, partition: int) -> str:
        self.refreshed += 1
        self.stale = self.now
        return self.now


class FakeReplica:
    role, node, address, public, index = "standby", "n1", "", "", 0


class Aborted(Exception):
    pass


class FakeContext:
    def __init__(self):
        self.code = None

    def time_remaining(self):
        return 10.0

    def add_callback(self, fn):
        return True

    def is_active(self):
        return True

    def set_trailing_metadata(self, metadata):
        pass

    def abort(self, code, details):
        self.code = code
        raise Aborted(details)


@pytest.fixture
def owner():
    """A live owner's private port that answers PATH with its own bytes."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    handler = grpc.unary_unary_rpc_method_handler(lambda data, context: b"answer:" + data)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        "authcore.v1.AccountService", {"GetAccount": handler}),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(0)


def dead_address() -> str:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


def test_a_forward_to_a_dead_owner_goes_once_more_to_the_owner_the_lease_names_now(owner):
    directory = FakeDirectory(dead_address(), owner)
    router = ClusterRouter(Registry(), 0, 2, FakeReplica(), directory)
    try:
        assert router._forward(PATH, 1, b"request", FakeContext()) == b"answer:request"
        assert directory.refreshed == 1
    finally:
        router.close()


def test_a_forward_to_a_dead_owner_the_lease_still_names_ends_unavailable():
    dead = dead_address()
    directory = FakeDirectory(dead, dead)
    router = ClusterRouter(Registry(), 0, 2, FakeReplica(), directory)
    context = FakeContext()
    try:
        with pytest.raises(Aborted):
            router._forward(PATH, 1, b"request", context)
        assert context.code == grpc.StatusCode.UNAVAILABLE
        assert directory.refreshed == 1
    finally:
        router.close()


def test_a_private_port_answers_its_partitions_calls_only_while_it_owns_the_partition():
    from authcore.cluster.node import OwnerOnly

    gate = OwnerOnly()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), interceptors=(gate,))
    answer = grpc.unary_unary_rpc_method_handler(lambda data, context: b"from the engine")
    server.add_generic_rpc_handlers((
        grpc.method_handlers_generic_handler("authcore.v1.AccountService", {"GetAccount": answer}),
        grpc.method_handlers_generic_handler("authcore.v1.EventService", {"Anything": answer})))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    call = channel.unary_unary(PATH)
    try:
        # A worker before its replica exists, and a standby (or one still reading the stream in its
        # takeover): refused, so that no answer comes from a state behind the stream.
        for replica in (None, FakeReplica()):
            gate.replica = replica
            with pytest.raises(grpc.RpcError) as refused:
                call(b"x", timeout=10)
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
            assert "does not own partition" in refused.value.details()
        # The journal's events are served by every node.
        assert channel.unary_unary("/authcore.v1.EventService/Anything")(b"x", timeout=10) == b"from the engine"
        owner = FakeReplica()
        owner.role, owner.index = "owner", 1
        gate.replica = owner
        assert call(b"x", timeout=10) == b"from the engine"
    finally:
        channel.close()
        server.stop(0)
