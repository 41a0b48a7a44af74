"""Admission control through a real server: bounded concurrency, queueing, too-short deadlines
and per-identity rates answer at once (RESOURCE_EXHAUSTED with RetryInfo, or DEADLINE_EXCEEDED),
change nothing, and never leak a place in the count."""

from __future__ import annotations

import threading
import time

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from authcore.api.admission import Admission, Limits, TokenBucket
from authcore.tools.certs import make_certs
from authcore.engine import Engine
from authcore.api.gate import GateInterceptor
from authcore.api.identity import TlsFiles, channel_credentials
from authcore.api.server import create_server, grpc_server
from authcore.journal.store import Journal
from authcore.v1 import (
    account_pb2, account_pb2_grpc, admin_pb2, admin_pb2_grpc, authorization_pb2 as authz, authorization_pb2_grpc,
    common_pb2 as c,
)
from tests.test_identity import payment

SLOW = "/test.Slow/Wait"


def details(error: grpc.RpcError) -> dict:
    """The google.rpc details of a failed call, by type name."""
    found = {}
    for any_detail in rpc_status.from_call(error).details:
        for cls in (error_details_pb2.ErrorInfo, error_details_pb2.RetryInfo, error_details_pb2.QuotaFailure):
            if any_detail.Is(cls.DESCRIPTOR):
                message = cls()
                any_detail.Unpack(message)
                found[cls.__name__] = message
    return found


class SlowServer:
    """A port behind the gate whose one method waits until released."""

    def __init__(self, limits: Limits, threads: int = 16):
        self.release = threading.Event()
        self.running = 0
        self.peak_running = 0
        self._lock = threading.Lock()
        self.admission = Admission(limits)
        self.server = grpc_server(threads, interceptors=(GateInterceptor(None, self.admission),))
        handler = grpc.unary_unary_rpc_method_handler(self._wait)
        self.server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("test.Slow", {"Wait": handler}),))
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self.call = self.channel.unary_unary(SLOW, request_serializer=None, response_deserializer=None)

    def _wait(self, request: bytes, context) -> bytes:
        with self._lock:
            self.running += 1
            self.peak_running = max(self.peak_running, self.running)
        try:
            self.release.wait(10)
            return b"done"
        finally:
            with self._lock:
                self.running -= 1

    def close(self) -> None:
        self.release.set()
        self.channel.close()
        self.server.stop(1).wait()


def test_past_max_in_flight_calls_are_refused_at_once_with_retry_info():
    slow = SlowServer(Limits(max_in_flight=4, max_queue_ms=5_000))
    try:
        calls = [slow.call.future(b"x", timeout=10) for _ in range(4)]
        deadline = time.monotonic() + 5
        while slow.running < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert slow.running == 4
        refused = [slow.call.future(b"x", timeout=10) for _ in range(20)]
        for future in refused:
            with pytest.raises(grpc.RpcError) as raised:
                future.result(timeout=5)  # answered while the four are still running
            assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            found = details(raised.value)
            assert found["ErrorInfo"].reason == "OVERLOADED"
            assert found["RetryInfo"].retry_delay.ToNanoseconds() > 0
            assert found["QuotaFailure"].violations[0].subject == "identity:*"  # full for everyone
        slow.release.set()
        assert [f.result(timeout=10) for f in calls] == [b"done"] * 4
        assert slow.peak_running == 4 and slow.admission.peak_in_flight == 4
        # Every place was given back: refused, finished and all.
        assert slow.admission.in_flight == 0
        assert slow.call(b"x", timeout=10) == b"done"
        assert slow.admission.in_flight == 0
    finally:
        slow.close()


def test_a_call_that_waited_too_long_for_a_thread_is_refused_when_it_gets_one():
    slow = SlowServer(Limits(max_in_flight=100, max_queue_ms=50), threads=1)
    try:
        first = slow.call.future(b"x", timeout=10)
        while slow.running < 1:
            time.sleep(0.005)
        second = slow.call.future(b"x", timeout=10)
        time.sleep(0.2)  # the second waits for the only thread
        slow.release.set()
        assert first.result(timeout=10) == b"done"
        with pytest.raises(grpc.RpcError) as raised:
            second.result(timeout=10)
        assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "waited" in raised.value.details()
        assert slow.admission.in_flight == 0
    finally:
        slow.close()


