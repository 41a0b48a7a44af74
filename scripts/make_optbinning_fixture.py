"""Write tests/fixtures/optbinning_scorecard.json: an optbinning Scorecard's summary table, the
applicants it was scored on, and optbinning's own scores of them.

optbinning needs ortools, which pins an older protobuf than authcore's contract, so this runs in
an environment of its own:
    python -m venv /tmp/ob && /tmp/ob/bin/pip install optbinning "pandas<3"
    /tmp/ob/bin/python scripts/make_optbinning_fixture.py
Features are integers (splits fall on .5, which the table prints exactly) and a category, with
missing values in both, so that the table's printed bins are exact."""

import json
import pathlib

import numpy as np
import pandas as pd
from optbinning import BinningProcess, Scorecard
from sklearn.linear_model import LogisticRegression

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "optbinning_scorecard.json"

rng = np.random.default_rng(0)
n = 2000
frame = pd.DataFrame({
    "age": rng.integers(18, 70, n).astype(float),
    "income": (rng.integers(1, 40, n) * 1000).astype(float),
    "city": rng.choice(["tier1", "tier2", "tier3", "rural"], n).astype(object),
})
frame.loc[rng.random(n) < 0.05, "income"] = np.nan
frame.loc[rng.random(n) < 0.05, "city"] = np.nan
noise = rng.random(n)
y = ((frame["age"] < 30).astype(int) + (frame["income"].fillna(0) < 8000) + (frame["city"] == "rural") + noise > 1.5)
process = BinningProcess(variable_names=["age", "income", "city"], categorical_variables=["city"])
card = Scorecard(binning_process=process, estimator=LogisticRegression(), scaling_method="pdo_odds",
                 scaling_method_params={"pdo": 20, "odds": 50, "scorecard_points": 600})
card.fit(frame, y.astype(int))
table = card.table(style="summary")
held_out = frame.sample(300, random_state=1)
rows = [{k: (None if (isinstance(v, float) and np.isnan(v)) or v is None or v is np.nan else v)
         for k, v in record.items()} for record in held_out.to_dict("records")]
binned = {name: card.binning_process_.get_binned_variable(name) for name in ["age", "income", "city"]}
table_rows = []
for _, row in table.iterrows():
    value = row["Bin"]
    if isinstance(value, (list, np.ndarray)):
        value = [str(v) for v in value]
    table_rows.append({"variable": row["Variable"], "bin": value, "points": float(row["Points"])})
OUT.write_text(json.dumps({"table": table_rows, "applicants": rows,
                           "scores": [float(s) for s in card.score(held_out)]}, indent=1))
print(f"wrote {OUT}")
