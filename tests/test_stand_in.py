"""The stand-in: when the model gives no usable score, or the call's deadline is nearly spent,
the payment is decided on the rules and limits alone, approved only up to the policy's stand-in
amount, marked in the response and counted, and never left to time out."""

from __future__ import annotations

import math

import numpy as np
import pytest

from authcore.risk import features
from authcore._fast.models import LinearModel
from authcore.engine import Engine
from authcore.observability.metrics import REGISTRY
from authcore.decision.policy import default_policy
from authcore.journal.store import Journal
from authcore.v1 import admin_pb2, authorization_pb2 as authz, common_pb2 as c

STAND_IN_MAX = default_policy().risk.stand_in_max_minor


def stand_ins(cause: str) -> float:
    return REGISTRY.get_sample_value("authcore_stand_in_total", {"cause": cause}) or 0.0


def broken_model() -> LinearModel:
    """A model whose score is not a number."""
    n = features.N_FEATURES
    return LinearModel(np.zeros(n), np.zeros(n), math.nan, "broken")


@pytest.fixture
def broken(engine):
    engine.ledger.set_scorer(broken_model())
    return engine


def test_the_default_policy_has_a_stand_in():
    assert STAND_IN_MAX == 50_000
    assert default_policy().risk.stand_in_budget_ms == 3


def test_a_failed_model_stands_in_up_to_the_stand_in_amount(broken, client):
    client.upsert("acct-1", 5_000_000, tier=c.TIER_PREMIUM)
    before = stand_ins("model_failed")
    small = client.pay("acct-1", STAND_IN_MAX)
    assert small.decision == c.DECISION_APPROVED
    assert small.stand_in == authz.STAND_IN_CAUSE_MODEL_FAILED
    assert math.isnan(small.risk.score) and not small.risk.top_features
    large = client.pay("acct-1", STAND_IN_MAX + 1)
    assert large.decision == c.DECISION_DECLINED
    assert large.reason == c.REASON_STAND_IN_LIMIT_EXCEEDED
    assert large.stand_in == authz.STAND_IN_CAUSE_MODEL_FAILED
    assert large.max_approvable_minor == STAND_IN_MAX  # the limits allow more; the stand-in does not
    detail = large.reasons[0]
    assert detail.iso8583_code == "91" and detail.retry_category == c.RETRY_CATEGORY_LATER
    assert "¥500.00" in detail.message_en and "¥500.00" in detail.hint_zh
    # The rules still apply under the stand-in.
    blocked = client.pay("acct-1", 1_000, merchant=authz.Merchant(merchant_id="m-2", mcc="7995", country="CN"))
    assert blocked.reason == c.REASON_MERCHANT_CATEGORY_BLOCKED and blocked.stand_in
    assert stand_ins("model_failed") == before + 3


def test_a_stand_in_approval_survives_a_restart(data_dir, clock):
    engine = Engine(Journal(data_dir), clock=clock, default_model=False)
    engine.ledger.set_scorer(broken_model())
    engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="open", account_id="acct-r",
                                                         credit_limit_minor=1_000_000, tier=c.TIER_STANDARD))
    request = authz.AuthorizeRequest(request_id="p-1", account_id="acct-r", channel=c.CHANNEL_WALLET,
                                     amount_minor=30_000, currency="CNY",
                                     merchant=authz.Merchant(merchant_id="m-1", mcc="5411"))
    response, _ = engine.authorize(request)
    assert response.stand_in == authz.STAND_IN_CAUSE_MODEL_FAILED
    rows = engine.ledger.accounts.copy()
    engine.close()
    again = Engine(Journal(data_dir), clock=clock, default_model=False)
    try:
        assert np.array_equal(again.ledger.accounts[: again.ledger.n_accounts], rows[: again.ledger.n_accounts])
        replayed, was_replayed = again.authorize(request)
        assert was_replayed and replayed == response
    finally:
        again.close()


def test_a_nearly_spent_deadline_stands_in_and_a_full_one_does_not(engine, client):
    policy = default_policy()
    policy.version = "stand-in-wide"
    policy.risk.stand_in_budget_ms = 60_000  # any call with less than a minute left stands in
    client.admin.SetPolicy(admin_pb2.SetPolicyRequest(request_id="pol", policy=policy), timeout=10)
    client.upsert("acct-2", 5_000_000, tier=c.TIER_PREMIUM)
    before = stand_ins("deadline")
    hurried = client.authz.Authorize(client.pay_request("acct-2", 20_000), timeout=10)
    assert hurried.decision == c.DECISION_APPROVED and hurried.stand_in == authz.STAND_IN_CAUSE_DEADLINE
    refused = client.authz.Authorize(client.pay_request("acct-2", STAND_IN_MAX + 100), timeout=10)
    assert refused.reason == c.REASON_STAND_IN_LIMIT_EXCEEDED
    relaxed = client.authz.Authorize(client.pay_request("acct-2", STAND_IN_MAX + 100), timeout=120)
    assert relaxed.decision == c.DECISION_APPROVED and not relaxed.stand_in
    assert stand_ins("deadline") == before + 2


def test_batch_and_bulk_stand_in_when_the_model_fails(broken, client):
    client.upsert("acct-3", 5_000_000, tier=c.TIER_PREMIUM)
    batch = authz.AuthorizeBatchRequest(requests=[client.pay_request("acct-3", 1_000),
                                                  client.pay_request("acct-3", STAND_IN_MAX + 1)])
    results = client.authz.AuthorizeBatch(batch, timeout=10).results
    assert [r.response.stand_in for r in results] == [authz.STAND_IN_CAUSE_MODEL_FAILED] * 2
    assert [r.response.reason for r in results] == [c.REASON_APPROVED, c.REASON_STAND_IN_LIMIT_EXCEEDED]
    bulk = authz.AuthorizeBulkRequest(request_id="bulk-1", account_ids=["acct-3", "acct-3", "nobody"],
                                      amounts_minor=[2_000, STAND_IN_MAX + 1, 5], currency="CNY",
                                      channels=[c.CHANNEL_WALLET] * 3, merchant_ids=["m-1"] * 3, mccs=["5411"] * 3)
    answer = client.authz.AuthorizeBulk(bulk, timeout=10)
    assert list(answer.reasons) == [c.REASON_APPROVED, c.REASON_STAND_IN_LIMIT_EXCEEDED, 0]
    assert list(answer.stand_in) == [authz.STAND_IN_CAUSE_MODEL_FAILED] * 2 + [0]


def test_a_healthy_model_never_stands_in(client, engine):
    engine.ledger.set_scorer(LinearModel(np.zeros(features.N_FEATURES), np.zeros(features.N_FEATURES), -4.0, "calm"))
    client.upsert("acct-4", 5_000_000, tier=c.TIER_PREMIUM)
    response = client.pay("acct-4", STAND_IN_MAX + 1)
    assert response.decision == c.DECISION_APPROVED and not response.stand_in
    assert not math.isnan(response.risk.score)
    bulk = authz.AuthorizeBulkRequest(request_id="bulk-2", account_ids=["acct-4"], amounts_minor=[2_000],
                                      currency="CNY", channels=[c.CHANNEL_WALLET], merchant_ids=["m-1"], mccs=["5411"])
    assert not client.authz.AuthorizeBulk(bulk, timeout=10).stand_in
