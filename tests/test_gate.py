"""The gate's handlers are built once per method and shared by every call of it, while what is a
call's own (its caller, its arrival, its place in the admission count) stays the call's own, with
many calls of one method in flight at once."""

from __future__ import annotations

import threading
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from authcore.api import identity
from authcore.api.admission import Admission, Limits, weight
from authcore.api.decoding import Undecodable
from authcore.api.gate import GateInterceptor
from authcore.api.server import create_server, grpc_server
from authcore.engine import Engine
from authcore.journal.store import Journal
from authcore.observability.metrics import MetricsInterceptor
from authcore.v1 import account_pb2, account_pb2_grpc, admin_pb2, authorization_pb2 as authz

WHO = "/test.Gate/Who"
CALLS = 40


class Handed(grpc.ServerInterceptor):
    """Outside the gate: the handler the gate hands grpc for each call, and when the gate ran
    for it (the call's arrival is taken in that window), by the call's x-call metadata."""

    def __init__(self) -> None:
        self.handlers: list[tuple[str, grpc.RpcMethodHandler]] = []
        self.windows: dict[str, tuple[float, float]] = {}

    def intercept_service(self, continuation, handler_call_details):
        before_s = time.monotonic()
        handler = continuation(handler_call_details)
        tag = dict(handler_call_details.invocation_metadata or ()).get("x-call", "")
        self.windows[tag] = (before_s, time.monotonic())
        self.handlers.append((handler_call_details.method, handler))
        return handler


class Noted(Admission):
    """An Admission that notes the arrival each call is checked with, by the call's x-call."""

    def __init__(self, limits: Limits):
        super().__init__(limits)
        self.arrivals: dict[str, float] = {}
        self.callers: dict[str, str] = {}

    def check(self, arrived_s: float, caller: str, context) -> None:
        tag = dict(context.invocation_metadata())["x-call"]
        self.arrivals[tag] = arrived_s
        self.callers[tag] = caller
        super().check(arrived_s, caller, context)


def test_every_call_of_a_method_gets_the_same_handler_so_the_interceptors_outside_cache_it(tmp_path):
    handed = Handed()
    engine = Engine(Journal(tmp_path / "data"), default_model=False)
    service = create_server(engine, "127.0.0.1:0", expiry_interval_s=3600,
                            interceptors=(handed, MetricsInterceptor(), GateInterceptor(None, Admission(Limits()))))
    service.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{service.port}") as channel:
            accounts = account_pb2_grpc.AccountServiceStub(channel)
            health = health_pb2_grpc.HealthStub(channel)
            for _ in range(2):
                with pytest.raises(grpc.RpcError):
                    accounts.GetAccount(account_pb2.GetAccountRequest(account_id="acct-none"), timeout=5)
                health.Check(health_pb2.HealthCheckRequest(), timeout=5)
    finally:
        service.stop(grace_s=1)
    by_method: dict[str, list] = {}
    for path, handler in handed.handlers:
        by_method.setdefault(path, []).append(handler)
    get_account, check = by_method["/authcore.v1.AccountService/GetAccount"], by_method["/grpc.health.v1.Health/Check"]
    assert len(get_account) == 2 and get_account[0] is get_account[1]
    assert len(check) == 2 and check[0] is check[1]
    assert get_account[0] is not check[0]


def test_concurrent_calls_of_one_method_each_keep_their_own_caller_and_arrival():
    """CALLS calls of one method from four callers all pass the gate before any of them is let
    finish (four server threads: most wait in the queue), so a caller or an arrival kept where
    the calls of a method share it would reach the wrong call's handler."""
    release = threading.Event()

    def who(request: bytes, context) -> bytes:
        release.wait(10)
        return (identity.CALLER.get() or "").encode()

    admission = Noted(Limits(max_in_flight=CALLS, max_queue_ms=60_000))
    handed = Handed()
    server = grpc_server(4, interceptors=(handed, GateInterceptor("forwarded", admission)))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        "test.Gate", {"Who": grpc.unary_unary_rpc_method_handler(who)}),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    callers = [identity.IDENTITIES[k % len(identity.IDENTITIES)] for k in range(CALLS)]
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            call = channel.unary_unary(WHO, request_serializer=None, response_deserializer=None)
            futures = [call.future(b"", timeout=10, metadata=((identity.FORWARDED_KEY, caller), ("x-call", str(k))))
                       for k, caller in enumerate(callers)]
            deadline_s = time.monotonic() + 10
            while len(handed.windows) < CALLS and time.monotonic() < deadline_s:
                time.sleep(0.005)
            assert len(handed.windows) == CALLS  # every call has passed the gate; none has finished
            release.set()
            answered = [future.result(timeout=10).decode() for future in futures]
    finally:
        release.set()
        server.stop(1).wait()
    assert answered == callers  # each handler saw its own call's caller
    assert admission.callers == {str(k): caller for k, caller in enumerate(callers)}
    for tag, (before_s, after_s) in handed.windows.items():
        assert before_s <= admission.arrivals[tag] <= after_s, f"call {tag} was checked with another's arrival"
    assert len({handler for _, handler in handed.handlers}) == 1
    assert admission.in_flight == 0


