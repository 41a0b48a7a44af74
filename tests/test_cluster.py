"""A cluster through real processes on loopback: a 3-server NATS JetStream cluster and two
`authcore serve --cluster` nodes of two partitions each. Under load on the three channels, the
owner of a partition is killed with SIGKILL again and again: no acknowledged answer is lost or
doubled, every request is resolved by a retry with its request_id, and every account's books
equal the answers acknowledged."""

from __future__ import annotations

import json
import os
import pathlib
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

import grpc
import pytest

from authcore.cluster.jetstream import Link, LocalJetStream
from authcore.cluster.partitions import partition_of
from authcore.cluster.replication import LEASE_BUCKET
from authcore.v1 import (
    account_pb2, account_pb2_grpc, admin_pb2, admin_pb2_grpc, authorization_pb2 as authz, authorization_pb2_grpc,
    common_pb2 as c,
)

REPO = pathlib.Path(__file__).resolve().parents[1]
PARTITIONS = 2
LEASE_S = 0.5
START_TIMEOUT_S = 60
KILLS = 20
RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
CHANNELS = (c.CHANNEL_WALLET, c.CHANNEL_SCAN_TO_PAY, c.CHANNEL_QUICK_PAY)


class Node:
    """`authcore serve --cluster` as a subprocess."""

    def __init__(self, directory: pathlib.Path, name: str, urls: list[str], replicas: int = 3):
        directory.mkdir(parents=True, exist_ok=True)
        config = directory / f"{name}.toml"
        config.write_text(f"[cluster]\nlease_s = {LEASE_S}\nreplicas = {replicas}\n[engine]\nexpiry_interval_s = 0.5\n")
        self.name = name
        self.stderr = open(directory / f"{name}.stderr", "w")  # noqa: SIM115 - closed in stop()
        self.stderr_path = directory / f"{name}.stderr"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "authcore", "serve", "--config", str(config), "--processes", str(PARTITIONS),
             "--port", "0", "--data-dir", str(directory / name), "--cluster", ",".join(urls), "--node", name],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True, cwd=REPO,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.address = self._serving()
        threading.Thread(target=self._drain, daemon=True).start()

    def _serving(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT_S
        for line in self.process.stdout:
            match = re.search(r"serving on ([\d.]+:\d+)", line)
            if match:
                return match.group(1)
            if time.monotonic() > deadline:
                break
        raise AssertionError(f"{self.name} did not start: {self.stderr_path.read_text()[-3000:]}")

    def _drain(self) -> None:
        for _ in self.process.stdout:
            pass

    def worker(self, partition: int) -> int | None:
        """The pid of the worker serving partition, if one is running."""
        for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) != self.process.pid:
                    continue
                argv = (stat.parent / "cmdline").read_bytes().split(b"\0")
            except (OSError, ValueError, IndexError):
                continue
            if b"--partition" in argv and argv[argv.index(b"--partition") + 1] == str(partition).encode():
                return int(stat.parent.name)
        return None

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cluster")
    with LocalJetStream(directory / "jetstream") as jetstream:
        nodes = [Node(directory, name, jetstream.urls) for name in ("n1", "n2")]
        link = Link(jetstream.urls, name="test")
        try:
            yield jetstream, nodes, link
        finally:
            link.close()
            for node in nodes:
                node.stop()


def owner_of(link: Link, partition: int) -> str | None:
    async def get():
        kv = await link.js.key_value(LEASE_BUCKET)
        return json.loads((await kv.get(f"p{partition}")).value)["node"]
    try:
        return link.run(get(), timeout_s=5)
    except Exception:  # noqa: BLE001 - no lease yet
        return None


