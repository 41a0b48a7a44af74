"""The cost of forwarding in multi-process mode, in one run: through one connection to
`authcore serve --processes 2`, GetAccount and Authorize for an account of the process that took
the connection (served there) and for an account of the other process (forwarded to it over its
unix socket). The faster of the two is the local one.

Run: python -m pytest benchmarks/test_bench_multiprocess.py --benchmark-enable"""

from __future__ import annotations

import itertools
import os
import pathlib
import re
import subprocess
import sys

import grpc
import pytest
from conftest import MEDIANS_S

from authcore.cluster.partitions import partition_of
from authcore.decision.policy import default_policy
from authcore.v1 import (
    account_pb2,
    account_pb2_grpc,
    admin_pb2,
    admin_pb2_grpc,
    authorization_pb2_grpc,
)
from authcore.v1 import authorization_pb2 as authz
from authcore.v1 import common_pb2 as c

REPO = pathlib.Path(__file__).resolve().parent.parent
MEASURED: dict[str, dict[int, float]] = {}


def account_of(partition: int) -> str:
    return next(f"bench-{k}" for k in itertools.count() if partition_of(f"bench-{k}", 2) == partition)


@pytest.fixture(scope="module")
def channel(tmp_path_factory):
    process = subprocess.Popen(
        [sys.executable, "-m", "authcore", "serve", "--processes", "2", "--port", "0", "--data-dir",
         str(tmp_path_factory.mktemp("cluster") / "data")], stdout=subprocess.PIPE, text=True, cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    target = re.search(r"serving on (\S+) ", process.stdout.readline()).group(1)
    channel = grpc.insecure_channel(target)
    policy = default_policy()
    policy.version = "bench"
    policy.risk.max_payments_per_minute = policy.risk.max_payments_per_hour = 0
    admin = admin_pb2_grpc.AdminServiceStub(channel)
    admin.SetPolicy(admin_pb2.SetPolicyRequest(request_id="bench-policy", policy=policy), timeout=10)
    for partition in (0, 1):
        admin.UpsertAccount(admin_pb2.UpsertAccountRequest(
            request_id=f"bench-open-{partition}", account_id=account_of(partition), credit_limit_minor=10**13,
            tier=c.TIER_PREMIUM, limit_overrides=c.LimitProfile(
                daily_count=10**9, monthly_count=10**9, daily_amount_minor=10**14, monthly_amount_minor=10**14)),
            timeout=10)
    yield channel
    channel.close()
    process.terminate()
    process.wait(timeout=30)


def keep(name: str, partition: int, benchmark) -> None:
    """Once both partitions are measured, record the faster as local and the other as forwarded."""
    if benchmark.stats is None:
        return
    MEASURED.setdefault(name, {})[partition] = benchmark.stats.stats.median
    if len(MEASURED[name]) == 2:
        local, forwarded = sorted(MEASURED[name].values())
        MEDIANS_S[f"cluster_{name}_local"] = local
        MEDIANS_S[f"cluster_{name}_forwarded"] = forwarded


@pytest.mark.parametrize("partition", [0, 1])
def test_get_account(benchmark, channel, partition):
    stub = account_pb2_grpc.AccountServiceStub(channel)
    request = account_pb2.GetAccountRequest(account_id=account_of(partition))
    benchmark(lambda: stub.GetAccount(request, timeout=10))
    keep("get_account", partition, benchmark)


@pytest.mark.parametrize("partition", [0, 1])
def test_authorize(benchmark, channel, partition):
    stub = authorization_pb2_grpc.AuthorizationServiceStub(channel)
    ids = itertools.count()
    account_id = account_of(partition)

    def pay():
        return stub.Authorize(authz.AuthorizeRequest(
            request_id=f"bench-{partition}-{next(ids)}", account_id=account_id, channel=c.CHANNEL_WALLET,
            amount_minor=100, currency="CNY", merchant=authz.Merchant(merchant_id="m", mcc="5411"),
            verification=authz.Verification(factors=[1, 2])), timeout=10)

    benchmark(pay)
    keep("authorize", partition, benchmark)
