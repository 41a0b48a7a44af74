"""Mutual TLS identities over a real TLS connection: each channel may authorize on its own
channel only, admin alone may call AdminService, a caller without a certificate (or with one
from another CA) is refused, and a refusal changes nothing. Also in multi-process mode, where
the public port forwards the caller to the owning partition."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import grpc
import pytest
from grpc_status import rpc_status

from authcore.api import config
from authcore.tools.certs import make_certs
from authcore.engine import Engine
from authcore.api.gate import GateInterceptor
from authcore.api.identity import IDENTITIES, NODE, TlsFiles, channel_credentials, identity_of_sans
from authcore.api.server import create_server
from authcore.journal.store import Journal
from authcore.v1 import (
    account_pb2, account_pb2_grpc, admin_pb2, admin_pb2_grpc, authorization_pb2 as authz, authorization_pb2_grpc,
    common_pb2 as c,
)
from google.rpc import error_details_pb2

W, S, Q = c.CHANNEL_WALLET, c.CHANNEL_SCAN_TO_PAY, c.CHANNEL_QUICK_PAY
REPO = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("certs")
    make_certs(directory)
    return directory


@pytest.fixture(scope="module")
def server(certs, tmp_path_factory):
    engine = Engine(Journal(tmp_path_factory.mktemp("tls-data")), default_model=False)
    tls = TlsFiles(str(certs / "server.pem"), str(certs / "server-key.pem"), str(certs / "ca.pem"))
    service = create_server(engine, "127.0.0.1:0", expiry_interval_s=3600, interceptors=(GateInterceptor("tls"),),
                            credentials=tls.server_credentials()).start()
    yield service
    service.stop(grace_s=1)


class Caller:
    def __init__(self, target: str, credentials: grpc.ChannelCredentials | None):
        self.channel = grpc.secure_channel(target, credentials) if credentials else grpc.insecure_channel(target)
        self.authz = authorization_pb2_grpc.AuthorizationServiceStub(self.channel)
        self.accounts = account_pb2_grpc.AccountServiceStub(self.channel)
        self.admin = admin_pb2_grpc.AdminServiceStub(self.channel)


@pytest.fixture(scope="module")
def callers(server, certs):
    target = f"localhost:{server.port}"
    made = {name: Caller(target, channel_credentials(certs, name)) for name in IDENTITIES}
    yield made
    for caller in made.values():
        caller.channel.close()


_ids = iter(range(1_000_000))


def rid(prefix: str = "id") -> str:
    return f"{prefix}-{next(_ids)}"


def account(callers, limit_minor: int = 1_000_000) -> str:
    account_id = rid("acct")
    callers["admin"].admin.UpsertAccount(admin_pb2.UpsertAccountRequest(
        request_id=rid(), account_id=account_id, credit_limit_minor=limit_minor, tier=c.TIER_STANDARD), timeout=10)
    return account_id


def payment(account_id: str, channel: int, amount_minor: int = 1_000) -> authz.AuthorizeRequest:
    request = authz.AuthorizeRequest(request_id=rid(), account_id=account_id, channel=channel,
                                     amount_minor=amount_minor, currency="CNY",
                                     merchant=authz.Merchant(merchant_id="m-1", mcc="5411", country="CN"))
    if channel == S:
        request.qr_code_type = c.QR_CODE_TYPE_DYNAMIC
        request.verification.factors.append(c.VERIFICATION_FACTOR_PASSWORD)
    return request


def refused(call, code: grpc.StatusCode, reason: str) -> dict:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    assert raised.value.code() == code, raised.value.details()
    status = rpc_status.from_call(raised.value)
    infos = [d for d in status.details if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR)]
    info = error_details_pb2.ErrorInfo()
    infos[0].Unpack(info)
    assert info.reason == reason
    return dict(info.metadata)


def available(callers, account_id: str) -> int:
    return callers["admin"].accounts.GetAccount(account_pb2.GetAccountRequest(account_id=account_id),
                                                timeout=10).account.available_credit_minor


@pytest.mark.parametrize(("identity", "channel", "allowed"), [
    ("wallet", W, True), ("wallet", S, False), ("wallet", Q, False),
    ("scan-to-pay", S, True), ("scan-to-pay", W, False), ("scan-to-pay", Q, False),
    ("quick-pay", Q, True), ("quick-pay", W, False), ("quick-pay", S, False),
    ("admin", W, False),
])
def test_a_channel_authorizes_on_its_own_channel_only(callers, identity, channel, allowed):
    account_id = account(callers)
    request = payment(account_id, channel)
    if allowed:
        assert callers[identity].authz.Authorize(request, timeout=10).decision == c.DECISION_APPROVED
        assert available(callers, account_id) == 1_000_000 - 1_000
        return
    reason = "IDENTITY_NOT_ALLOWED" if identity == "admin" else "CHANNEL_MISMATCH"
    refused(lambda: callers[identity].authz.Authorize(request, timeout=10), grpc.StatusCode.PERMISSION_DENIED, reason)
    assert available(callers, account_id) == 1_000_000
    # The same request_id is still free: the refusal did not claim it.
    own = {W: "wallet", S: "scan-to-pay", Q: "quick-pay"}[channel]
    assert callers[own].authz.Authorize(request, timeout=10).decision == c.DECISION_APPROVED


@pytest.mark.parametrize("identity", ["wallet", "scan-to-pay", "quick-pay"])
def test_only_admin_calls_admin_service(callers, identity):
    request = admin_pb2.UpsertAccountRequest(request_id=rid(), account_id=rid("acct"), credit_limit_minor=1,
                                             tier=c.TIER_STANDARD)
    metadata = refused(lambda: callers[identity].admin.UpsertAccount(request, timeout=10),
                       grpc.StatusCode.PERMISSION_DENIED, "IDENTITY_NOT_ALLOWED")
    assert metadata == {"identity": identity, "method": "/authcore.v1.AdminService/UpsertAccount"}
    refused(lambda: callers[identity].admin.GetPolicy(admin_pb2.GetPolicyRequest(), timeout=10),
            grpc.StatusCode.PERMISSION_DENIED, "IDENTITY_NOT_ALLOWED")
    imported = admin_pb2.ImportAccountsRequest(request_id=rid(), account_ids=[request.account_id])
    refused(lambda: callers[identity].admin.ImportAccounts(iter([imported]), timeout=10),
            grpc.StatusCode.PERMISSION_DENIED, "IDENTITY_NOT_ALLOWED")
    with pytest.raises(grpc.RpcError) as raised:
        callers["admin"].accounts.GetAccount(account_pb2.GetAccountRequest(account_id=request.account_id), timeout=10)
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert callers["admin"].admin.GetPolicy(admin_pb2.GetPolicyRequest(), timeout=10).policy.version
    assert callers["admin"].admin.ImportAccounts(iter([imported]), timeout=10).created == 1


def test_every_identity_reads_accounts(callers):
    account_id = account(callers)
    for name in IDENTITIES:
        view = callers[name].accounts.GetAccount(account_pb2.GetAccountRequest(account_id=account_id), timeout=10)
        assert view.account.credit_limit_minor == 1_000_000


def test_capture_void_and_refund_stay_with_the_authorizing_channel(callers):
    account_id = account(callers)
    held = callers["wallet"].authz.Authorize(payment(account_id, W, 10_000), timeout=10)
    capture = authz.CaptureRequest(request_id=rid(), authorization_id=held.authorization_id, currency="CNY")
    refused(lambda: callers["scan-to-pay"].authz.Capture(capture, timeout=10), grpc.StatusCode.PERMISSION_DENIED,
            "CHANNEL_MISMATCH")
    refused(lambda: callers["admin"].authz.Capture(capture, timeout=10), grpc.StatusCode.PERMISSION_DENIED,
            "IDENTITY_NOT_ALLOWED")
    assert callers["wallet"].authz.Capture(capture, timeout=10).captured_minor == 10_000
    refund = authz.RefundRequest(request_id=rid(), authorization_id=held.authorization_id, amount_minor=2_000,
                                 currency="CNY")
    refused(lambda: callers["quick-pay"].authz.Refund(refund, timeout=10), grpc.StatusCode.PERMISSION_DENIED,
            "CHANNEL_MISMATCH")
    assert callers["admin"].authz.Refund(refund, timeout=10).refunded_minor == 2_000  # customer service
    second = callers["wallet"].authz.Authorize(payment(account_id, W, 3_000), timeout=10)
    void = authz.VoidRequest(request_id=rid(), authorization_id=second.authorization_id)
    refused(lambda: callers["quick-pay"].authz.Void(void, timeout=10), grpc.StatusCode.PERMISSION_DENIED,
            "CHANNEL_MISMATCH")
    assert callers["wallet"].authz.Void(void, timeout=10).released_minor == 3_000
    assert available(callers, account_id) == 1_000_000 - 10_000 + 2_000
    # An unknown authorization is NOT_FOUND for every channel, as before.
    with pytest.raises(grpc.RpcError) as raised:
        callers["quick-pay"].authz.Void(authz.VoidRequest(request_id=rid(), authorization_id="au_unknown"),
                                        timeout=10)
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_batch_or_bulk_chunk_with_another_channels_payment_is_refused_whole(callers):
    account_id = account(callers)
    batch = authz.AuthorizeBatchRequest(requests=[payment(account_id, W), payment(account_id, W),
                                                  payment(account_id, Q)])
    metadata = refused(lambda: callers["wallet"].authz.AuthorizeBatch(batch, timeout=10),
                       grpc.StatusCode.PERMISSION_DENIED, "CHANNEL_MISMATCH")
    assert metadata["index"] == "2"
    bulk = authz.AuthorizeBulkRequest(request_id=rid(), account_ids=[account_id] * 3, amounts_minor=[100] * 3,
                                      currency="CNY", channels=[W, W, S], merchant_ids=["m-1"] * 3,
                                      mccs=["5411"] * 3)
    refused(lambda: callers["wallet"].authz.AuthorizeBulk(bulk, timeout=10), grpc.StatusCode.PERMISSION_DENIED,
            "CHANNEL_MISMATCH")
    stream = callers["wallet"].authz.AuthorizeStream(iter([authz.AuthorizeStreamRequest(chunk=bulk)]), timeout=10)
    with pytest.raises(grpc.RpcError) as raised:
        list(stream)
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert available(callers, account_id) == 1_000_000
    del batch.requests[2]
    results = callers["wallet"].authz.AuthorizeBatch(batch, timeout=10).results
    assert [r.response.decision for r in results] == [c.DECISION_APPROVED] * 2


def _refused_at_handshake(target: str, credentials: grpc.ChannelCredentials | None) -> None:
    caller = Caller(target, credentials)
    try:
        with pytest.raises(grpc.RpcError) as raised:
            caller.admin.GetPolicy(admin_pb2.GetPolicyRequest(), timeout=5)
        assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        caller.channel.close()


def test_a_client_without_a_certificate_is_refused(server, certs):
    target = f"localhost:{server.port}"
    _refused_at_handshake(target, grpc.ssl_channel_credentials(root_certificates=(certs / "ca.pem").read_bytes()))
    _refused_at_handshake(target, None)  # plaintext to a TLS port


def test_a_certificate_from_another_ca_is_refused(server, certs, tmp_path):
    make_certs(tmp_path)
    # Trusts the server (its CA) but presents a wallet certificate signed by a stranger.
    other = grpc.ssl_channel_credentials(root_certificates=(certs / "ca.pem").read_bytes(),
                                         private_key=(tmp_path / "wallet-key.pem").read_bytes(),
                                         certificate_chain=(tmp_path / "wallet.pem").read_bytes())
    _refused_at_handshake(f"localhost:{server.port}", other)


@pytest.mark.parametrize(("sans", "identity"), [
    ([b"spiffe://authcore/wallet"], "wallet"),
    ([b"localhost", "spiffe://authcore/admin"], "admin"),
    ([b"spiffe://authcore/wallet", b"spiffe://authcore/admin"], None),  # two identities: none
    ([b"spiffe://other/wallet"], None),
    ([b"spiffe://authcore/merchant"], None),
    ([], None),
    (None, None),
])
def test_identity_of_sans(sans, identity):
    assert identity_of_sans(sans) == identity


@pytest.mark.parametrize(("host", "tls", "error"), [
    ("127.0.0.1", False, None),
    ("localhost", False, None),
    ("0.0.0.0", False, "plaintext is for local development"),
    ("10.1.2.3", False, "plaintext is for local development"),
    ("0.0.0.0", True, None),
])
def test_plaintext_only_on_loopback(certs, host, tls, error):
    cfg = config.Config(host=host)
    if tls:
        cfg.use_tls_dir(str(certs))
    if error is None:
        cfg.validate()
    else:
        with pytest.raises(ValueError, match=error):
            cfg.validate()


def test_tls_settings_come_together(tmp_path, certs):
    path = tmp_path / "authcore.toml"
    path.write_text(f'[tls]\ncert_file = "{certs / "server.pem"}"\n')
    with pytest.raises(ValueError, match="together"):
        config.load(path)
    path.write_text(f'[tls]\ncert_file = "{certs / "server.pem"}"\nkey_file = "{certs / "server-key.pem"}"\n'
                    f'client_ca_file = "{certs / "ca.pem"}"\n[server]\nhost = "0.0.0.0"\n')
    assert config.load(path).tls


def _run(*argv: str, timeout_s: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "authcore", *argv], capture_output=True, text=True, cwd=REPO,
                          timeout=timeout_s, env={**os.environ, "PYTHONUNBUFFERED": "1"})


@pytest.mark.parametrize("processes", [1, 2])
def test_the_demo_runs_over_mutual_tls(tmp_path, processes):
    """authcore certs, then serve --tls-dir: every payment through its channel's certificate."""
    made = _run("certs", "--out", str(tmp_path / "certs"))
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in (tmp_path / "certs").glob("*.pem")) == sorted(
        [f"{n}.pem" for n in ("ca", "server", *IDENTITIES, NODE)]
        + [f"{n}-key.pem" for n in ("ca", "server", *IDENTITIES, NODE)])
    served = _run("serve", "--port", "0", "--data-dir", str(tmp_path / "data"), "--tls-dir", str(tmp_path / "certs"),
                  "--processes", str(processes), "--demo", "--exit-after-demo")
    assert served.returncode == 0, served.stderr
    assert re.search(r"serving on [\d.]+:\d+ \(", served.stdout)
    assert "no second hold" in served.stdout and "ACCOUNT_CLOSED" in served.stdout
    assert "PLAINTEXT" not in served.stderr


def test_plaintext_serving_warns_loudly_and_refuses_other_addresses(tmp_path):
    refused_run = _run("serve", "--host", "0.0.0.0", "--port", "0", "--data-dir", str(tmp_path / "a"))
    assert refused_run.returncode == 2
    assert "plaintext is for local development" in refused_run.stderr
    plain = _run("serve", "--port", "0", "--data-dir", str(tmp_path / "b"), "--demo", "--exit-after-demo")
    assert plain.returncode == 0, plain.stderr
    assert "WARNING: authcore is serving PLAINTEXT gRPC" in plain.stderr


def test_authcore_import_over_mutual_tls_as_admin(server, certs, callers, tmp_path, capsys):
    from authcore.tools import cli

    path = tmp_path / "accounts.csv"
    path.write_text("account_id,credit_limit_minor\ntls-import-1,700\n")
    assert cli.main(["import", str(path), "--target", f"localhost:{server.port}", "--tls-dir", str(certs),
                     "--quiet"]) == 0
    assert "1 account in 1 chunk (1 created, 0 updated)" in capsys.readouterr().out
    assert callers["admin"].accounts.GetAccount(account_pb2.GetAccountRequest(account_id="tls-import-1"),
                                                timeout=10).account.credit_limit_minor == 700
