"""Every risk rule and the model's thresholds, through the real server, with the explanation a
customer and an analyst get."""

from __future__ import annotations

import json
import math

import grpc
import numpy as np

from authcore.risk import features
from authcore.engine import Engine
from authcore.risk.models import LINEAR_FORMAT
from authcore.decision.policy import default_policy
from authcore.decision.reasons import CATALOGUE
from authcore.journal.store import Journal
from authcore.v1 import admin_pb2, authorization_pb2 as authz, common_pb2 as c

from helpers import call_error, violated_fields

OK, NO, STEP = c.DECISION_APPROVED, c.DECISION_DECLINED, c.DECISION_CHALLENGE
PWD, BIO, SMS = 1, 2, 3
SHANGHAI = authz.Device(device_id="phone-a", ip="10.1.2.3", latitude=31.23, longitude=121.47)
BEIJING = authz.Device(device_id="phone-a", ip="10.1.2.3", latitude=39.90, longitude=116.40)


def pay(client, amount, mcc="5411", country="CN", device=SHANGHAI, factors=(PWD,), account="acct"):
    return client.pay(account, amount, merchant=authz.Merchant(merchant_id="m-1", mcc=mcc, country=country),
                      device=device, factors=factors)


def setup(client, account="acct"):
    client.upsert(account, 100_000_000, tier=c.TIER_PREMIUM)


def check_reason(response, decision, reason):
    assert (response.decision, response.reason) == (decision, reason), response
    detail = next(r for r in response.reasons if r.reason == reason)
    assert detail.iso8583_code == CATALOGUE[reason].iso8583 and detail.hint_en and detail.hint_zh


def test_blocked_merchant_category_and_country(client):
    setup(client)
    response = pay(client, 1_000, mcc="7995")
    check_reason(response, NO, c.REASON_MERCHANT_CATEGORY_BLOCKED)
    assert list(response.risk.rules_fired) == ["blocked_mcc"] and response.max_approvable_minor == 0
    response = pay(client, 1_000, country="KP")
    check_reason(response, NO, c.REASON_MERCHANT_COUNTRY_BLOCKED)
    assert response.reasons[0].iso8583_code == "57"
    assert pay(client, 1_000, country="HK").decision == OK


def test_velocity_cap(client, clock):
    setup(client)
    for _ in range(10):
        assert pay(client, 100).decision == OK
    response = pay(client, 100)
    check_reason(response, NO, c.REASON_VELOCITY_LIMIT_EXCEEDED)
    assert response.reasons[0].iso8583_code == "65"
    clock.advance(120)
    assert pay(client, 100).decision == OK


def test_impossible_travel(client, clock):
    setup(client)
    assert pay(client, 5_000).decision == OK
    clock.advance(600)
    response = pay(client, 5_000, device=BEIJING)
    check_reason(response, NO, c.REASON_IMPOSSIBLE_TRAVEL)
    assert response.reasons[0].iso8583_code == "59"
    assert "impossible_travel" in response.risk.rules_fired
    clock.advance(3 * 3600)
    assert pay(client, 5_000, device=BEIJING).decision == OK, "about 350 km/h: a train, not a teleport"


def test_new_device_with_a_large_amount_asks_for_two_factors(client):
    setup(client)
    assert pay(client, 1_000).decision == OK
    other = authz.Device(device_id="phone-b", ip="10.1.2.3", latitude=31.23, longitude=121.47)
    check_reason(pay(client, 200_000, device=other), STEP, c.REASON_NEW_DEVICE_VERIFICATION_REQUIRED)
    assert pay(client, 199_999, device=other).decision == OK
    third = authz.Device(device_id="phone-c", ip="10.1.2.3", latitude=31.23, longitude=121.47)
    assert pay(client, 200_000, device=third, factors=(PWD, SMS)).decision == OK


def linear_model(intercept: float, weights: dict[str, float]) -> bytes:
    coefficients = [weights.get(name, 0.0) for name in features.NAMES]
    return json.dumps({"format": LINEAR_FORMAT, "features": features.NAMES, "coefficients": coefficients,
                       "intercept": intercept}).encode()


