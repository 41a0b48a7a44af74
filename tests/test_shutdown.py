"""Graceful shutdown of `authcore serve` under load: SIGTERM turns health NOT_SERVING, the calls
in flight finish, new ones are refused, the journal is flushed, the process exits 0, and after a
restart every acknowledged authorization is there (and nothing else)."""

from __future__ import annotations

import collections
import os
import re
import signal
import subprocess
import sys
import threading
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from authcore.v1 import account_pb2, account_pb2_grpc, admin_pb2, admin_pb2_grpc, authorization_pb2_grpc
from authcore.v1 import common_pb2 as c
from tests.test_identity import REPO, payment

ACCOUNTS = 200
CALLERS = 8
LIMIT_MINOR = 10_000_000


def start(data_dir, config) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "authcore", "serve", "--port", "0", "--data-dir", str(data_dir),
                                "--config", str(config)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = process.stdout.readline()
    match = re.search(r"serving on ([\d.]+:\d+)", line)
    assert match, (line, process.stderr.read() if process.poll() is not None else "")
    return process, match.group(1)


def test_sigterm_drains_in_flight_calls_and_loses_no_acknowledged_authorization(tmp_path):
    config = tmp_path / "authcore.toml"
    config.write_text("[server]\ndrain_delay_s = 0.5\nshutdown_grace_s = 10\n")
    data_dir = tmp_path / "data"
    process, target = start(data_dir, config)
    channel = grpc.insecure_channel(target)
    admin = admin_pb2_grpc.AdminServiceStub(channel)
    names = [f"acct-s{k}" for k in range(ACCOUNTS)]
    for name in names:
        admin.UpsertAccount(admin_pb2.UpsertAccountRequest(request_id=f"open-{name}", account_id=name,
                                                           credit_limit_minor=LIMIT_MINOR, tier=c.TIER_PREMIUM),
                            timeout=10)
    statuses: list[int] = []
    watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(), timeout=60)

    def watching():
        try:
            for update in watch:
                statuses.append(update.status)
        except grpc.RpcError:
            pass  # the server went away

    threading.Thread(target=watching, daemon=True).start()
    approved = collections.Counter()  # account -> minor units acknowledged
    outcomes = collections.Counter()
    lock = threading.Lock()
    stop_sending = threading.Event()

    def caller(k: int):
        stub = authorization_pb2_grpc.AuthorizationServiceStub(grpc.insecure_channel(target))
        i = 0
        while not stop_sending.is_set():
            # Each caller goes round its own accounts, one payment each a round, as many customers
            # pay: a burst of payments on one account is what the default risk model challenges or
            # declines (more or fewer by the hour of day), and this test is about shutdown.
            account_id = names[(k + CALLERS * i) % ACCOUNTS]
            i += 1
            try:
                response = stub.Authorize(payment(account_id, c.CHANNEL_WALLET, 100 + k), timeout=10)
            except grpc.RpcError as error:
                with lock:
                    outcomes[error.code().name] += 1
                if error.code() == grpc.StatusCode.UNAVAILABLE:
                    return
                continue
            with lock:
                outcomes[c.Decision.Name(response.decision)] += 1
                if response.decision == c.DECISION_APPROVED:
                    approved[account_id] += 100 + k

    threads = [threading.Thread(target=caller, args=(k,)) for k in range(CALLERS)]
    for thread in threads:
        thread.start()
    # SIGTERM once the callers have had their approvals, whatever the machine's speed, so that it
    # lands among calls in flight.
    deadline = time.monotonic() + 60
    while True:
        with lock:
            loaded = outcomes["DECISION_APPROVED"] > 100
        if loaded:
            break
        assert time.monotonic() < deadline, f"fewer than 100 approvals in 60 s: {dict(outcomes)}"
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=60)
    stop_sending.set()
    for thread in threads:
        thread.join(timeout=30)
    channel.close()
    out, err = process.stdout.read(), process.stderr.read()
    assert code == 0, err
    assert "stopping: health NOT_SERVING" in out and "stopped: journal flushed through record" in out
    assert health_pb2.HealthCheckResponse.NOT_SERVING in statuses, statuses
    assert outcomes["DECISION_APPROVED"] > 100, outcomes
    # Refused once stopped, never failed inside.
    assert set(outcomes) <= {"DECISION_APPROVED", "DECISION_DECLINED", "DECISION_CHALLENGE", "UNAVAILABLE",
                             "CANCELLED"}, outcomes
    # Flushed: the write-ahead log is empty, everything is in the database file.
    wal = data_dir / "authcore.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0

    process, target = start(data_dir, config)
    try:
        with grpc.insecure_channel(target) as again:
            accounts = account_pb2_grpc.AccountServiceStub(again)
            for name in names:
                view = accounts.GetAccount(account_pb2.GetAccountRequest(account_id=name), timeout=10).account
                assert view.available_credit_minor == LIMIT_MINOR - approved[name], name
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
