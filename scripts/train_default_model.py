"""Train the default transaction model shipped in authcore/data/default_model.txt.

    python scripts/train_default_model.py            # train, evaluate, write the model
    python scripts/train_default_model.py --check    # evaluate the shipped model only

Training data: a simulation (seed 1) run through an in-process engine with every risk rule off
and no model, so that each payment's features are those the server computes at decision time.
Evaluation: a second simulation (seed 2) never seen in training. Prints AUC, and precision and
recall at the default policy's challenge and decline scores, overall and per fraud pattern."""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import tempfile

import lightgbm as lgb
import numpy as np
from sklearn.metrics import roc_auc_score

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from authcore.risk import features  # noqa: E402
from authcore.engine import Engine  # noqa: E402
from authcore.risk.models import load_model  # noqa: E402
from authcore.decision.policy import default_policy  # noqa: E402
from authcore.tools.simulator import PATTERNS, Simulator, drive  # noqa: E402
from authcore.journal.store import Journal  # noqa: E402

MODEL_PATH = ROOT / "authcore" / "data" / "default_model.txt"
PARAMS = {"objective": "binary", "num_leaves": 15, "learning_rate": 0.1, "min_data_in_leaf": 20,
          "feature_fraction": 0.9, "bagging_fraction": 0.9, "bagging_freq": 1, "seed": 7, "verbose": -1,
          "deterministic": True, "num_threads": 1}
ROUNDS = 80


class Clock:
    now_s = 0

    def __call__(self):
        return self.now_s


def dataset(seed: int, customers: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features, labels and patterns of a simulation, as the server sees them."""
    policy = default_policy()
    policy.risk.Clear()  # no rule, no model: every feature vector of the simulation is recorded
    with tempfile.TemporaryDirectory() as data_dir:
        clock = Clock()
        engine = Engine(Journal(data_dir), policy=policy, clock=clock, default_model=False)
        rows, labels, patterns = [], [], []
        for payment, _, x in drive(engine, clock, Simulator(seed=seed, customers=customers, prefix=f"s{seed}")):
            rows.append(x)
            labels.append(int(payment.fraud))
            patterns.append(payment.pattern)
        engine.close()
    return np.asarray(rows), np.asarray(labels), patterns


def report(model_text: str, X: np.ndarray, y: np.ndarray, patterns: list[str]) -> dict:
    scorer = load_model(model_text, schema=features.NAMES)
    scores = scorer.predict(np.ascontiguousarray(X))
    risk = default_policy().risk
    out = {"rows": int(len(y)), "fraud_rows": int(y.sum()), "auc": round(float(roc_auc_score(y, scores)), 4)}
    for name, threshold in (("challenge", risk.challenge_score), ("decline", risk.decline_score)):
        flagged = scores >= threshold
        out[f"precision_at_{name}_{threshold}"] = round(float((flagged & (y == 1)).sum() / max(flagged.sum(), 1)), 4)
        out[f"recall_at_{name}_{threshold}"] = round(float((flagged & (y == 1)).sum() / max(y.sum(), 1)), 4)
    patterns_arr = np.asarray(patterns)
    out["flagged_at_challenge_by_pattern"] = {
        p: round(float((scores[patterns_arr == p] >= risk.challenge_score).mean()), 4) for p in ("normal", *PATTERNS)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only evaluate the shipped model")
    ns = parser.parse_args()
    if not ns.check:
        X, y, _ = dataset(seed=1, customers=1500)
        booster = lgb.train(PARAMS, lgb.Dataset(X, y, feature_name=features.NAMES), ROUNDS)
        MODEL_PATH.write_text(booster.model_to_string())
        print(f"wrote {MODEL_PATH.relative_to(ROOT)} ({MODEL_PATH.stat().st_size} bytes, {ROUNDS} trees) "
              f"from {len(y)} payments, {int(y.sum())} fraudulent", file=sys.stderr)
    X, y, patterns = dataset(seed=2, customers=1000)
    print(json.dumps(report(MODEL_PATH.read_text(), X, y, patterns), indent=2))


if __name__ == "__main__":
    main()
