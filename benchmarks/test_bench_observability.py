"""What observability costs a call, in one run: Authorize through an in-process server with and
without MetricsInterceptor (rounds alternate between the two servers, so that both see the same
machine); the interceptor's own work per call (a wrapped no-op behaviour beside the bare one);
and a DEBUG decision log record, formatted as JSON and masked.

Run: python -m pytest benchmarks/test_bench_observability.py --benchmark-enable"""

from __future__ import annotations

import io
import itertools
import logging
import statistics
import time

import grpc
import pytest
from conftest import MEDIANS_S

from authcore.engine import Engine
from authcore.observability import MetricsInterceptor
from authcore.observability.logs import JsonFormatter
from authcore.decision.policy import default_policy
from authcore.api.server import create_server
from authcore.journal.store import Journal
from authcore.v1 import admin_pb2, authorization_pb2_grpc
from authcore.v1 import authorization_pb2 as authz
from authcore.v1 import common_pb2 as c

ROUNDS = 30
CALLS_PER_ROUND = 100


def _engine(data_dir) -> Engine:
    policy = default_policy()
    policy.risk.max_payments_per_minute = policy.risk.max_payments_per_hour = 0
    engine = Engine(Journal(data_dir), policy=policy)
    engine.upsert_account(admin_pb2.UpsertAccountRequest(
        request_id="open", account_id="bench-1", credit_limit_minor=10**13, tier=c.TIER_PREMIUM,
        limit_overrides=c.LimitProfile(daily_count=10**9, monthly_count=10**9, daily_amount_minor=10**14,
                                       monthly_amount_minor=10**14)))
    return engine


def _request(request_id: str) -> authz.AuthorizeRequest:
    return authz.AuthorizeRequest(request_id=request_id, account_id="bench-1", channel=c.CHANNEL_WALLET,
                                  amount_minor=100, currency="CNY", merchant=authz.Merchant(merchant_id="m", mcc="5411"),
                                  verification=authz.Verification(factors=[1, 2]))


def test_authorize_with_and_without_interceptor(tmp_path, request):
    options = request.config.getoption
    if options("benchmark_disable") and not options("benchmark_enable"):
        pytest.skip("a benchmark: run with --benchmark-enable")
    services, stubs = [], {}
    for name, interceptors in (("bare", ()), ("metered", (MetricsInterceptor(),))):
        service = create_server(_engine(tmp_path / name), interceptors=interceptors).start()
        services.append(service)
        channel = grpc.insecure_channel(f"127.0.0.1:{service.port}")
        stubs[name] = authorization_pb2_grpc.AuthorizationServiceStub(channel)
    ids = itertools.count()
    per_call = {"bare": [], "metered": []}
    try:
        for name, stub in stubs.items():  # warm up both
            for _ in range(CALLS_PER_ROUND):
                stub.Authorize(_request(f"warm-{next(ids)}"))
        for _ in range(ROUNDS):
            for name, stub in stubs.items():
                started = time.perf_counter()
                for _ in range(CALLS_PER_ROUND):
                    stub.Authorize(_request(f"r-{next(ids)}"))
                per_call[name].append((time.perf_counter() - started) / CALLS_PER_ROUND)
    finally:
        for service in services:
            service.stop(0)
    MEDIANS_S["grpc_authorize_without_metrics"] = statistics.median(per_call["bare"])
    MEDIANS_S["grpc_authorize_with_metrics"] = statistics.median(per_call["metered"])


class _Context:
    """What the wrapper reads of a servicer context once a call is over."""

    def code(self):
        return None

    def is_active(self) -> bool:
        return True


def test_interceptor_work_per_call(benchmark, record):
    handler = grpc.unary_unary_rpc_method_handler(lambda request, context: request)
    interceptor = MetricsInterceptor()
    details = type("Details", (), {"method": "/authcore.v1.AuthorizationService/Authorize"})()
    context = _Context()

    def one_call():
        # What grpc does per call with one interceptor: ask it for the handler, run the behaviour.
        return interceptor.intercept_service(lambda _: handler, details).unary_unary(1, context)

    benchmark(one_call)
    record("metrics_interceptor_per_call", benchmark)


def test_bare_behaviour(benchmark, record):
    handler = grpc.unary_unary_rpc_method_handler(lambda request, context: request)
    context = _Context()
    benchmark(lambda: handler.unary_unary(1, context))
    record("bare_behaviour_per_call", benchmark)


def test_debug_decision_record(benchmark, record):
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("bench.decisions")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    fields = {"account_id": "acct-000123", "request_id": "acct-000123-r1", "decision": "DECLINED",
              "reason": "INSUFFICIENT_CREDIT", "channel": "wallet", "amount_minor": 500000,
              "max_approvable_minor": 100000, "risk_score": 0.0072}

    def one_record():
        log.debug("payment not approved", extra=fields)
        out.seek(0)
        out.truncate()

    benchmark(one_record)
    record("json_decision_log_record", benchmark)