@pytest.mark.parametrize(("request_message", "decisions"), [
    (authz.AuthorizeRequest(), 1),
    (authz.AuthorizeBatchRequest(requests=[authz.AuthorizeRequest()] * 3), 3),
    (authz.AuthorizeBatchRequest(), 1),
    (authz.AuthorizeBulkRequest(account_ids=["a"] * 4), 4),
    (authz.AuthorizeStreamRequest(chunk=authz.AuthorizeBulkRequest(account_ids=["a"] * 5)), 5),
    # An import chunk decides no payment: one token, however many accounts it carries.
    (admin_pb2.ImportAccountsRequest(account_ids=["a"] * 6), 1),
    (b"raw", 1),
    (Undecodable("authcore.v1.AuthorizeRequest", "truncated"), 1),
])
def test_weight_counts_the_payments_a_request_asks_for(request_message, decisions):
    assert weight(request_message) == decisions
    assert weight(request_message) == decisions  # the second time by the rule kept for the type


def test_a_full_port_refuses_before_reading_the_request():
    """The full port's answer is the same for every call of every method: the request is not
    parsed for it, unary or streamed. Once there is room, it is."""
    parsed: list[bytes] = []

    def parse(data: bytes) -> bytes:
        parsed.append(data)
        return data

    admission = Admission(Limits(max_in_flight=1))
    server = grpc_server(4, interceptors=(GateInterceptor(None, admission),))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("test.Gate", {
        "Echo": grpc.unary_unary_rpc_method_handler(lambda request, context: request, request_deserializer=parse),
        "Stream": grpc.stream_stream_rpc_method_handler(lambda requests, context: iter(list(requests)),
                                                        request_deserializer=parse),
    }),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            echo = channel.unary_unary("/test.Gate/Echo")
            stream = channel.stream_stream("/test.Gate/Stream")
            assert admission.enter()  # the port is full
            for full in (lambda: echo(b"one", timeout=5), lambda: list(stream(iter([b"two"]), timeout=5))):
                with pytest.raises(grpc.RpcError) as raised:
                    full()
                assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert parsed == []
            admission.leave()
            assert echo(b"one", timeout=5) == b"one"
            assert list(stream(iter([b"two"]), timeout=5)) == [b"two"]
            assert parsed == [b"one", b"two"]
    finally:
        server.stop(1).wait()
    assert admission.in_flight == 0


def test_admitted_calls_and_a_full_ports_refusals_each_keep_their_handler_through_the_metrics(tmp_path):
    """The gate hands out two handlers per method (the gated one, and the full port's refusal);
    under load calls alternate between them, and the metrics interceptor keeps its wrapper of
    each rather than rebuilding it at every turn."""
    handed = Handed()
    admission = Admission(Limits(max_in_flight=1))
    engine = Engine(Journal(tmp_path / "data"), default_model=False)
    service = create_server(engine, "127.0.0.1:0", expiry_interval_s=3600,
                            interceptors=(handed, MetricsInterceptor(), GateInterceptor(None, admission))).start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{service.port}") as channel:
            accounts = account_pb2_grpc.AccountServiceStub(channel)
            codes = []
            for _ in range(2):
                for full in (False, True):
                    if full:
                        assert admission.enter()
                    with pytest.raises(grpc.RpcError) as raised:
                        accounts.GetAccount(account_pb2.GetAccountRequest(account_id="acct-none"), timeout=5)
                    codes.append(raised.value.code())
                    if full:
                        admission.leave()
    finally:
        service.stop(grace_s=1)
    assert codes == [grpc.StatusCode.NOT_FOUND, grpc.StatusCode.RESOURCE_EXHAUSTED] * 2
    admitted_1, full_1, admitted_2, full_2 = [handler for _, handler in handed.handlers]
    assert admitted_1 is admitted_2 and full_1 is full_2 and admitted_1 is not full_1


def test_a_full_ports_refusal_is_built_once_per_method_not_per_call(monkeypatch):
    """Under overload every call is refused: the refusal's status, with its google.rpc details,
    is made with the method's refusal handler, and each refused call only sends it and counts it."""
    from google.rpc import error_details_pb2
    from grpc_status import rpc_status

    from authcore.api import admission as admission_mod
    from authcore.observability import metrics

    built = []
    to_status = admission_mod.Refused.to_status

    def counting_to_status(self):
        built.append(self.reason)
        return to_status(self)

    monkeypatch.setattr(admission_mod.Refused, "to_status", counting_to_status)
    admission = Admission(Limits(max_in_flight=1))
    server = grpc_server(4, interceptors=(GateInterceptor(None, admission),))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("test.Gate", {
        "Echo": grpc.unary_unary_rpc_method_handler(lambda request, context: request)}),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    counted = lambda: metrics.REGISTRY.get_sample_value(  # noqa: E731
        "authcore_rate_limited_total", {"identity": "*", "reason": "OVERLOADED"}) or 0.0
    before = counted()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            echo = channel.unary_unary("/test.Gate/Echo")
            assert admission.enter()  # the port is full
            for _ in range(3):
                with pytest.raises(grpc.RpcError) as raised:
                    echo(b"x", timeout=5)
                assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
                assert "limit of 1 calls at once" in raised.value.details()
                kinds = [d for d in rpc_status.from_call(raised.value).details
                         if d.Is(error_details_pb2.RetryInfo.DESCRIPTOR) or d.Is(error_details_pb2.QuotaFailure.DESCRIPTOR)]
                assert len(kinds) == 2
            admission.leave()
    finally:
        server.stop(1).wait()
    assert built == ["OVERLOADED"]  # once, for the method; not for each of the three calls
    assert counted() - before == 3
