"""Health follows the journal: while it cannot be written (a full disk) every write answers
UNAVAILABLE and health answers NOT_SERVING, overall and for every service, so load balancers
route elsewhere; the sweeper's write probe turns it SERVING again by itself once space is back,
with no client write; a graceful stop stays NOT_SERVING; nothing acknowledged is lost."""

from __future__ import annotations

import sqlite3
import time

import grpc
import pytest
from conftest import Client
from grpc_health.v1 import health_pb2, health_pb2_grpc

from authcore.engine import Engine
from authcore.api.server import SERVICE_NAMES, create_server
from authcore.journal.store import Journal
from authcore.v1 import account_pb2, account_pb2_grpc, admin_pb2, admin_pb2_grpc, authorization_pb2_grpc
from authcore.v1 import common_pb2 as c

SERVING, NOT_SERVING = health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING
WAIT_S = 30


class FullDisk:
    """The journal's append, failing as SQLite does on a full disk while `full` is set."""

    def __init__(self, journal: Journal):
        self.full = False
        self.refused = 0
        self._append = journal.append
        journal.append = self.append

    def append(self, records, side=()):
        if self.full:
            self.refused += 1
            raise sqlite3.OperationalError("database or disk is full")
        return self._append(records, side)


@pytest.fixture
def served(data_dir):
    engine = Engine(Journal(data_dir), default_model=False)
    disk = FullDisk(engine.journal)
    service = create_server(engine, "127.0.0.1:0", max_workers=8, expiry_interval_s=0.05).start()
    channel = grpc.insecure_channel(f"127.0.0.1:{service.port}")
    client = Client(channel, authorization_pb2_grpc.AuthorizationServiceStub(channel),
                    account_pb2_grpc.AccountServiceStub(channel), admin_pb2_grpc.AdminServiceStub(channel))
    yield service, disk, client, health_pb2_grpc.HealthStub(channel)
    channel.close()
    service.stop(grace_s=1)


def statuses(health) -> set:
    return {health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5).status
            for name in ("", *SERVICE_NAMES)}


def wait_for(health, status) -> None:
    deadline = time.monotonic() + WAIT_S
    while statuses(health) != {status}:
        assert time.monotonic() < deadline, f"health did not turn {status} in {WAIT_S} s"
        time.sleep(0.02)


def test_health_is_not_serving_while_the_journal_cannot_be_written(served, data_dir):
    service, disk, client, health = served
    client.upsert("acct", 100_000, tier=c.TIER_STANDARD)
    acknowledged = [client.pay("acct", 1_000 + k) for k in range(3)]
    assert statuses(health) == {SERVING}

    disk.full = True
    with pytest.raises(grpc.RpcError) as refused:
        client.pay("acct", 5_000)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "database or disk is full" in refused.value.details()
    assert statuses(health) == {NOT_SERVING}
    # The sweeper keeps trying, and keeps failing while the disk is full.
    probes = disk.refused
    deadline = time.monotonic() + WAIT_S
    while disk.refused < probes + 3:
        assert time.monotonic() < deadline, "the sweeper does not probe the journal"
        time.sleep(0.02)
    assert statuses(health) == {NOT_SERVING}

    disk.full = False  # space is back; no client writes: the sweeper's probe finds out
    wait_for(health, SERVING)
    assert service.engine.journal.probed_at_s is not None, "the probe wrote to the journal's disk"
    acknowledged.append(client.pay("acct", 2_000))

    view = client.accounts.GetAccount(account_pb2.GetAccountRequest(account_id="acct"), timeout=10).account
    service.stop(grace_s=1)
    restarted = Engine(Journal(data_dir), default_model=False)
    try:
        again = restarted.get_account(account_pb2.GetAccountRequest(account_id="acct")).account
        assert (again.held_minor, again.available_credit_minor) == (view.held_minor, view.available_credit_minor)
        assert sorted(h.authorization_id for h in again.holds) == sorted(a.authorization_id for a in acknowledged)
    finally:
        restarted.close()


def test_a_graceful_stop_stays_not_serving_when_a_write_succeeds(served):
    service, disk, client, health = served
    client.upsert("acct", 100_000, tier=c.TIER_STANDARD)
    disk.full = True
    with pytest.raises(grpc.RpcError):
        client.upsert("acct", 200_000)
    assert statuses(health) == {NOT_SERVING}
    service.health.enter_graceful_shutdown()
    disk.full = False
    # A write while draining succeeds (straight to the engine: the sweeper may probe too).
    service.engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="drain-1", account_id="acct",
                                                                 credit_limit_minor=300_000,
                                                                 tier=c.TIER_STANDARD))
    assert service.engine.committer.writable
    assert statuses(health) == {NOT_SERVING}


def test_a_workers_public_port_reports_the_journal_too(tmp_path):
    """A multi-process worker answers health on its public port from the same servicer as its
    private socket: NOT_SERVING there too while its partition's journal cannot be written."""
    from authcore.cluster.router import public_server

    engine = Engine(Journal(tmp_path / "partition"), default_model=False, id_tag="p0x1")
    disk = FullDisk(engine.journal)
    sockets = [str(tmp_path / "p0.sock")]
    service = create_server(engine, f"unix:{sockets[0]}", max_workers=4, expiry_interval_s=0.05).start()
    public, port, router = public_server(engine, service.health, 0, sockets, "127.0.0.1:0", max_workers=4)
    public.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        client = Client(channel, authorization_pb2_grpc.AuthorizationServiceStub(channel),
                        account_pb2_grpc.AccountServiceStub(channel), admin_pb2_grpc.AdminServiceStub(channel))
        health = health_pb2_grpc.HealthStub(channel)
        client.upsert("acct", 100_000, tier=c.TIER_STANDARD)
        disk.full = True
        with pytest.raises(grpc.RpcError) as refused:
            client.pay("acct", 1_000)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        assert statuses(health) == {NOT_SERVING}
        disk.full = False
        wait_for(health, SERVING)
    finally:
        channel.close()
        public.stop(1).wait()
        router.close()
        service.stop(grace_s=1)
