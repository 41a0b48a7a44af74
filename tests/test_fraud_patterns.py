"""Each fraud pattern of the simulator is stopped (declined or challenged) by the default policy
and the default model at the rate the README states, through the real gRPC server; normal
payments are almost never stopped."""

from __future__ import annotations

import grpc
import pytest

from authcore.engine import Engine
from authcore.api.server import create_server
from authcore.tools.simulator import NORMAL, PATTERNS, Simulator, catch_rates, drive
from authcore.journal.store import Journal
from authcore.v1 import (
    account_pb2_grpc, admin_pb2_grpc, authorization_pb2_grpc,
)

# The rates the README states. The simulation and the model are deterministic, so this run
# measures the same figures every time: 100 %, 100 %, 75 %, 56 % and 0.11 % of normal payments.
STATED_MIN_STOPPED = {"account_takeover": 0.95, "card_testing": 0.95, "bust_out": 0.70, "qr_swap": 0.50}
STATED_MAX_NORMAL_STOPPED = 0.005


class Stubs:
    """The simulator's view of a server: the four calls it makes, over gRPC."""

    def __init__(self, channel: grpc.Channel):
        admin = admin_pb2_grpc.AdminServiceStub(channel)
        payments = authorization_pb2_grpc.AuthorizationServiceStub(channel)
        self.upsert_account = admin.UpsertAccount
        self.authorize = payments.Authorize
        self.capture = payments.Capture
        self.repay = account_pb2_grpc.AccountServiceStub(channel).Repay


@pytest.fixture(scope="module")
def rates(tmp_path_factory):
    class Clock:
        now_s = 0

        def __call__(self):
            return self.now_s

    clock = Clock()
    engine = Engine(Journal(tmp_path_factory.mktemp("fraud")), clock=clock)
    service = create_server(engine, "127.0.0.1:0", expiry_interval_s=3600).start()
    sim = Simulator(seed=3, customers=500, days=21, warmup_days=14, prefix="fp")
    try:
        with grpc.insecure_channel(f"127.0.0.1:{service.port}") as channel:
            results = list(drive(Stubs(channel), clock, sim))
    finally:
        service.stop(grace_s=1)
    measured = catch_rates(results, after_s=sim.warmup_days * 86400)
    print("stopped by pattern:", measured)
    return measured


@pytest.mark.parametrize("pattern", PATTERNS)
def test_fraud_pattern_is_stopped(rates, pattern):
    assert rates[pattern]["payments"] >= 10
    assert rates[pattern]["stopped"] >= STATED_MIN_STOPPED[pattern], rates[pattern]


def test_normal_payments_pass(rates):
    assert rates[NORMAL]["payments"] >= 1000
    assert rates[NORMAL]["stopped"] <= STATED_MAX_NORMAL_STOPPED, rates[NORMAL]