def test_a_call_that_gives_up_while_it_waits_for_a_thread_gives_its_place_back():
    """grpc never runs the handler of a call that ended (deadline, cancel) while it waited for a
    thread; its place in the count is still given back, or a port under load would fill up with
    calls long gone and refuse everyone."""
    slow = SlowServer(Limits(max_in_flight=4, max_queue_ms=5_000), threads=1)
    try:
        first = slow.call.future(b"x", timeout=10)
        while slow.running < 1:
            time.sleep(0.005)
        queued = [slow.call.future(b"x", timeout=1) for _ in range(3)]
        deadline_s = time.monotonic() + 10
        while slow.admission.in_flight < 4 and time.monotonic() < deadline_s:
            time.sleep(0.005)
        assert slow.admission.in_flight == 4  # the three wait in the queue for the only thread
        for future in queued:
            with pytest.raises(grpc.RpcError) as raised:
                future.result(timeout=10)
            assert raised.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert slow.admission.in_flight == 4  # given up, but still queued: their places are held
        slow.release.set()
        assert first.result(timeout=10) == b"done"
        deadline_s = time.monotonic() + 10
        while slow.admission.in_flight and time.monotonic() < deadline_s:
            time.sleep(0.005)
        assert slow.admission.in_flight == 0
        assert [slow.call(b"x", timeout=10) for _ in range(5)] == [b"done"] * 5
    finally:
        slow.close()


@pytest.fixture
def engine_server(tmp_path):
    def start(limits: Limits, tls_dir=None):
        engine = Engine(Journal(tmp_path / f"data-{time.monotonic_ns()}"), default_model=False)
        admission = Admission(limits)
        credentials = None
        if tls_dir is not None:
            credentials = TlsFiles(str(tls_dir / "server.pem"), str(tls_dir / "server-key.pem"),
                                   str(tls_dir / "ca.pem")).server_credentials()
        service = create_server(engine, "127.0.0.1:0", expiry_interval_s=3600, credentials=credentials,
                                interceptors=(GateInterceptor("tls" if tls_dir else None, admission),)).start()
        started.append(service)
        return service, admission

    started: list = []
    yield start
    for service in started:
        service.stop(grace_s=1)


def _open(admin, account_id: str) -> None:
    admin.UpsertAccount(admin_pb2.UpsertAccountRequest(request_id=f"open-{account_id}", account_id=account_id,
                                                       credit_limit_minor=1_000_000, tier=c.TIER_STANDARD), timeout=10)


def test_a_too_short_deadline_is_refused_before_any_work_and_claims_nothing(engine_server):
    service, admission = engine_server(Limits(min_deadline_ms=500))
    with grpc.insecure_channel(f"127.0.0.1:{service.port}") as channel:
        _open(admin_pb2_grpc.AdminServiceStub(channel), "acct-d")
        stub = authorization_pb2_grpc.AuthorizationServiceStub(channel)
        request = payment("acct-d", c.CHANNEL_WALLET)
        with pytest.raises(grpc.RpcError) as raised:
            stub.Authorize(request, timeout=0.3)
        assert raised.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert details(raised.value)["ErrorInfo"].reason == "DEADLINE_TOO_SHORT"  # the server's answer
        view = account_pb2_grpc.AccountServiceStub(channel).GetAccount(
            account_pb2.GetAccountRequest(account_id="acct-d"), timeout=5)
        assert view.account.available_credit_minor == 1_000_000
        # The request_id was not claimed: the same request with time to spare is decided.
        assert stub.Authorize(request, timeout=5).decision == c.DECISION_APPROVED
    assert admission.in_flight == 0


