"""The compiled evaluators score exactly as the libraries do (raw margin and probability), with
missing values and default directions, through the public loading path."""

from __future__ import annotations

import json

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from sklearn.linear_model import LogisticRegression

from authcore.risk.models import ModelError, linear_from_sklearn, load_model

TOL = 1e-9


def data(seed: int, n: int, f: int = 8, scale: float = 1.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, f)) * scale
    X[rng.random(X.shape) < 0.15] = np.nan
    X[rng.random(X.shape) < 0.05] = 0.0
    signal = np.nan_to_num(X[:, 0]) + 0.5 * np.nan_to_num(X[:, 1]) + np.isnan(X[:, 2]) - (X[:, 3] == 0)
    y = (signal + rng.normal(size=n) > 0.3).astype(int)
    return np.ascontiguousarray(X), y


TRAIN, LABELS = data(0, 5000)
HELD_OUT, _ = data(1, 3000, scale=2.0)


@pytest.mark.parametrize("params", [
    {},
    {"zero_as_missing": True},
    {"use_missing": False},
    {"num_leaves": 63, "max_depth": 6, "learning_rate": 0.05},
], ids=["nan-missing", "zero-as-missing", "no-missing", "deep"])
@pytest.mark.parametrize("form", ["text", "json"])
def test_lightgbm_parity(tmp_path, params, form):
    booster = lgb.train({"objective": "binary", "num_leaves": 15, "verbose": -1, **params},
                        lgb.Dataset(TRAIN, LABELS), 80)
    path = tmp_path / "model"
    if form == "text":
        booster.save_model(str(path))
    else:
        path.write_text(json.dumps(booster.dump_model()))
    model = load_model(path.read_bytes())
    assert np.abs(model.predict(HELD_OUT, raw=True) - booster.predict(HELD_OUT, raw_score=True)).max() <= TOL
    assert np.abs(model.predict(HELD_OUT) - booster.predict(HELD_OUT)).max() <= TOL


@pytest.mark.parametrize("depth, trees", [(3, 50), (6, 200)])
def test_xgboost_parity(tmp_path, depth, trees):
    classifier = xgb.XGBClassifier(n_estimators=trees, max_depth=depth, learning_rate=0.1).fit(TRAIN, LABELS)
    classifier.save_model(tmp_path / "model.json")
    model = load_model((tmp_path / "model.json").read_bytes())
    booster = classifier.get_booster()
    matrix = xgb.DMatrix(HELD_OUT)
    assert np.abs(model.predict(HELD_OUT, raw=True) - booster.predict(matrix, output_margin=True)).max() <= TOL
    assert np.abs(model.predict(HELD_OUT) - booster.predict(matrix)).max() <= TOL


def test_xgboost_contributions_match_approx_contribs():
    classifier = xgb.XGBClassifier(n_estimators=40, max_depth=4).fit(TRAIN, LABELS)
    booster = classifier.get_booster()
    model = load_model(booster.save_raw("json"))
    expected = booster.predict(xgb.DMatrix(HELD_OUT[:50]), pred_contribs=True, approx_contribs=True)
    for row, want in zip(HELD_OUT[:50], expected):
        margin, contributions = model.explain(row)
        assert np.abs(contributions - want[:-1]).max() < 1e-5
        assert abs(model.root_means() - want[-1]) < 1e-5
        assert abs(contributions.sum() + model.root_means() - margin) < 1e-5


def test_lightgbm_contributions_add_up_to_the_margin():
    booster = lgb.train({"objective": "binary", "num_leaves": 15, "verbose": -1}, lgb.Dataset(TRAIN, LABELS), 30)
    model = load_model(booster.model_to_string())
    for row in HELD_OUT[:50]:
        margin, contributions = model.explain(row)
        assert abs(contributions.sum() + model.root_means() - margin) < 1e-9
        assert contributions[0] != 0 or np.isnan(row[0])


def test_logistic_regression_parity():
    X = np.nan_to_num(TRAIN)
    estimator = LogisticRegression(max_iter=1000).fit(X, LABELS)
    names = [f"x{i}" for i in range(X.shape[1])]
    model = load_model(linear_from_sklearn(estimator, names))
    rows = np.nan_to_num(HELD_OUT)
    assert np.abs(model.predict(rows) - estimator.predict_proba(rows)[:, 1]).max() <= TOL
    assert np.abs(model.predict(rows, raw=True) - estimator.decision_function(rows)).max() <= TOL
    # A missing value takes the fill value (0 here), as NaN-free training data implied.
    assert np.abs(model.predict(HELD_OUT) - estimator.predict_proba(rows)[:, 1]).max() <= TOL


def test_features_are_matched_to_the_schema_by_name():
    frame_names = ["b", "a"]
    X = np.nan_to_num(TRAIN[:, :2])
    booster = lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(X, LABELS, feature_name=frame_names), 10)
    schema = ["a", "z", "b"]
    model = load_model(booster.model_to_string(), schema=schema)
    rows = np.zeros((len(X), 3))
    rows[:, 2], rows[:, 0], rows[:, 1] = X[:, 0], X[:, 1], 123.0
    assert np.abs(model.predict(np.ascontiguousarray(rows)) - booster.predict(X)).max() <= TOL
    with pytest.raises(ModelError, match="not in the schema"):
        load_model(booster.model_to_string(), schema=["a", "c"])


def test_unsupported_models_are_refused():
    multiclass = lgb.train({"objective": "multiclass", "num_class": 3, "verbose": -1},
                           lgb.Dataset(np.nan_to_num(TRAIN), LABELS + (TRAIN[:, 4] > 1)), 3)
    with pytest.raises(ModelError, match="multiclass"):
        load_model(multiclass.model_to_string())
    categorical = lgb.train({"objective": "binary", "verbose": -1, "min_data_per_group": 5},
                            lgb.Dataset(np.abs(np.nan_to_num(TRAIN[:, :2])).round(), LABELS, categorical_feature=[0]),
                            5)
    with pytest.raises(ModelError, match="categorical"):
        load_model(categorical.model_to_string())
    regression = xgb.XGBRegressor(n_estimators=2).fit(TRAIN, LABELS)
    with pytest.raises(ModelError, match="binary:logistic"):
        load_model(regression.get_booster().save_raw("json"))
    with pytest.raises(ModelError, match="unknown model format"):
        load_model(b'{"hello": 1}')
    with pytest.raises(ModelError, match="malformed"):
        load_model(b"tree\nversion=v4\nobjective=binary sigmoid:1\nmax_feature_idx=x\n")