def test_model_scores_challenge_and_decline_with_explanations(client):
    setup(client)
    # p = 0.5 at 1,000 yuan, 0.9 at about 4,662 yuan.
    model = linear_model(-0.6, {"amount": 0.0006})
    info = client.admin.SetRiskModel(admin_pb2.SetRiskModelRequest(request_id=client.rid(), model=model,
                                                                   version="amount-v1")).model
    assert (info.version, info.kind, info.feature_schema) == ("amount-v1", "linear", features.SCHEMA_VERSION)
    assert client.admin.GetRiskModel(admin_pb2.GetRiskModelRequest()).model == info
    low = pay(client, 50_000)
    assert low.decision == OK and low.risk.score < 0.5 and low.risk.model_version == "amount-v1"
    middle = pay(client, 150_000)
    check_reason(middle, STEP, c.REASON_RISK_VERIFICATION_REQUIRED)
    assert 0.5 <= middle.risk.score < 0.9 and list(middle.risk.rules_fired) == ["model_challenge"]
    assert pay(client, 150_000, factors=(PWD, BIO)).decision == OK, "two factors answer the challenge"
    high = pay(client, 600_000, factors=(PWD, BIO))
    check_reason(high, NO, c.REASON_SUSPECTED_FRAUD)
    assert high.risk.score >= 0.9 and high.max_approvable_minor == 0
    top = high.risk.top_features[0]
    assert (top.feature, top.value) == ("amount", 6_000.0)
    assert math.isclose(top.contribution, 6_000 * 0.0006)


def test_bad_models_and_risk_policies_are_refused(client):
    error = call_error(client.admin.SetRiskModel, admin_pb2.SetRiskModelRequest(request_id="m1", model=b"nonsense"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and violated_fields(error) == ["model"]
    wrong_schema = json.dumps({"format": LINEAR_FORMAT, "features": ["height"], "coefficients": [1.0],
                               "intercept": 0.0}).encode()
    error = call_error(client.admin.SetRiskModel, admin_pb2.SetRiskModelRequest(request_id="m2", model=wrong_schema))
    assert "not in the schema" in error.details()
    policy = default_policy()
    policy.version = "bad-risk"
    policy.risk.challenge_score, policy.risk.decline_score = 0.95, 0.9
    policy.risk.blocked_mccs.append("79")
    error = call_error(client.admin.SetPolicy, admin_pb2.SetPolicyRequest(request_id="p1", policy=policy))
    assert set(violated_fields(error)) == {"policy.risk.challenge_score", "policy.risk.blocked_mccs"}


def test_default_model_is_loaded_and_stamped(data_dir, clock):
    engine = Engine(Journal(data_dir), clock=clock)
    try:
        assert engine.model_info.kind == "trees" and engine.model_info.trees == 80
        assert engine.model_info.version == "default-2026.1"
    finally:
        engine.close()


def test_model_and_behaviour_survive_restart(client, service, data_dir, clock):
    setup(client)
    client.admin.SetRiskModel(admin_pb2.SetRiskModelRequest(request_id="m", model=linear_model(-5, {"amount": 0.001}),
                                                            version="restart-v1"))
    for k in range(5):
        pay(client, 1_000 * (k + 1), device=authz.Device(device_id=f"d{k}", ip=f"10.0.{k}.1", latitude=31.2,
                                                          longitude=121.4))
        clock.advance(30)
    behaviour = service.engine.ledger.behaviour[: service.engine.ledger.n_accounts].copy()
    service.stop(grace_s=1)
    engine = Engine(Journal(data_dir), clock=clock, default_model=False)
    try:
        assert engine.model_info.version == "restart-v1"
        restored = engine.ledger.behaviour[: engine.ledger.n_accounts]
        for name in behaviour.dtype.names:
            assert np.array_equal(restored[name], behaviour[name], equal_nan=True), name
    finally:
        engine.close()
