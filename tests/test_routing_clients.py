"""Routing clients (route=True) through real processes: AsyncClient and the Node.js client against
a one-server JetStream and two `authcore serve --cluster` nodes of two partitions, one owned by
each node. The clients' target is a stand-in that answers only ClusterService.GetPartitionMap
(from a live node) and UNIMPLEMENTED to everything else, so a call about an account or an
authorization is answered only if the client sent it straight to its owner's address. Then the
node owning a partition dies: the next call of that partition is UNAVAILABLE at the old owner's
address, the client reads the map once more and the call, with its request_id, reaches the new
owner; a retry with the same request_id gets the same answer.

Also: the Node.js client computes the partition of an account and of an authorization id exactly
as the server does, and a routing client's failure to read the map carries the call's request_id."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import threading
import time
from concurrent import futures

import grpc
import pytest

from authcore.cluster import partitions as server_partitions
from authcore.cluster.jetstream import Link, LocalJetStream
from authcore.v1 import common_pb2 as c, events_pb2, events_pb2_grpc
from tests.test_cluster import PARTITIONS, REPO, Node, open_account, owner_of

DRIVER = REPO / "tests" / "node_client" / "route_driver.js"
WAIT_S = 30


def wait_until(condition, what: str, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout_s} s"
        time.sleep(0.02)


class MapOnly:
    """The clients' target: GetPartitionMap answered by the first live node of nodes (counted in
    reads), every other method UNIMPLEMENTED."""

    def __init__(self, nodes: list[Node]):
        self.nodes = nodes
        self.reads = 0
        self._lock = threading.Lock()
        handler = grpc.method_handlers_generic_handler("authcore.v1.ClusterService", {
            "GetPartitionMap": grpc.unary_unary_rpc_method_handler(self._map)})
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        self.server.add_generic_rpc_handlers((handler,))
        self.address = f"127.0.0.1:{self.server.add_insecure_port('127.0.0.1:0')}"
        self.server.start()

    def _map(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        with self._lock:
            self.reads += 1
        for node in self.nodes:
            if node.process.poll() is None:
                with grpc.insecure_channel(node.address) as channel:
                    return channel.unary_unary("/authcore.v1.ClusterService/GetPartitionMap")(request, timeout=5)
        context.abort(grpc.StatusCode.UNAVAILABLE, "no node is alive")

    def stop(self) -> None:
        self.server.stop(0)


def owners_by_map(node: Node) -> list[str]:
    with grpc.insecure_channel(node.address) as channel:
        answer = events_pb2_grpc.ClusterServiceStub(channel).GetPartitionMap(
            events_pb2.GetPartitionMapRequest(), timeout=5)
    return [owner.address for owner in answer.partitions]


def kill(node: Node) -> None:
    """SIGKILL a node: its supervisor first (so it starts no worker again), then its workers."""
    workers = [node.worker(partition) for partition in range(PARTITIONS)]
    node.process.kill()
    for pid in workers:
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def cluster(tmp_path):
    """One JetStream server, nodes n1 and n2 (replicas = 1), partition 0 owned by n1 and 1 by n2,
    the stand-in target, and an account opened on each partition: (nodes, link, target, accounts)."""
    with LocalJetStream(tmp_path / "jetstream", servers=1) as jetstream:
        nodes: list[Node] = []
        link = None
        target = None
        try:
            for name in ("n1", "n2"):
                nodes.append(Node(tmp_path, name, jetstream.urls, replicas=1))
            link = Link(jetstream.urls, name="test")
            n1, n2 = nodes
            wait_until(lambda: all(owner_of(link, p) for p in range(PARTITIONS)), "every partition owned")
            # The first node up takes every free partition: hand partition 1 to n2 by killing
            # its worker on n1 (n1 starts it again as a standby).
            for partition in range(PARTITIONS):
                owner = n1 if partition == 0 else n2
                other = n2 if owner is n1 else n1
                if owner_of(link, partition) != owner.name:
                    os.kill(other.worker(partition), signal.SIGKILL)
                    wait_until(lambda p=partition, o=owner: owner_of(link, p) == o.name, f"n2 owning {partition}")
            for node in nodes:
                wait_until(lambda n=node: owners_by_map(n) == [n1.address, n2.address], f"{node.name}'s map")
                wait_until(lambda n=node: all(n.worker(p) for p in range(PARTITIONS)), f"{node.name}'s workers")
            accounts = [next(f"routed-{k}" for k in range(1000)
                             if server_partitions.partition_of(f"routed-{k}", PARTITIONS) == p)
                        for p in range(PARTITIONS)]
            for account in accounts:
                open_account([n1.address], account, 1_000_000)
            target = MapOnly(nodes)
            yield nodes, link, target, accounts
        finally:
            if target is not None:
                target.stop()
            if link is not None:
                link.close()
            for node in nodes:
                node.stop()


def take_over(nodes: list[Node], link: Link) -> Node:
    """Kill n2 (owner of partition 1); n1's standby takes partition 1 over, and its map says so."""
    n1, n2 = nodes
    kill(n2)
    wait_until(lambda: owner_of(link, 1) == n1.name, "n1 taking partition 1 over")
    # Every worker of n1 answers the map with n1 as owner of both partitions (calls to n1's port
    # land on any of its workers).
    wait_until(lambda: all(owners_by_map(n1) == [n1.address] * PARTITIONS for _ in range(10)), "n1's new map")
    return n1


