"""Accounts opened per second over gRPC: ImportAccounts (200,000 accounts in chunks of 10,000,
then the same accounts updated) beside UpsertAccount (one call per account), on one server in
the same run, so the ratio is what the two ways of loading accounts compare at.

Run: python -m pytest benchmarks/test_bench_import.py --benchmark-enable"""

from __future__ import annotations

import itertools
import tempfile

import pytest

from authcore.api.server import create_server
from authcore.client import Client
from authcore.engine import Engine
from authcore.journal.store import Journal
from authcore.v1 import admin_pb2, common_pb2 as c

ACCOUNTS = 200_000
ROWS = 10_000


@pytest.fixture(scope="module")
def target():
    with tempfile.TemporaryDirectory(dir=".") as data_dir:
        engine = Engine(Journal(data_dir), max_accounts=10 * ACCOUNTS)
        service = create_server(engine, "127.0.0.1:0").start()
        with Client(f"127.0.0.1:{service.port}") as client:
            yield client
        service.stop(1)


def chunks(tag: str, first: int) -> list[admin_pb2.ImportAccountsRequest]:
    out = []
    for k in range(ACCOUNTS // ROWS):
        chunk = admin_pb2.ImportAccountsRequest(request_id=f"{tag}-{k}", currency="CNY", time_zone="Asia/Shanghai")
        chunk.account_ids.extend(f"cust-{first + k * ROWS + i:09d}" for i in range(ROWS))
        chunk.credit_limits_minor.extend(range(100_000, 100_000 + ROWS))
        chunk.tiers.extend([c.TIER_NEW, c.TIER_STANDARD] * (ROWS // 2))
        out.append(chunk)
    return out


def test_import_accounts_created(benchmark, target, record):
    rounds = itertools.count()

    def opened():
        r = next(rounds)
        return (chunks(f"open-{r}", r * ACCOUNTS),), {}

    answer = benchmark.pedantic(lambda built: target.import_accounts(iter(built)), setup=opened, rounds=2)
    assert answer.created == ACCOUNTS
    record("import_accounts_created_per_account", benchmark, ACCOUNTS)


def test_import_accounts_updated(benchmark, target, record):
    rounds = itertools.count()
    target.import_accounts(iter(chunks("base", 10**8)))
    answer = benchmark.pedantic(lambda built: target.import_accounts(iter(built)),
                                setup=lambda: ((chunks(f"update-{next(rounds)}", 10**8),), {}), rounds=2)
    assert answer.updated == ACCOUNTS
    record("import_accounts_updated_per_account", benchmark, ACCOUNTS)


def test_upsert_account_one_call_each(benchmark, target, record):
    ids = itertools.count()

    def upsert():
        i = next(ids)
        target.call("UpsertAccount", admin_pb2.UpsertAccountRequest(request_id=f"u{i}", account_id=f"upsert-{i}",
                                                                     credit_limit_minor=100_000))

    benchmark.pedantic(upsert, rounds=2_000)
    record("upsert_account_per_account", benchmark)
