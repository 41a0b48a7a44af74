"""An UNAVAILABLE that never reached authcore says what to check: a plaintext client against a
server that requires mutual TLS is told so, a port where nothing listens is named as such, and
authcore's own UNAVAILABLE (its journal) keeps its reason without a hint."""

from __future__ import annotations

import asyncio
import socket

import pytest

from authcore import client as ac
from authcore.tools.certs import make_certs
from authcore.engine import Engine
from authcore.api.gate import GateInterceptor
from authcore.api.identity import TlsFiles
from authcore.api.server import create_server
from authcore.journal.store import Journal


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    certs = tmp_path_factory.mktemp("certs")
    make_certs(certs)
    tls = TlsFiles(str(certs / "server.pem"), str(certs / "server-key.pem"), str(certs / "ca.pem"))
    engine = Engine(Journal(tmp_path_factory.mktemp("data")), default_model=False)
    service = create_server(engine, "127.0.0.1:0", expiry_interval_s=3600, interceptors=(GateInterceptor("tls"),),
                            credentials=tls.server_credentials()).start()
    yield f"localhost:{service.port}", certs
    service.stop(grace_s=1)


def test_a_plaintext_client_against_a_tls_server_is_told_the_server_may_require_tls(tls_server):
    target, certs = tls_server
    with ac.Client(target, retries=ac.NO_RETRIES) as plaintext:
        with pytest.raises(ac.Unavailable) as raised:
            plaintext.get_account(account_id="a", timeout=5)
    assert raised.value.hint == ac.errors.TLS_HINT
    assert "the server may require TLS" in str(raised.value) and "--tls-dir" in str(raised.value)
    with ac.Client(target, tls=ac.Tls.from_dir(certs, "admin")) as admin:  # the same server, over TLS
        with pytest.raises(ac.NotFound) as missing:
            admin.get_account(account_id="a", timeout=5)
    assert missing.value.hint == ""


def test_the_asyncio_client_gives_the_same_hint(tls_server):
    target, _ = tls_server

    async def once():
        async with ac.AsyncClient(target, retries=ac.NO_RETRIES) as plaintext:
            await plaintext.get_account(account_id="a", timeout=5)

    with pytest.raises(ac.Unavailable) as raised:
        asyncio.run(once())
    assert raised.value.hint == ac.errors.TLS_HINT


def test_a_port_where_nothing_listens_is_named_as_such():
    with socket.socket() as probe:  # a free port, closed again: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with ac.Client(f"127.0.0.1:{port}", retries=ac.NO_RETRIES) as client:
        with pytest.raises(ac.Unavailable) as raised:
            client.get_account(account_id="a", timeout=5)
    assert raised.value.hint == ac.errors.REFUSED_HINT, raised.value


def test_authcores_own_unavailable_carries_its_reason_and_no_hint():
    import grpc
    from google.rpc import code_pb2, error_details_pb2, status_pb2

    detail = status_pb2.Status(code=code_pb2.UNAVAILABLE, message="journal")
    detail.details.add().Pack(error_details_pb2.ErrorInfo(reason="JOURNAL_UNAVAILABLE"))
    assert ac.errors.connection_hint(grpc.StatusCode.UNAVAILABLE, "journal", detail, plaintext=True) == ""
    assert ac.errors.connection_hint(grpc.StatusCode.UNAVAILABLE, "Socket closed", None, plaintext=False) == ""
