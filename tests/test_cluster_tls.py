"""Node-to-node mutual TLS on a cluster's private ports. In-process: a private port served with
the node certificate takes forwarded calls only from a peer presenting a node certificate, and
trusts the caller it names only then; a channel's or admin's certificate is refused, plaintext
fails the handshake, and the public port refuses a node certificate. Configuration: a
non-loopback private_host only with [tls], a node certificate needed then. Through real
processes: two `authcore serve --cluster` nodes with [tls] on one JetStream server, where the
node that does not own a partition forwards its calls to the owner over mutual TLS."""

from __future__ import annotations

import json
import os
import pathlib
import socket
import subprocess
import sys
import threading
import time

import grpc
import pytest
from grpc_status import rpc_status

from authcore.api import config
from authcore.api.gate import GateInterceptor
from authcore.api.identity import (
    FORWARDED_KEY,
    NODE_CHANNEL_OPTIONS,
    NodeTlsFiles,
    TlsFiles,
    channel_credentials,
    identity_of_sans,
)
from authcore.api.server import create_server
from authcore.cluster.jetstream import Link, LocalJetStream
from authcore.cluster.partitions import partition_of
from authcore.cluster.replication import LEASE_BUCKET
from authcore.engine import Engine
from authcore.journal.store import Journal
from authcore.tools.certs import make_certs
from authcore.v1 import (
    account_pb2, account_pb2_grpc, admin_pb2, admin_pb2_grpc, authorization_pb2 as authz, authorization_pb2_grpc,
    common_pb2 as c,
)
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tests.test_cluster import Node, retried

REPO = pathlib.Path(__file__).resolve().parent.parent
PARTITIONS = 2
LEASE_S = 0.5


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("certs")
    make_certs(directory)
    return directory


def node_files(certs: pathlib.Path) -> NodeTlsFiles:
    return NodeTlsFiles(str(certs / "node.pem"), str(certs / "node-key.pem"), str(certs / "ca.pem"))


def reason(error: grpc.RpcError) -> str:
    status = rpc_status.from_call(error)
    for detail in status.details if status else ():
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return info.reason
    return ""


def pay(request_id: str, account_id: str, channel: int = c.CHANNEL_WALLET) -> authz.AuthorizeRequest:
    return authz.AuthorizeRequest(
        request_id=request_id, account_id=account_id, channel=channel, amount_minor=1_000, currency="CNY",
        merchant=authz.Merchant(merchant_id="m-1", mcc="5411", country="CN"),
        device=authz.Device(device_id="dev-1", ip="10.0.0.1"), verification=authz.Verification(factors=(1, 2)))


def to_private_port(address: str, certs: pathlib.Path, identity: str | None) -> grpc.Channel:
    """A channel to a private port: plaintext (identity None), or TLS with identity's certificate,
    checking the port's node certificate as a node does."""
    if identity is None:
        return grpc.insecure_channel(address)
    return grpc.secure_channel(address, channel_credentials(certs, identity), options=NODE_CHANNEL_OPTIONS)


# -- a private port, in process -----------------------------------------------------------------


@pytest.fixture(scope="module")
def private_port(certs, tmp_path_factory):
    engine = Engine(Journal(tmp_path_factory.mktemp("private")), default_model=False)
    service = create_server(engine, "127.0.0.1:0", expiry_interval_s=3600, interceptors=(GateInterceptor("node"),),
                            credentials=node_files(certs).server_credentials()).start()
    address = f"127.0.0.1:{service.port}"
    with to_private_port(address, certs, "node") as channel:
        admin_pb2_grpc.AdminServiceStub(channel).UpsertAccount(admin_pb2.UpsertAccountRequest(
            request_id="open-p1", account_id="p-1", credit_limit_minor=1_000_000, tier=c.TIER_STANDARD),
            metadata=((FORWARDED_KEY, "admin"),), timeout=10)
    yield address
    service.stop(grace_s=1)


