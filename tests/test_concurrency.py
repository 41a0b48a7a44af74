"""Channels hitting one account at once never overspend: with credit for exactly N payments and
64 concurrent callers, exactly N are approved — 100 times in a row, in one server process with
64 threads. Unrelated accounts proceed side by side, and one request_id sent many times at once
acts once."""

from __future__ import annotations

import threading

import grpc
import pytest

from authcore.engine import Engine
from authcore.decision.policy import default_policy
from authcore.api.server import create_server
from authcore.journal.store import Journal
from authcore.v1 import account_pb2, common_pb2 as c

from conftest import connect

CALLERS = 64
N = 17
AMOUNT = 1_000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    policy = default_policy()
    policy.version = "concurrency"
    policy.risk.max_payments_per_minute = policy.risk.max_payments_per_hour = 0
    engine = Engine(Journal(tmp_path_factory.mktemp("conc")), policy=policy, default_model=False)
    service = create_server(engine, "127.0.0.1:0", max_workers=CALLERS, expiry_interval_s=3600).start()
    yield service
    service.stop(grace_s=1)


def race(client, account_id: str, callers: int = CALLERS, request_ids=None) -> list:
    """callers threads released together, each authorizing AMOUNT on the account."""
    barrier = threading.Barrier(callers)
    answers: list = [None] * callers
    channels = (c.CHANNEL_WALLET, c.CHANNEL_SCAN_TO_PAY, c.CHANNEL_QUICK_PAY)

    def call(i: int) -> None:
        channel = c.CHANNEL_WALLET if request_ids else channels[i % 3]  # one id: one identical request
        request = client.pay_request(account_id, AMOUNT, channel,
                                     request_id=request_ids[i] if request_ids else f"{account_id}-{i}",
                                     factors=(1, 2))
        barrier.wait()
        answers[i] = client.authz.Authorize(request, timeout=30)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(callers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


@pytest.mark.parametrize("round_", range(100))
def test_exactly_n_of_64_concurrent_callers_are_approved(server, round_):
    client = connect(server.port, counter=10_000 * (round_ + 1))
    account_id = f"race-{round_}"
    client.upsert(account_id, N * AMOUNT, tier=c.TIER_PREMIUM,
                  limit_overrides=c.LimitProfile(daily_count=10_000, monthly_count=10_000))
    answers = race(client, account_id)
    approved = [a for a in answers if a.decision == c.DECISION_APPROVED]
    assert len(approved) == N
    assert {a.reason for a in answers if a.decision != c.DECISION_APPROVED} == {c.REASON_INSUFFICIENT_CREDIT}
    view = client.accounts.GetAccount(account_pb2.GetAccountRequest(account_id=account_id)).account
    assert (view.available_credit_minor, view.held_minor, len(view.holds)) == (0, N * AMOUNT, N)
    client.channel.close()


def test_one_request_id_sent_at_once_acts_once(server):
    client = connect(server.port, counter=5_000_000)
    client.upsert("same-id", 100 * AMOUNT, tier=c.TIER_PREMIUM)
    answers = race(client, "same-id", callers=16, request_ids=["the-one"] * 16)
    assert len({a.SerializeToString() for a in answers}) == 1
    view = client.accounts.GetAccount(account_pb2.GetAccountRequest(account_id="same-id")).account
    assert view.held_minor == AMOUNT
    client.channel.close()


def test_unrelated_accounts_are_not_serialised_behind_one_lock(server):
    """While one account's stripe is held, another account is still served."""
    client = connect(server.port, counter=6_000_000)
    client.upsert("busy", 100 * AMOUNT, tier=c.TIER_PREMIUM)
    client.upsert("free", 100 * AMOUNT, tier=c.TIER_PREMIUM)
    engine = server.engine
    busy = engine.stripes.of(engine.ledger.slot_of["busy"])
    if busy is engine.stripes.of(engine.ledger.slot_of["free"]):
        pytest.skip("the two accounts share a stripe")
    with busy:
        assert client.pay("free", AMOUNT, factors=(1, 2)).decision == c.DECISION_APPROVED
        with pytest.raises(grpc.RpcError) as info:
            client.authz.Authorize(client.pay_request("busy", AMOUNT, factors=(1, 2)), timeout=0.5)
        assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    client.channel.close()