class Load:
    """Callers paying from the accounts on the three channels through both nodes; each request is
    retried with its request_id on UNAVAILABLE until it is answered."""

    def __init__(self, addresses: list[str], accounts: list[str], callers: int = 6, tag: str = "c"):
        self.stubs = [authorization_pb2_grpc.AuthorizationServiceStub(grpc.insecure_channel(a)) for a in addresses]
        self.accounts = accounts
        self.tag = tag
        reader = account_pb2_grpc.AccountServiceStub(grpc.insecure_channel(addresses[0]))
        self.held_before = {a: retried(reader.GetAccount, account_pb2.GetAccountRequest(account_id=a),
                                       timeout=30).account.held_minor
                            for a in accounts}
        self.answers: dict[str, tuple[authz.AuthorizeRequest, authz.AuthorizeResponse]] = {}
        self.unresolved: list[str] = []
        self.retried = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(callers)]
        for thread in self._threads:
            thread.start()

    def _run(self, caller: int) -> None:
        rng = random.Random(caller)
        n = 0
        while not self._stop.is_set():
            n += 1
            account = rng.choice(self.accounts)
            channel = CHANNELS[n % 3]
            request = authz.AuthorizeRequest(
                request_id=f"{self.tag}{caller}-{n}", account_id=account, channel=channel,
                amount_minor=rng.randint(100, 5_000), currency="CNY",
                qr_code_type=c.QR_CODE_TYPE_DYNAMIC if channel == c.CHANNEL_SCAN_TO_PAY else 0,
                merchant=authz.Merchant(merchant_id="m-1", mcc="5411", country="CN"),
                device=authz.Device(device_id=f"dev-{account}", ip="10.0.0.1"),
                verification=authz.Verification(factors=(1, 2)))
            answer = self.call(request, rng)
            with self._lock:
                if answer is None:
                    self.unresolved.append(request.request_id)
                else:
                    self.answers[request.request_id] = (request, answer)

    def call(self, request, rng, deadline_s: float = 30.0):
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            try:
                return rng.choice(self.stubs).Authorize(request, timeout=5)
            except grpc.RpcError as error:
                if error.code() not in RETRYABLE:
                    raise
                with self._lock:
                    self.retried += 1
                time.sleep(0.02)
        return None

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)


def check_books(load: Load, accounts: list[str], reader, minimum: int = 200) -> None:
    """Every request was answered; every acknowledged answer stands, once: a retry of each gets it
    again, and each account holds exactly what the acknowledged approvals held."""
    assert not load.unresolved, f"requests never answered: {load.unresolved[:5]}"
    assert len(load.answers) >= minimum
    held: dict[str, int] = {a: held for a, held in load.held_before.items()}
    for request_id, (request, answer) in load.answers.items():
        again = retried(load.stubs[hash(request_id) % 2].Authorize, request, timeout=30)
        assert again == answer, request_id
        if answer.decision == c.DECISION_APPROVED:
            held[request.account_id] += request.amount_minor
    for account in accounts:
        got = retried(reader.GetAccount, account_pb2.GetAccountRequest(account_id=account), timeout=30).account
        assert got.held_minor == held[account], account
        assert got.credit_limit_minor == got.available_credit_minor + got.posted_balance_minor + got.held_minor