def payment(account: str, request_id: str) -> dict:
    return dict(request_id=request_id, account_id=account, channel=c.CHANNEL_WALLET, amount_minor=1_000,
                currency="CNY", merchant={"merchant_id": "m-1", "mcc": "5411", "country": "CN"},
                device={"device_id": "dev-1", "ip": "10.0.0.1"}, verification={"factors": [1, 2]})


def test_async_client_routes_each_call_to_its_owner_and_follows_a_node_gone(cluster):
    from authcore.client import AsyncClient
    from authcore.client.errors import AuthcoreError
    from authcore.v1 import authorization_pb2 as authz

    nodes, link, target, accounts = cluster
    n1, n2 = nodes

    async def scenario() -> None:
        # The stand-in answers no account's call: without routing, nothing gets through.
        async with AsyncClient(target.address, timeout=30) as plain:
            with pytest.raises(AuthcoreError) as refused:
                await plain.get_account(account_id=accounts[0])
            assert refused.value.code == grpc.StatusCode.UNIMPLEMENTED

        async with AsyncClient(target.address, route=True, timeout=30) as client:
            assert [await client.owner_address(a) for a in accounts] == [n1.address, n2.address]
            assert target.reads == 1
            for account in accounts:
                assert (await client.get_account(account_id=account)).account.account_id == account
            # An authorization is routed by the partition its id names.
            approved = await client.authorize(authz.AuthorizeRequest(**payment(accounts[1], "async-pay-1")))
            assert approved.decision == c.DECISION_APPROVED and "_p1x2_" in approved.authorization_id
            voided = await client.void(request_id="async-void-1", authorization_id=approved.authorization_id)
            assert voided.authorization_id == approved.authorization_id
            assert target.reads == 1

            take_over(nodes, link)
            # The map still names n2 for partition 1: UNAVAILABLE there, the map is read once
            # more, and the call goes with its request_id to n1.
            request = authz.AuthorizeRequest(**payment(accounts[1], "async-pay-after"))
            answer = await client.authorize(request)
            assert answer.decision == c.DECISION_APPROVED
            assert target.reads == 2
            assert await client.owner_address(accounts[1]) == n1.address
            assert await client.authorize(request) == answer
            assert len(client._routes) == 2  # n1's and n2's address, closed by close()
        assert not client._routes

    asyncio.run(scenario())