def test_a_node_certificate_forwards_and_the_caller_it_names_is_checked(private_port, certs):
    with to_private_port(private_port, certs, "node") as channel:
        stub = authorization_pb2_grpc.AuthorizationServiceStub(channel)
        answer = stub.Authorize(pay("fwd-1", "p-1"), metadata=((FORWARDED_KEY, "wallet"),), timeout=10)
        assert answer.decision in (c.DECISION_APPROVED, c.DECISION_DECLINED, c.DECISION_CHALLENGE)
        # The forwarded caller is the one checked: a wallet payment in quick-pay's name is refused.
        with pytest.raises(grpc.RpcError) as refused:
            stub.Authorize(pay("fwd-2", "p-1"), metadata=((FORWARDED_KEY, "quick-pay"),), timeout=10)
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert reason(refused.value) == "CHANNEL_MISMATCH"


@pytest.mark.parametrize("identity", ["wallet", "scan-to-pay", "quick-pay", "admin"])
def test_a_callers_certificate_is_refused_by_a_private_port(private_port, certs, identity):
    with to_private_port(private_port, certs, identity) as channel:
        stub = account_pb2_grpc.AccountServiceStub(channel)
        # Naming another caller in the metadata changes nothing: only a node is trusted to.
        for metadata in ((), ((FORWARDED_KEY, "admin"),)):
            with pytest.raises(grpc.RpcError) as refused:
                stub.GetAccount(account_pb2.GetAccountRequest(account_id="p-1"), metadata=metadata, timeout=10)
            assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
            assert reason(refused.value) == "IDENTITY_NOT_ALLOWED"
            assert "private port" in refused.value.details()


def test_plaintext_is_refused_by_a_private_port(private_port):
    with grpc.insecure_channel(private_port) as channel:
        with pytest.raises(grpc.RpcError) as refused:
            account_pb2_grpc.AccountServiceStub(channel).GetAccount(
                account_pb2.GetAccountRequest(account_id="p-1"), metadata=((FORWARDED_KEY, "admin"),), timeout=10)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


def test_a_node_certificate_is_refused_by_a_public_port(certs, tmp_path):
    engine = Engine(Journal(tmp_path / "public"), default_model=False)
    tls = TlsFiles(str(certs / "server.pem"), str(certs / "server-key.pem"), str(certs / "ca.pem"))
    service = create_server(engine, "127.0.0.1:0", expiry_interval_s=3600, interceptors=(GateInterceptor("tls"),),
                            credentials=tls.server_credentials()).start()
    try:
        with grpc.secure_channel(f"localhost:{service.port}", channel_credentials(certs, "node")) as channel:
            with pytest.raises(grpc.RpcError) as refused:
                account_pb2_grpc.AccountServiceStub(channel).GetAccount(
                    account_pb2.GetAccountRequest(account_id="p-1"), timeout=10)
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    finally:
        service.stop(grace_s=1)


@pytest.mark.parametrize(("sans", "accepted", "identity"), [
    ([b"spiffe://authcore/node", b"authcore-node"], ("node",), "node"),
    ([b"spiffe://authcore/node"], None, None),  # a node names no caller of a public port
    ([b"spiffe://authcore/wallet"], ("node",), None),
    ([b"spiffe://authcore/node", b"spiffe://authcore/wallet"], ("node",), None),  # two identities: none
    ([b"spiffe://authcore/node", b"spiffe://authcore/wallet"], None, None),
])
def test_node_identity_of_sans(sans, accepted, identity):
    assert (identity_of_sans(sans) if accepted is None else identity_of_sans(sans, accepted)) == identity


# -- configuration ------------------------------------------------------------------------------


@pytest.mark.parametrize(("private_host", "tls", "node_cert", "error"), [
    ("127.0.0.1", False, "default", None),
    ("10.1.2.3", False, "default", "private_host 10.1.2.3 is not a loopback address"),
    ("10.1.2.3", True, "default", None),
    ("node-a.internal", True, "default", None),
    ("127.0.0.1", True, "default", None),
    ("0.0.0.0", True, "default", "not a wildcard"),
    ("::", True, "default", "not a wildcard"),
    ("", True, "default", "not a wildcard"),
    ("10.1.2.3", True, "missing", "node certificate .*node.pem: no such file"),
    ("127.0.0.1", True, "missing", "node certificate .*node.pem: no such file"),
    ("10.1.2.3", True, "set", None),
    ("10.1.2.3", True, "cert only", "node_cert_file and node_key_file together"),
])
def test_cluster_private_host_and_node_certificate(certs, tmp_path, private_host, tls, node_cert, error):
    cfg = config.Config(cluster_nats="nats://127.0.0.1:4222", cluster_node="n1", cluster_private_host=private_host)
    if tls:
        directory = tmp_path / "certs"
        directory.mkdir()
        for name in ("ca", "server", "node"):
            for suffix in (".pem", "-key.pem"):
                (directory / f"{name}{suffix}").write_bytes((certs / f"{name}{suffix}").read_bytes())
        cfg.use_tls_dir(str(directory))
        if node_cert == "missing":
            (directory / "node.pem").unlink()
        elif node_cert in ("set", "cert only"):
            moved = tmp_path / "elsewhere"
            moved.mkdir()
            for suffix in (".pem", "-key.pem"):
                (directory / f"node{suffix}").rename(moved / f"node{suffix}")
            cfg.cluster_node_cert_file = str(moved / "node.pem")
            if node_cert == "set":
                cfg.cluster_node_key_file = str(moved / "node-key.pem")
    if error is None:
        cfg.validate()
    else:
        with pytest.raises(ValueError, match=error):
            cfg.validate()


