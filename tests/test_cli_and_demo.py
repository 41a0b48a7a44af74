"""The commands a new user runs: the demo through a real server, and `authcore serve` as a
process that starts on an empty data dir, answers health checks and reflection, and reloads
its state on restart."""

from __future__ import annotations

import io
import os
import pathlib
import re
import subprocess
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

import pytest

from authcore.demo import run_demo
from authcore.engine import Engine
from authcore.server import create_server
from authcore.store import Journal
from authcore.v1 import account_pb2, account_pb2_grpc


@pytest.fixture
def service(data_dir, clock):
    """The server as `authcore serve` runs it: default policy and default risk model."""
    engine = Engine(Journal(data_dir), clock=clock)
    service = create_server(engine, "127.0.0.1:0", expiry_interval_s=3600).start()
    yield service
    service.stop(grace_s=1)


def test_demo_prints_every_kind_of_answer(service):
    out = io.StringIO()
    run_demo(f"127.0.0.1:{service.port}", out)
    text = out.getvalue()
    for expected in ("APPROVED", "DECLINED", "CHALLENGE", "SCAN_STATIC_QR_DAILY_LIMIT_EXCEEDED",
                     "SCAN_QR_VERIFICATION_REQUIRED", "QUICK_PAY_VERIFICATION_REQUIRED", "INSUFFICIENT_CREDIT",
                     "ACCOUNT_FROZEN_OVERDUE", "ACCOUNT_CLOSED", "CURRENCY_NOT_SUPPORTED", "no second hold",
                     "Repay the overdue ¥300.00", "MERCHANT_CATEGORY_BLOCKED", "SUSPECTED_FRAUD",
                     "annualized rate", "auto-installment on", "bob turns auto-installment on for 12 months: refused",
                     "IMPOSSIBLE_TRAVEL"):
        assert expected in text, expected
    assert len(re.findall(r"^\d+ ", text, flags=re.M)) == 17


def test_demo_in_chinese(service):
    out = io.StringIO()
    run_demo(f"127.0.0.1:{service.port}", out, lang="zh")
    assert "还清逾期金额¥300.00后即可恢复支付" in out.getvalue()


def serve(data_dir: pathlib.Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "authcore", "serve", "--port", "0", "--data-dir", str(data_dir),
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_serve_starts_answers_health_and_reflection_and_reloads(tmp_path):
    data_dir = tmp_path / "store"
    process = serve(data_dir, "--demo", "--exit-after-demo")
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "0 accounts and 0 journal records loaded" in out and "no second hold" in out
    assert (data_dir / "authcore.db").exists()
    account_id = re.search(r"GetAccount (demo-alice-\w+)", out).group(1)

    process = serve(data_dir)
    try:
        line = process.stdout.readline()
        match = re.search(r"serving on ([\d.]+:\d+) .* (\d+) accounts and (\d+) journal records loaded", line)
        assert match, line
        assert int(match.group(2)) == 5 and int(match.group(3)) > 20
        with grpc.insecure_channel(match.group(1)) as channel:
            health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
            assert health.status == health_pb2.HealthCheckResponse.SERVING
            names = next(iter(reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10)))
            services = {s.name for s in names.list_services_response.service}
            assert {"authcore.v1.AuthorizationService", "authcore.v1.AccountService",
                    "authcore.v1.AdminService", "grpc.health.v1.Health"} <= services
            account = account_pb2_grpc.AccountServiceStub(channel).GetAccount(
                account_pb2.GetAccountRequest(account_id=account_id), timeout=10).account
            assert account.available_credit_minor == 1_790_000 and len(account.holds) == 2
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "stopping" in out


def test_serve_refuses_a_bad_config(tmp_path):
    config = tmp_path / "authcore.toml"
    config.write_text('[store]\ndurability = "sometimes"\n')
    result = subprocess.run([sys.executable, "-m", "authcore", "serve", "--config", str(config)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "bad configuration: durability" in result.stderr