def wait_answering(stub, account_id: str, timeout_s: float = 10.0) -> float:
    """Seconds until GetAccount of account_id is answered (its partition has a live owner)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        try:
            stub.GetAccount(account_pb2.GetAccountRequest(account_id=account_id), timeout=1)
            return time.monotonic() - started
        except grpc.RpcError as error:
            if error.code() not in RETRYABLE:
                raise
            time.sleep(0.005)
    raise AssertionError(f"the partition of {account_id} had no owner for {timeout_s} s")


def test_failover_under_load_loses_and_doubles_nothing(cluster):
    jetstream, nodes, link = cluster
    addresses = [node.address for node in nodes]
    admin = admin_pb2_grpc.AdminServiceStub(grpc.insecure_channel(addresses[0]))
    accounts = [f"acct-{k}" for k in range(12)]
    for account in accounts:
        admin.UpsertAccount(admin_pb2.UpsertAccountRequest(request_id=f"open-{account}", account_id=account,
                                                           credit_limit_minor=50_000_000, tier=c.TIER_STANDARD),
                            timeout=30)
    by_partition = {p: next(a for a in accounts if partition_of(a, PARTITIONS) == p) for p in range(PARTITIONS)}
    readers = [account_pb2_grpc.AccountServiceStub(grpc.insecure_channel(a)) for a in addresses]
    load = Load(addresses, accounts)
    gaps = []
    try:
        for kill in range(KILLS):
            partition = kill % PARTITIONS
            owner = owner_of(link, partition)
            node = next(n for n in nodes if n.name == owner)
            other = next(n for n in nodes if n is not node)
            pid = node.worker(partition)
            assert pid is not None
            time.sleep(0.3)  # load runs on the owner
            os.kill(pid, signal.SIGKILL)
            gaps.append(wait_answering(readers[nodes.index(other)], by_partition[partition]))
            assert owner_of(link, partition) == other.name
            # The supervisor starts the killed worker again; it follows as a standby.
            deadline = time.monotonic() + START_TIMEOUT_S
            while node.worker(partition) in (None, pid):
                assert time.monotonic() < deadline, "the killed worker was not started again"
                time.sleep(0.05)
            time.sleep(1.5)
    finally:
        load.stop()
    check_books(load, accounts, readers[0])
    print(f"\nfailovers: {len(gaps)}; unavailability p50 {statistics.median(gaps) * 1000:.0f} ms, "
          f"max {max(gaps) * 1000:.0f} ms; {len(load.answers)} payments answered, {load.retried} retries")


class Spenders:
    """callers threads paying amount_minor from one account through all nodes, each payment
    retried with its request_id until answered, until stopped."""

    def __init__(self, addresses: list[str], account: str, amount_minor: int, callers: int = 64,
                 once: bool = False, tag: str = ""):
        self.load = Load.__new__(Load)
        self.load.stubs = [authorization_pb2_grpc.AuthorizationServiceStub(grpc.insecure_channel(a))
                           for a in addresses]
        self.load._lock = threading.Lock()
        self.load.retried = 0
        self.account, self.amount_minor, self.once, self.tag = account, amount_minor, once, tag
        self.answers: list[tuple[authz.AuthorizeRequest, authz.AuthorizeResponse]] = []
        self.unresolved: list[str] = []
        self._stop = threading.Event()
        self._go = threading.Barrier(callers)
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(callers)]
        for thread in self._threads:
            thread.start()

    def _run(self, caller: int) -> None:
        rng = random.Random(caller)
        self._go.wait()
        n = 0
        while not self._stop.is_set():
            n += 1
            request = authz.AuthorizeRequest(
                request_id=f"{self.tag}-{caller}-{n}", account_id=self.account, channel=c.CHANNEL_WALLET,
                amount_minor=self.amount_minor, currency="CNY",
                merchant=authz.Merchant(merchant_id="m-1", mcc="5411", country="CN"),
                device=authz.Device(device_id="dev-1", ip="10.0.0.1"), verification=authz.Verification(factors=(1, 2)))
            answer = self.load.call(request, rng)
            if answer is None:
                self.unresolved.append(request.request_id)
            else:
                self.answers.append((request, answer))
            if self.once:
                return

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def approved_minor(self) -> int:
        return sum(r.amount_minor for r, a in self.answers if a.decision == c.DECISION_APPROVED)


def retried(call, *args, deadline_s: float = 30.0, **kwargs):
    """call(*args, **kwargs), retried on UNAVAILABLE as a client does (a partition may be between
    owners when a test begins, after the faults of the one before)."""
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            return call(*args, **kwargs)
        except grpc.RpcError as error:
            if error.code() not in RETRYABLE or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def open_account(addresses: list[str], account: str, limit_minor: int) -> None:
    admin = admin_pb2_grpc.AdminServiceStub(grpc.insecure_channel(addresses[0]))
    retried(admin.UpsertAccount, admin_pb2.UpsertAccountRequest(
        request_id=f"open-{account}", account_id=account, credit_limit_minor=limit_minor, tier=c.TIER_STANDARD,
        limit_overrides=c.LimitProfile(daily_count=100_000, daily_amount_minor=10**12, monthly_amount_minor=10**12,
                                       monthly_count=100_000)),
        timeout=30)


def books(addresses: list[str], account: str):
    stub = account_pb2_grpc.AccountServiceStub(grpc.insecure_channel(addresses[1]))
    return retried(stub.GetAccount, account_pb2.GetAccountRequest(account_id=account), timeout=30).account


def test_sixty_four_callers_over_both_nodes_never_overspend(cluster):
    _, nodes, _ = cluster
    addresses = [node.address for node in nodes]
    for run in range(100):
        account = f"race-{run}"
        open_account(addresses, account, 10_000)
        spenders = Spenders(addresses, account, 1_000, once=True, tag=f"race{run}")
        spenders.stop()
        assert not spenders.unresolved
        approved = spenders.approved_minor()
        assert approved <= 10_000, (run, approved)
        got = books(addresses, account)
        assert got.held_minor == approved and got.available_credit_minor == 10_000 - approved, run


def test_a_paused_owner_approves_nothing_after_the_takeover(cluster):
    _, nodes, link = cluster
    addresses = [node.address for node in nodes]
    for run in range(3):
        partition = run % PARTITIONS
        account = next(f"paused-{run}-{k}" for k in range(1000)
                       if partition_of(f"paused-{run}-{k}", PARTITIONS) == partition)
        limit = 150_000
        open_account(addresses, account, limit)
        owner = owner_of(link, partition)
        node = next(n for n in nodes if n.name == owner)
        other = next(n for n in nodes if n is not node)
        pid = node.worker(partition)
        spenders = Spenders(addresses, account, 1_000, tag=f"paused{run}")
        try:
            time.sleep(0.3)
            os.kill(pid, signal.SIGSTOP)
            deadline = time.monotonic() + 10
            while owner_of(link, partition) != other.name:
                assert time.monotonic() < deadline, "no takeover while the owner was paused"
                time.sleep(0.02)
            time.sleep(0.5)
            os.kill(pid, signal.SIGCONT)
            time.sleep(1.0)
        finally:
            os.kill(pid, signal.SIGCONT)
            spenders.stop()
        assert not spenders.unresolved
        # The paused owner, continued, did not take its partition back.
        assert owner_of(link, partition) == other.name
        approved = spenders.approved_minor()
        assert 0 < approved <= limit
        got = books(addresses, account)
        assert got.held_minor == approved
        assert got.credit_limit_minor == got.available_credit_minor + got.posted_balance_minor + got.held_minor
        # Every approval acknowledged is the new owner's to replay: none came from the paused
        # owner's memory alone.
        for request, answer in spenders.answers:
            again = retried(spenders.load.stubs[0].Authorize, request, timeout=30)
            assert again == answer, request.request_id


def opened_accounts(nodes, prefix: str, count: int = 8):
    """(the nodes' addresses, count accounts opened with a large line, a reader on the first node)."""
    addresses = [node.address for node in nodes]
    accounts = [f"{prefix}-{k}" for k in range(count)]
    for account in accounts:
        open_account(addresses, account, 50_000_000)
    return addresses, accounts, account_pb2_grpc.AccountServiceStub(grpc.insecure_channel(addresses[0]))


def test_a_jetstream_server_killed_and_started_again_under_load(cluster):
    jetstream, nodes, _ = cluster
    addresses, accounts, reader = opened_accounts(nodes, "fault")
    for server in range(jetstream.servers):
        # Service continues: every partition answers again after the fault before it (a stream whose
        # leader was on the killed server elects another, and its owner or a standby serves it).
        for account in accounts:
            wait_answering(reader, account, timeout_s=60)
        load = Load(addresses, accounts, tag=f"f{server}-")
        try:
            time.sleep(1.0)
            jetstream.kill(server)
            time.sleep(2.0)
            jetstream.restart(server)
            time.sleep(2.0)
        finally:
            load.stop()
        check_books(load, accounts, reader, minimum=50)
        print(f"\nserver {server} killed and started again: {len(load.answers)} payments answered, "
              f"{load.retried} retries")
    for account in accounts:
        wait_answering(reader, account, timeout_s=60)


def test_cluster_up_starts_a_local_cluster_that_serves_and_stops(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "authcore", "cluster", "up", "--nodes", "2", "--servers", "1", "--partitions", "1",
         "--port", "0", "--dir", str(tmp_path / "c"), "--seconds", "120"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        nodes = []
        for line in process.stdout:
            match = re.search(r"node (n\d): serving on ([\d.]+:\d+)", line)
            if match:
                nodes.append(match.group(2))
            if line.startswith("the cluster is up"):
                break
        assert len(nodes) == 2, nodes
        # Either node answers: one owns the partition, the other forwards to it.
        open_account(nodes, "up-1", 100_000)
        for k, node in enumerate(nodes):
            stub = authorization_pb2_grpc.AuthorizationServiceStub(grpc.insecure_channel(node))
            answer = stub.Authorize(authz.AuthorizeRequest(
                request_id=f"up-pay-{k}", account_id="up-1", channel=c.CHANNEL_WALLET, amount_minor=1_000,
                currency="CNY", merchant=authz.Merchant(merchant_id="m-1", mcc="5411", country="CN"),
                device=authz.Device(device_id="dev-1", ip="10.0.0.1"), verification=authz.Verification(factors=(1, 2))),
                timeout=30)
            assert answer.decision in (c.DECISION_APPROVED, c.DECISION_DECLINED)
        process.send_signal(signal.SIGINT)
        rest = process.communicate(timeout=120)[0]
        assert process.returncode == 0
        assert "the cluster is stopped" in rest
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_routing_client_calls_each_partitions_owner_and_follows_a_takeover(cluster):
    from authcore.client import Client

    _, nodes, link = cluster
    addresses = [node.address for node in nodes]
    accounts = [f"routed-{k}" for k in range(8)]
    for account in accounts:
        open_account(addresses, account, 1_000_000)
    with Client(addresses[0], route=True, timeout=30) as client:
        by_partition: dict[int, str] = {}
        for account in accounts:
            partition = partition_of(account, PARTITIONS)
            owner = owner_of(link, partition)
            # The map names each partition's owner node; the client sends the account's calls there.
            assert client.owner_address(account) == next(n.address for n in nodes if n.name == owner)
            by_partition.setdefault(partition, account)
            assert client.get_account(account_id=account).account.account_id == account
        # The owner of a partition dies: calls sent to its node's port are forwarded by the node's
        # other workers to the new owner.
        partition, account = next(iter(by_partition.items()))
        node = next(n for n in nodes if n.name == owner_of(link, partition))
        other = next(n for n in nodes if n is not node)
        os.kill(node.worker(partition), signal.SIGKILL)
        deadline = time.monotonic() + 30
        while owner_of(link, partition) != other.name:
            assert time.monotonic() < deadline, "no takeover"
            time.sleep(0.02)
        # The lease is taken before the new owner has read the stream to its end and serves.
        wait_answering(account_pb2_grpc.AccountServiceStub(grpc.insecure_channel(other.address)), account, 30)
        pay = dict(channel=c.CHANNEL_WALLET, amount_minor=1_000, currency="CNY",
                   merchant=authz.Merchant(merchant_id="m-1", mcc="5411", country="CN"),
                   device=authz.Device(device_id="dev-1", ip="10.0.0.1"), verification=authz.Verification(factors=(1, 2)))
        assert client.authorize(account_id=account, **pay).decision in (c.DECISION_APPROVED, c.DECISION_DECLINED)
        # A map that names an address where nothing answers (a node gone): the call is UNAVAILABLE
        # there, the client reads the map again and sends it, with its request_id, to the owner.
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            gone = f"127.0.0.1:{sock.getsockname()[1]}"
        client._owners = [gone] * PARTITIONS
        answer = client.authorize(account_id=account, request_id="routed-after-gone", **pay)
        assert answer.decision in (c.DECISION_APPROVED, c.DECISION_DECLINED)
        assert client.owner_address(account) == other.address


def test_cluster_move_hands_a_partition_over_to_the_named_node_under_load(cluster):
    jetstream, nodes, link = cluster
    addresses, accounts, reader = opened_accounts(nodes, "moved")
    for account in accounts:
        wait_answering(reader, account, timeout_s=60)
    load = Load(addresses, accounts, tag="m-")
    try:
        time.sleep(0.5)
        for partition in range(PARTITIONS):
            owner = owner_of(link, partition)
            to = next(node.name for node in nodes if node.name != owner)
            done = subprocess.run(
                [sys.executable, "-m", "authcore", "cluster", "move", "--nats", ",".join(jetstream.urls),
                 "--partition", str(partition), "--to", to], capture_output=True, text=True, cwd=REPO, timeout=120)
            assert done.returncode == 0, done.stderr
            assert re.match(rf"partition {partition} moved from {owner} to {to} in \d+ ms", done.stdout), done.stdout
            assert owner_of(link, partition) == to
            time.sleep(0.5)
    finally:
        load.stop()
    check_books(load, accounts, reader, minimum=50)
    refused = subprocess.run([sys.executable, "-m", "authcore", "cluster", "move", "--nats", ",".join(jetstream.urls),
                              "--partition", "99", "--to", nodes[0].name], capture_output=True, text=True, cwd=REPO,
                             timeout=120)
    assert refused.returncode == 2 and "partition 99 has no lease" in refused.stderr
