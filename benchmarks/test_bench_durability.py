"""Latency and throughput of each durability mode side by side, in one run: one caller, and 16
callers on 16 accounts (where group commit shares each commit, and each fsync, among them).

Run: python -m pytest benchmarks/test_bench_durability.py --benchmark-enable"""

from __future__ import annotations

import itertools
import tempfile
import threading

import pytest

from authcore.engine import Engine
from authcore.decision.policy import default_policy
from authcore.journal.store import Journal
from authcore.v1 import admin_pb2, authorization_pb2 as authz, common_pb2 as c

THREADS = 16
PER_THREAD = 150


@pytest.fixture(params=["normal", "fsync"])
def engine(request):
    policy = default_policy()
    policy.risk.max_payments_per_minute = policy.risk.max_payments_per_hour = 0
    with tempfile.TemporaryDirectory(dir=".") as data_dir:
        engine = Engine(Journal(data_dir, request.param), policy=policy)
        for i in range(THREADS):
            engine.upsert_account(admin_pb2.UpsertAccountRequest(
                request_id=f"u{i}", account_id=f"a{i}", credit_limit_minor=10**13, tier=c.TIER_PREMIUM,
                limit_overrides=c.LimitProfile(daily_count=10**9, monthly_count=10**9, daily_amount_minor=10**14,
                                               monthly_amount_minor=10**14)))
        engine.mode = request.param
        yield engine
        engine.close()


def request_for(account: str, request_id: str) -> authz.AuthorizeRequest:
    return authz.AuthorizeRequest(request_id=request_id, account_id=account, channel=c.CHANNEL_WALLET,
                                  amount_minor=100, currency="CNY", merchant=authz.Merchant(merchant_id="m", mcc="5411"),
                                  verification=authz.Verification(factors=[1, 2]))


def test_one_caller(benchmark, engine, record):
    ids = itertools.count()
    benchmark(lambda: engine.authorize(request_for("a0", f"one-{next(ids)}")))
    record(f"durability_{engine.mode}_one_caller", benchmark)


def test_sixteen_callers(benchmark, engine, record):
    rounds = itertools.count()

    def burst():
        r = next(rounds)
        commits_before = engine.committer.commits

        def caller(t):
            for k in range(PER_THREAD):
                engine.authorize(request_for(f"a{t}", f"many-{r}-{t}-{k}"))

        threads = [threading.Thread(target=caller, args=(t,)) for t in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        burst.records_per_commit = THREADS * PER_THREAD / max(engine.committer.commits - commits_before, 1)

    benchmark.pedantic(burst, rounds=3, iterations=1)
    benchmark.extra_info["records_per_commit"] = burst.records_per_commit
    record(f"durability_{engine.mode}_16_callers_per_decision", benchmark, per_call=THREADS * PER_THREAD)