class NodeDriver:
    """tests/node_client/route_driver.js as a subprocess: ask(command) -> its answer."""

    def __init__(self, target: str, route: bool = True):
        self.process = subprocess.Popen(["node", str(DRIVER), target, "route" if route else "plain"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, cwd=REPO)

    def ask(self, command: dict) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, self.process.stderr.read()
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def as_json(fields: dict) -> dict:
    """payment() in the contract's JSON names (lowerCamelCase; int64 as a string)."""
    def camel(name: str) -> str:
        head, *rest = name.split("_")
        return head + "".join(part.title() for part in rest)

    def convert(value):
        if isinstance(value, dict):
            return {camel(k): convert(v) for k, v in value.items()}
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    out = convert(fields)
    out["channel"] = "CHANNEL_WALLET"
    return out


def test_node_client_routes_each_call_to_its_owner_and_follows_a_node_gone(cluster):
    nodes, link, target, accounts = cluster
    n1, n2 = nodes

    plain = NodeDriver(target.address, route=False)
    try:
        refused = plain.ask({"op": "call", "method": "getAccount", "request": {"accountId": accounts[0]}})
        assert not refused["ok"] and refused["codeName"] == "UNIMPLEMENTED", refused
    finally:
        plain.close()

    driver = NodeDriver(target.address)
    try:
        assert [driver.ask({"op": "owner", "accountId": a})["address"] for a in accounts] == [n1.address, n2.address]
        assert target.reads == 1
        for account in accounts:
            got = driver.ask({"op": "call", "method": "getAccount", "request": {"accountId": account}})
            assert got["ok"] and got["answer"]["account"]["accountId"] == account, got
        approved = driver.ask({"op": "call", "method": "authorize",
                               "request": as_json(payment(accounts[1], "node-pay-1"))})
        assert approved["ok"] and approved["answer"]["decision"] == "DECISION_APPROVED", approved
        authorization_id = approved["answer"]["authorizationId"]
        assert "_p1x2_" in authorization_id
        voided = driver.ask({"op": "call", "method": "void",
                             "request": {"requestId": "node-void-1", "authorizationId": authorization_id}})
        assert voided["ok"] and voided["answer"]["authorizationId"] == authorization_id, voided
        assert target.reads == 1

        take_over(nodes, link)
        request = {"op": "call", "method": "authorize", "request": as_json(payment(accounts[1], "node-pay-after"))}
        answer = driver.ask(request)
        assert answer["ok"] and answer["answer"]["decision"] == "DECISION_APPROVED", answer
        assert target.reads == 2
        assert driver.ask({"op": "owner", "accountId": accounts[1]})["address"] == n1.address
        assert driver.ask(request) == answer
    finally:
        driver.close()


def test_node_client_partitions_accounts_and_authorizations_as_the_server_does():
    rng = random.Random(7)
    alphabet = [(0x20, 0x7E), (0xA0, 0x7FF), (0x800, 0xD7FF), (0xE000, 0xFFFD), (0x10000, 0x10FFFF)]
    accounts = ["", "a", "acct-1", "张三", "账户-001", "Zoë", "😀" * 40, "x" * 127, "x" * 128, "x" * 129,
                "y" * 256, "é" * 64, "z" * 1000]
    accounts += ["".join(chr(rng.randint(*rng.choice(alphabet))) for _ in range(rng.randint(0, 300)))
                 for _ in range(2000)]
    authorizations = ["au_p1x2_abc", "au_p0x2_", "au_p01x2_abc", "au_p2x2_abc", "au_p1x3_abc", "au_p1x2", "p1x2",
                      "au__p1x2_abc", "x_p63x64_y_z", "au_p٣x4_abc", "au_P1x2_abc", "au_p1x2_a_b", "au_p100x2_abc",
                      "au_p1x2 _abc", "au_p1x02_abc", "_p0x1_"]
    authorizations += [f"au_p{rng.randint(0, 70)}x{rng.randint(0, 70)}_{rng.getrandbits(32):x}" for _ in range(500)]
    counts = [1, 2, 3, 4, 7, 8, 16, 63, 64]
    driver = NodeDriver("127.0.0.1:1")
    try:
        got = driver.ask({"op": "partitions", "accounts": accounts, "authorizations": authorizations,
                          "counts": counts})
    finally:
        driver.close()
    assert got["accounts"] == [[server_partitions.partition_of(a, n) for n in counts] for a in accounts]
    assert got["authorizations"] == [[server_partitions.partition_of_id(a, n) for n in counts]
                                     for a in authorizations]
    assert any(p is not None for row in got["authorizations"] for p in row)


def test_the_python_clients_partition_authorization_ids_as_the_server_does():
    from authcore.client import _core

    ids = ["au_p1x2_abc", "au_p01x2_abc", "au_p1x02_abc", "au_p٣x4_abc", "au_p2x2_abc", "au_p1x2", "au__p1x2_"]
    for authorization_id in ids:
        for count in (1, 2, 4, 64):
            assert _core.partition_of_id(authorization_id, count) == \
                server_partitions.partition_of_id(authorization_id, count), (authorization_id, count)


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


def test_a_routing_clients_failure_to_read_the_map_carries_the_calls_request_id():
    from authcore.client import AsyncClient, Client
    from authcore.client._core import NO_RETRIES
    from authcore.client.errors import AuthcoreError

    target = closed_port()
    with Client(target, route=True, retries=NO_RETRIES) as client:
        with pytest.raises(AuthcoreError) as failed:
            client.repay(request_id="sync-repay-1", account_id="acct-1", amount_minor=100, currency="CNY")
        assert failed.value.code == grpc.StatusCode.UNAVAILABLE and failed.value.request_id == "sync-repay-1"

    async def scenario() -> None:
        async with AsyncClient(target, route=True, retries=NO_RETRIES) as client:
            with pytest.raises(AuthcoreError) as failed:
                await client.repay(request_id="async-repay-1", account_id="acct-1", amount_minor=100, currency="CNY")
            assert failed.value.code == grpc.StatusCode.UNAVAILABLE and failed.value.request_id == "async-repay-1"

    asyncio.run(scenario())

    driver = NodeDriver(target)
    try:
        failed = driver.ask({"op": "call", "method": "repay", "request": {
            "requestId": "node-repay-1", "accountId": "acct-1", "amountMinor": "100", "currency": "CNY"}})
    finally:
        driver.close()
    assert not failed["ok"] and failed["codeName"] == "UNAVAILABLE" and failed["requestId"] == "node-repay-1"



class Owners:
    """In-process stand-ins of a cluster of `count` partitions, one owner each: each owner answers
    GetAccount (recording the account ids it was asked), and the map server names them."""

    def __init__(self, count: int):
        from authcore.v1 import account_pb2

        self.asked: list[list[str]] = [[] for _ in range(count)]
        self.servers = []
        addresses = []
        for index in range(count):
            def get_account(request, context, index=index):
                self.asked[index].append(request.account_id)
                return account_pb2.GetAccountResponse(account=account_pb2.Account(account_id=request.account_id))
            handler = grpc.method_handlers_generic_handler("authcore.v1.AccountService", {
                "GetAccount": grpc.unary_unary_rpc_method_handler(
                    get_account, request_deserializer=account_pb2.GetAccountRequest.FromString,
                    response_serializer=account_pb2.GetAccountResponse.SerializeToString)})
            addresses.append(self._serve(handler))
        answer = events_pb2.GetPartitionMapResponse(partitions=[
            events_pb2.PartitionOwner(partition=i, node=f"n{i}", address=a) for i, a in enumerate(addresses)])
        handler = grpc.method_handlers_generic_handler("authcore.v1.ClusterService", {
            "GetPartitionMap": grpc.unary_unary_rpc_method_handler(
                lambda request, context: answer, request_deserializer=events_pb2.GetPartitionMapRequest.FromString,
                response_serializer=events_pb2.GetPartitionMapResponse.SerializeToString)})
        self.target = self._serve(handler)
        self.accounts = [next(f"acct-{k}" for k in range(1000)
                              if server_partitions.partition_of(f"acct-{k}", count) == p) for p in range(count)]

    def _serve(self, handler) -> str:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        server.add_generic_rpc_handlers((handler,))
        address = f"127.0.0.1:{server.add_insecure_port('127.0.0.1:0')}"
        server.start()
        self.servers.append(server)
        return address

    def stop(self) -> None:
        for server in self.servers:
            server.stop(0)


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_routing_client_keeps_at_most_max_routes_channels_open(kind, monkeypatch):
    from authcore.client import AsyncClient, Client, _core

    monkeypatch.setattr(_core, "MAX_ROUTES", 2)
    owners = Owners(3)
    try:
        if kind == "sync":
            with Client(owners.target, route=True) as client:
                for _ in range(2):
                    for account in owners.accounts:
                        assert client.get_account(account_id=account).account.account_id == account
                        assert len(client._routes) <= 2
            assert not client._routes
        else:
            async def scenario():
                async with AsyncClient(owners.target, route=True) as client:
                    for _ in range(2):
                        for account in owners.accounts:
                            assert (await client.get_account(account_id=account)).account.account_id == account
                            assert len(client._routes) <= 2
                assert not client._routes
            asyncio.run(scenario())
        # Each call reached its partition's owner, through channels opened again after eviction.
        assert owners.asked == [[account] * 2 for account in owners.accounts]
    finally:
        owners.stop()