def test_tls_without_a_cluster_needs_no_node_certificate(certs, tmp_path):
    directory = tmp_path / "certs"
    directory.mkdir()
    for name in ("ca.pem", "server.pem", "server-key.pem"):
        (directory / name).write_bytes((certs / name).read_bytes())
    cfg = config.Config(processes=2)
    cfg.use_tls_dir(str(directory))
    cfg.validate()
    assert cfg.node_tls().cert_file == str(directory / "node.pem")


def test_the_node_certificate_keys_load_from_the_file(certs, tmp_path):
    path = tmp_path / "authcore.toml"
    path.write_text(f'[tls]\ncert_file = "{certs / "server.pem"}"\nkey_file = "{certs / "server-key.pem"}"\n'
                    f'client_ca_file = "{certs / "ca.pem"}"\n[cluster]\nnats = "nats://127.0.0.1:4222"\n'
                    f'node = "n1"\nprivate_host = "10.1.2.3"\nnode_cert_file = "{certs / "node.pem"}"\n'
                    f'node_key_file = "{certs / "node-key.pem"}"\n')
    loaded = config.load(path)
    assert loaded.node_tls() == node_files(certs)


def test_serve_refuses_a_non_loopback_private_host_without_tls(tmp_path):
    path = tmp_path / "authcore.toml"
    path.write_text('[cluster]\nprivate_host = "10.1.2.3"\n')
    result = subprocess.run(
        [sys.executable, "-m", "authcore", "serve", "--config", str(path), "--cluster", "nats://127.0.0.1:1",
         "--node", "n1", "--processes", "2", "--port", "0", "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, cwd=REPO, timeout=60, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "private_host 10.1.2.3 is not a loopback address" in lines[0], result.stderr
    assert not (tmp_path / "data").exists()


# -- a two-node cluster with [tls], through real processes --------------------------------------


def this_machines_address() -> str:
    """An address of this machine other than loopback (the one a route out leaves from), or
    127.0.0.1 when it has none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.255", 9))  # no packet is sent: this only picks a route
            address = probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"
    return "127.0.0.1" if config.is_loopback(address) or address == "0.0.0.0" else address


class TlsNode(Node):
    """test_cluster's Node, with [tls] from certs, one JetStream replica and private_host."""

    def __init__(self, directory: pathlib.Path, name: str, urls: list[str], certs: pathlib.Path, private_host: str):
        directory.mkdir(parents=True, exist_ok=True)
        config_path = directory / f"{name}.toml"
        config_path.write_text(f'[cluster]\nlease_s = {LEASE_S}\nreplicas = 1\nprivate_host = "{private_host}"\n'
                               f'[tls]\ncert_file = "{certs / "server.pem"}"\nkey_file = "{certs / "server-key.pem"}"\n'
                               f'client_ca_file = "{certs / "ca.pem"}"\n')
        self.name = name
        self.stderr_path = directory / f"{name}.stderr"
        self.stderr = open(self.stderr_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "authcore", "serve", "--config", str(config_path), "--processes", str(PARTITIONS),
             "--port", "0", "--data-dir", str(directory / name), "--cluster", ",".join(urls), "--node", name],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True, cwd=REPO,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.address = self._serving()
        threading.Thread(target=self._drain, daemon=True).start()


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory, certs):
    directory = tmp_path_factory.mktemp("tls-cluster")
    private_host = this_machines_address()
    with LocalJetStream(directory / "jetstream", servers=1) as jetstream:
        nodes = []
        link = None
        try:
            for name in ("n1", "n2"):
                nodes.append(TlsNode(directory, name, jetstream.urls, certs, private_host))
            link = Link(jetstream.urls, name="test")
            yield nodes, link, private_host
        finally:
            if link is not None:
                link.close()
            for node in nodes:
                node.stop()


def lease_of(link: Link, partition: int, timeout_s: float = 30.0) -> dict:
    """partition's lease ({"node", "address", "public"}), once it has an owner."""
    async def get():
        kv = await link.js.key_value(LEASE_BUCKET)
        return json.loads((await kv.get(f"p{partition}")).value)

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return link.run(get(), timeout_s=5)
        except Exception:  # noqa: BLE001 - no bucket or lease yet
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def public_stubs(address: str, certs: pathlib.Path, identity: str):
    channel = grpc.secure_channel(address, channel_credentials(certs, identity))
    return (channel, authorization_pb2_grpc.AuthorizationServiceStub(channel),
            account_pb2_grpc.AccountServiceStub(channel), admin_pb2_grpc.AdminServiceStub(channel))


def test_a_call_to_the_node_that_does_not_own_its_partition_is_forwarded_over_mutual_tls(tls_cluster, certs):
    nodes, link, private_host = tls_cluster
    account = "tls-1"
    lease = lease_of(link, partition_of(account, PARTITIONS))
    assert lease["address"].startswith(f"{private_host}:")
    other = next(node for node in nodes if node.name != lease["node"])
    admin_channel, admin_authz, admin_accounts, admin = public_stubs(other.address, certs, "admin")
    wallet_channel, wallet, _, _ = public_stubs(other.address, certs, "wallet")
    quick_channel, quick_pay, _, _ = public_stubs(other.address, certs, "quick-pay")
    try:
        retried(admin.UpsertAccount, admin_pb2.UpsertAccountRequest(
            request_id="open-tls-1", account_id=account, credit_limit_minor=1_000_000, tier=c.TIER_STANDARD),
            timeout=30)
        answer = retried(wallet.Authorize, pay("tls-pay-1", account), timeout=30)
        assert answer.decision == c.DECISION_APPROVED, answer
        assert retried(admin_accounts.GetAccount, account_pb2.GetAccountRequest(account_id=account),
                       timeout=30).account.held_minor == 1_000
        # The owner checks the caller the forwarding node names: quick-pay may not void a wallet
        # payment (the hold's channel is known to the owner only); admin may.
        void = authz.VoidRequest(request_id="tls-void-1", authorization_id=answer.authorization_id)
        with pytest.raises(grpc.RpcError) as refused:
            quick_pay.Void(void, timeout=30)
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert reason(refused.value) == "CHANNEL_MISMATCH"
        retried(admin_authz.Void, void, timeout=30)
        assert retried(admin_accounts.GetAccount, account_pb2.GetAccountRequest(account_id=account),
                       timeout=30).account.held_minor == 0
    finally:
        for channel in (admin_channel, wallet_channel, quick_channel):
            channel.close()


def test_a_cluster_private_port_refuses_plaintext_and_a_channel_certificate(tls_cluster, certs):
    _, link, _ = tls_cluster
    address = lease_of(link, 0)["address"]
    request = account_pb2.GetAccountRequest(account_id="tls-1")
    forwarded_admin = ((FORWARDED_KEY, "admin"),)
    with to_private_port(address, certs, None) as channel:
        with pytest.raises(grpc.RpcError) as plaintext:
            account_pb2_grpc.AccountServiceStub(channel).GetAccount(request, metadata=forwarded_admin, timeout=10)
    assert plaintext.value.code() == grpc.StatusCode.UNAVAILABLE
    with to_private_port(address, certs, "wallet") as channel:
        with pytest.raises(grpc.RpcError) as wallet:
            account_pb2_grpc.AccountServiceStub(channel).GetAccount(request, metadata=forwarded_admin, timeout=10)
    assert wallet.value.code() == grpc.StatusCode.PERMISSION_DENIED
    # The same port answers a node: what was refused was the peer, not the port.
    with to_private_port(address, certs, "node") as channel:
        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert health.status == health_pb2.HealthCheckResponse.SERVING
