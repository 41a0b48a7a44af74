"""Shared fixtures: a controllable clock, an engine on a temporary journal, and a real gRPC
server on a free port with stubs for every service."""

from __future__ import annotations

import dataclasses
import datetime

import grpc
import pytest

from authcore.engine import Engine
from authcore.api.server import create_server
from authcore.journal.store import Journal
from authcore.v1 import (
    account_pb2_grpc, admin_pb2, admin_pb2_grpc, authorization_pb2 as authz, authorization_pb2_grpc,
    common_pb2 as c,
)

# 2026-11-22 10:00:00 in Asia/Shanghai.
START_S = int(datetime.datetime(2026, 11, 22, 2, 0, tzinfo=datetime.UTC).timestamp())


class Clock:
    """A clock the tests move by hand."""

    def __init__(self, now_s: float = START_S):
        self.now_s = now_s

    def __call__(self) -> float:
        return self.now_s

    def advance(self, seconds: float) -> None:
        self.now_s += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


@pytest.fixture
def engine(data_dir, clock):
    """A rules-only engine (no risk model), so that limit tests see limits alone."""
    engine = Engine(Journal(data_dir), clock=clock, default_model=False)
    yield engine
    engine.close()


@dataclasses.dataclass
class Client:
    """Stubs of every service on one channel, and helpers that fill in the boring fields."""

    channel: grpc.Channel
    authz: authorization_pb2_grpc.AuthorizationServiceStub
    accounts: account_pb2_grpc.AccountServiceStub
    admin: admin_pb2_grpc.AdminServiceStub
    counter: int = 0

    def rid(self) -> str:
        self.counter += 1
        return f"req-{self.counter}"

    def upsert(self, account_id: str, limit_minor: int = 1_000_000, **fields) -> admin_pb2.UpsertAccountResponse:
        return self.admin.UpsertAccount(admin_pb2.UpsertAccountRequest(
            request_id=self.rid(), account_id=account_id, credit_limit_minor=limit_minor, **fields))

    def pay_request(self, account_id: str, amount_minor: int, channel: int = c.CHANNEL_WALLET,
                    **fields) -> authz.AuthorizeRequest:
        fields.setdefault("currency", "CNY")
        fields.setdefault("merchant", authz.Merchant(merchant_id="m-1", mcc="5411", country="CN"))
        if channel == c.CHANNEL_SCAN_TO_PAY:
            fields.setdefault("qr_code_type", c.QR_CODE_TYPE_DYNAMIC)
        factors = fields.pop("factors", ())
        return authz.AuthorizeRequest(request_id=fields.pop("request_id", None) or self.rid(), account_id=account_id,
                                      channel=channel, amount_minor=amount_minor,
                                      verification=authz.Verification(factors=factors), **fields)

    def pay(self, account_id: str, amount_minor: int, channel: int = c.CHANNEL_WALLET, **fields):
        return self.authz.Authorize(self.pay_request(account_id, amount_minor, channel, **fields), timeout=10)


@pytest.fixture
def service(engine):
    service = create_server(engine, "127.0.0.1:0", max_workers=8, expiry_interval_s=3600).start()
    yield service
    service.stop(grace_s=1)


def connect(port: int, counter: int = 0) -> Client:
    """A client of the server on port; request ids continue from counter."""
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    return Client(channel, authorization_pb2_grpc.AuthorizationServiceStub(channel),
                  account_pb2_grpc.AccountServiceStub(channel), admin_pb2_grpc.AdminServiceStub(channel), counter)


@pytest.fixture
def client(service):
    client = connect(service.port)
    yield client
    client.channel.close()
