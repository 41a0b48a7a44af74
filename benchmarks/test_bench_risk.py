"""The risk path beside the libraries, in one run: a 200-tree depth-6 ensemble scoring one row
against lightgbm.Booster.predict, and a whole decision (limits, features, rules, default model).

Run: python -m pytest benchmarks --benchmark-enable"""

from __future__ import annotations

import math

import lightgbm as lgb
import numpy as np
import pytest

from authcore.risk import features
from authcore.engine import default_model_bytes, fixed_utc_offset_s, hash64
from authcore.state.ledger import Ledger
from authcore.risk.models import load_model
from authcore.decision.policy import CHANNELS, country_code, default_policy
from authcore.v1 import common_pb2 as c

NOW_S = 1_795_000_000


@pytest.fixture(scope="module")
def ensemble():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, features.N_FEATURES))
    X[rng.random(X.shape) < 0.1] = np.nan
    y = (np.nan_to_num(X[:, 0]) + np.nan_to_num(X[:, 3]) * 0.5 + rng.normal(size=len(X)) > 0).astype(int)
    booster = lgb.train({"objective": "binary", "num_leaves": 63, "max_depth": 6, "verbose": -1, "num_threads": 1},
                        lgb.Dataset(X, y, feature_name=features.NAMES), 200)
    scorer = load_model(booster.model_to_string(), schema=features.NAMES)
    assert scorer.n_trees == 200
    row = np.ascontiguousarray(X[7])
    assert abs(scorer.score(row) - booster.predict(row.reshape(1, -1))[0]) <= 1e-9
    return booster, scorer, row


def test_lightgbm_predict_one_row(benchmark, ensemble, record):
    booster, _, row = ensemble
    matrix = row.reshape(1, -1)
    benchmark(booster.predict, matrix, num_threads=1)
    record("lightgbm_predict_one_row", benchmark)


def test_compiled_ensemble_one_row(benchmark, ensemble, record):
    _, scorer, row = ensemble
    benchmark(scorer.score, row)
    record("compiled_ensemble_one_row", benchmark)


def test_whole_decision_with_features_and_model(benchmark, record):
    ledger = Ledger(default_policy(), max_accounts=1_000)
    ledger.set_scorer(load_model(default_model_bytes(), schema=features.NAMES))
    for i in range(1_000):
        ledger.upsert(f"a{i}", limit=10**9, status=c.ACCOUNT_STATUS_ACTIVE, tier=c.TIER_STANDARD, overrides=None,
                      overdue=0, currency=156, zone="Asia/Shanghai", utc_offset_s=fixed_utc_offset_s("Asia/Shanghai"),
                      now_s=NOW_S - 86400 * 90)
    book = ledger.book
    device, ipnet, cn = hash64(b"phone"), hash64(b"10.0.0"), country_code("CN")
    for i in range(1_000):  # some history for every account
        book.authorize(i, 0, 5_000, 156, 0, 1, NOW_S - 3600, device, ipnet, 31.2, 121.4, 5411, cn, book=True)
    slots = iter(range(10**9))

    def run():
        i = next(slots) % 1_000
        return book.authorize(i, CHANNELS.index(c.CHANNEL_WALLET), 8_000, 156, 0, 1, NOW_S, device, ipnet, 31.2,
                              121.4, 5411, cn, book=False)

    decision = run()
    assert decision[0] == c.DECISION_APPROVED and not math.isnan(decision[7])
    benchmark(run)
    record("whole_decision_features_model", benchmark)


def test_compiled_ensemble_is_10x_faster_than_lightgbm():
    from conftest import MEDIANS_S

    if "compiled_ensemble_one_row" not in MEDIANS_S or "lightgbm_predict_one_row" not in MEDIANS_S:
        pytest.skip("run with --benchmark-enable")
    ratio = MEDIANS_S["lightgbm_predict_one_row"] / MEDIANS_S["compiled_ensemble_one_row"]
    assert ratio >= 10, f"only {ratio:.1f}x faster than lightgbm"


def test_lightgbm_predict_batch(benchmark, ensemble, record):
    booster, _, _ = ensemble
    rows = np.ascontiguousarray(np.tile(ensemble[2], (1000, 1)))
    benchmark(booster.predict, rows, num_threads=1)
    record("lightgbm_predict_batch_per_row", benchmark, per_call=1000)


def test_compiled_ensemble_batch(benchmark, ensemble, record):
    _, scorer, row = ensemble
    rows = np.ascontiguousarray(np.tile(row, (1000, 1)))
    benchmark(scorer.predict, rows)
    record("compiled_ensemble_batch_per_row", benchmark, per_call=1000)


def test_reference_features_and_rules(benchmark, record):
    """The plain-Python spec of the risk features and rules (authcore/risk/reference.py)."""
    from authcore.risk import reference as rref

    behaviour = rref.Behaviour(created_s=NOW_S - 86400 * 90)
    payment = rref.Payment(8_000, c.CHANNEL_WALLET, 0, 1, hash64(b"phone"), hash64(b"10.0.0"), 31.2, 121.4, 5411,
                           "CN")
    for k in range(5):
        rref.remember(behaviour, payment, NOW_S - 3600 + k)
    rules = rref.Rules(frozenset({7995}), frozenset({"KP"}), 10, 60, 900.0, 100.0, 200_000, 0.5, 0.9)
    mcc_risk = {5411: 0.05}

    def run():
        x = rref.features(behaviour, payment, NOW_S, 8 * 3600, 0, 0, 10**9, mcc_risk, "CN")
        return rref.findings(x, payment, rules, 0.1)

    benchmark(run)
    record("reference_features_and_rules", benchmark)


def test_kernel_features_and_rules(benchmark, record):
    """The same in the compiled kernel, inside a whole decision without a model."""
    ledger = Ledger(default_policy(), max_accounts=1)
    ledger.upsert("a", limit=10**9, status=c.ACCOUNT_STATUS_ACTIVE, tier=c.TIER_STANDARD, overrides=None, overdue=0,
                  currency=156, zone="Asia/Shanghai", utc_offset_s=8 * 3600, now_s=NOW_S - 86400 * 90)
    book = ledger.book
    device, ipnet, cn = hash64(b"phone"), hash64(b"10.0.0"), country_code("CN")
    for k in range(5):
        book.authorize(0, 0, 8_000, 156, 0, 1, NOW_S - 3600 + k, device, ipnet, 31.2, 121.4, 5411, cn, book=True)
    benchmark(book.authorize, 0, 0, 8_000, 156, 0, 1, NOW_S, device, ipnet, 31.2, 121.4, 5411, cn, False)
    record("kernel_decision_features_and_rules", benchmark)