def test_each_identity_has_its_own_rate_and_a_batch_counts_its_payments(engine_server, tmp_path):
    certs = tmp_path / "certs"
    make_certs(certs)
    limits = Limits(rate_per_s=1.0, burst=5, rates={"admin": 1_000.0})
    service, admission = engine_server(limits, tls_dir=certs)
    stubs = {}
    channels = []
    for name in ("wallet", "quick-pay", "admin"):
        channel = grpc.secure_channel(f"localhost:{service.port}", channel_credentials(certs, name))
        channels.append(channel)
        stubs[name] = (authorization_pb2_grpc.AuthorizationServiceStub(channel), admin_pb2_grpc.AdminServiceStub(channel))
    try:
        for k in range(3):
            _open(stubs["admin"][1], f"acct-r{k}")
        wallet = stubs["wallet"][0]
        batch = authz.AuthorizeBatchRequest(requests=[payment("acct-r0", c.CHANNEL_WALLET) for _ in range(3)])
        assert len(wallet.AuthorizeBatch(batch, timeout=5).results) == 3  # 3 of the 5 tokens
        wallet.Authorize(payment("acct-r0", c.CHANNEL_WALLET), timeout=5)
        wallet.Authorize(payment("acct-r0", c.CHANNEL_WALLET), timeout=5)
        limited = payment("acct-r0", c.CHANNEL_WALLET)
        with pytest.raises(grpc.RpcError) as raised:
            wallet.Authorize(limited, timeout=5)
        assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        found = details(raised.value)
        assert found["ErrorInfo"].reason == "RATE_LIMITED"
        assert found["QuotaFailure"].violations[0].subject == "identity:wallet"
        assert 0.05 < found["RetryInfo"].retry_delay.ToNanoseconds() / 1e9 <= 1.5
        # Another identity is not held back by the wallet's rate.
        assert stubs["quick-pay"][0].Authorize(payment("acct-r1", c.CHANNEL_QUICK_PAY), timeout=5).decision == \
            c.DECISION_APPROVED
        # After the delay RetryInfo named, the same request goes through.
        time.sleep(found["RetryInfo"].retry_delay.ToNanoseconds() / 1e9 + 0.05)
        assert wallet.Authorize(limited, timeout=5).decision == c.DECISION_APPROVED
    finally:
        for channel in channels:
            channel.close()
    assert admission.in_flight == 0


def test_health_checks_pass_a_full_port(engine_server):
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    service, admission = engine_server(Limits(max_in_flight=1))
    admission.enter()  # the port is full
    with grpc.insecure_channel(f"127.0.0.1:{service.port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as raised:
            admin_pb2_grpc.AdminServiceStub(channel).GetPolicy(admin_pb2.GetPolicyRequest(), timeout=5)
        assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    admission.leave()


@pytest.mark.parametrize(("tokens", "elapsed_s", "take", "wait_s", "left"), [
    (5.0, 0.0, 5, 0.0, 0.0),
    (4.0, 0.0, 5, 1.0, 4.0),       # one short at 1/s: nothing taken
    (0.0, 2.0, 2, 0.0, 0.0),       # refilled
    (0.0, 100.0, 4, 0.0, 1.0),     # refill stops at the burst
    (0.0, 0.0, 50, 5.0, 0.0),      # more than the burst: wait for a full bucket...
    (5.0, 0.0, 50, 0.0, -45.0),    # ...then it passes, and the debt holds the next ones back
])
def test_token_bucket(tokens, elapsed_s, take, wait_s, left):
    bucket = TokenBucket(1.0, 5.0, 0.0)
    bucket.tokens = tokens
    assert bucket.take(take, elapsed_s) == pytest.approx(wait_s)
    assert bucket.tokens == pytest.approx(left)


@pytest.mark.parametrize(("limits", "error"), [
    (Limits(), None),
    (Limits(max_in_flight=0), "max_in_flight"),
    (Limits(max_queue_ms=0), "max_queue_ms"),
    (Limits(min_deadline_ms=-1), "min_deadline_ms"),
    (Limits(rate_per_s=0), "rates"),
    (Limits(rates={"merchant": 5.0}), "unknown identity"),
    (Limits(burst=0), "burst"),
])
def test_limits_validation(limits, error):
    if error is None:
        limits.validate()
    else:
        with pytest.raises(ValueError, match=error):
            limits.validate()
