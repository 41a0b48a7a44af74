"""Stored versions of the policy, the risk model and the scorecard: one content per version,
rollback by ActivateVersion, stored with the activating record, kept across snapshots and
restarts; hot reload of the policy and model files; versions stamped on every decision."""

from __future__ import annotations

import json
import logging
import os

import grpc
import pytest
from google.protobuf import json_format

from authcore.journal import segments
from authcore.decision import columns
from authcore.api import config as config_mod
from authcore.risk import features
from authcore.tools.cli import build_engine
from authcore.engine import DEFAULT_MODEL_VERSION, Engine
from authcore.errors import AuthcoreError
from authcore.risk.models import LINEAR_FORMAT
from authcore.decision.policy import default_policy, tier_limits
from authcore.api.reload import FileWatcher
from authcore.journal.store import Journal
from authcore.v1 import admin_pb2, authorization_pb2 as authz, common_pb2 as c, credit_pb2

from helpers import call_error, error_reason, violated_fields

POLICY, MODEL, CARD = admin_pb2.VERSION_KIND_POLICY, admin_pb2.VERSION_KIND_RISK_MODEL, admin_pb2.VERSION_KIND_SCORECARD


def linear_model(intercept: float, amount_weight: float = 0.0) -> bytes:
    coefficients = [amount_weight if name == "amount" else 0.0 for name in features.NAMES]
    return json.dumps({"format": LINEAR_FORMAT, "features": features.NAMES, "coefficients": coefficients,
                       "intercept": intercept}).encode()


def tight_policy(version: str, per_transaction_minor: int = 5_000):
    policy = default_policy()
    policy.version = version
    tier_limits(policy, c.TIER_STANDARD).per_transaction_minor = per_transaction_minor
    return policy


def listed(client, kind=admin_pb2.VERSION_KIND_UNSPECIFIED) -> dict[tuple[int, str], bool]:
    response = client.admin.ListVersions(admin_pb2.ListVersionsRequest(kind=kind))
    return {(v.kind, v.version): v.active for v in response.versions}


def activate(client, kind, version, request_id=None):
    return client.admin.ActivateVersion(admin_pb2.ActivateVersionRequest(
        request_id=request_id or client.rid(), kind=kind, version=version))


def test_policy_versions_are_stored_listed_and_rolled_back(client, clock):
    client.upsert("acct", 10_000_000, tier=c.TIER_STANDARD)
    assert listed(client, POLICY) == {(POLICY, "default-2026.1"): True}
    clock.advance(10)
    client.admin.SetPolicy(admin_pb2.SetPolicyRequest(request_id=client.rid(), policy=tight_policy("tight-1")))
    assert listed(client, POLICY) == {(POLICY, "default-2026.1"): False, (POLICY, "tight-1"): True}
    first = client.admin.ListVersions(admin_pb2.ListVersionsRequest(kind=POLICY)).versions[0]
    assert first.version == "tight-1", "latest activation first"
    assert first.content_digest.startswith("sha256:") and first.content_bytes > 0
    declined = client.pay("acct", 10_000)
    assert (declined.reason, declined.policy_version) == (c.REASON_TRANSACTION_LIMIT_EXCEEDED, "tight-1")

    stored = client.admin.GetVersion(admin_pb2.GetVersionRequest(kind=POLICY, version="tight-1"))
    assert stored.policy == tight_policy("tight-1") and stored.version.active

    clock.advance(10)
    rolled = activate(client, POLICY, "default-2026.1").version
    assert rolled.active and rolled.activated_at.seconds == int(clock()) and rolled.first_activated_at.seconds < int(clock())
    approved = client.pay("acct", 10_000)
    assert (approved.decision, approved.policy_version) == (c.DECISION_APPROVED, "default-2026.1")
    assert client.admin.GetPolicy(admin_pb2.GetPolicyRequest()).policy == default_policy()
    assert listed(client, POLICY) == {(POLICY, "default-2026.1"): True, (POLICY, "tight-1"): False}


def test_other_content_under_a_stored_version_is_refused(client):
    client.admin.SetPolicy(admin_pb2.SetPolicyRequest(request_id=client.rid(), policy=tight_policy("tight-1")))
    client.admin.SetPolicy(admin_pb2.SetPolicyRequest(request_id=client.rid(), policy=tight_policy("tight-2", 7_000)))
    # tight-1 is stored, though not active: other contents under its name are refused all the same.
    error = call_error(client.admin.SetPolicy, admin_pb2.SetPolicyRequest(
        request_id=client.rid(), policy=tight_policy("tight-1", 9_000)))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and error_reason(error) == "POLICY_VERSION_EXISTS"
    assert "tight-1" in error.details()
    # The same contents again is a rollback to it.
    client.admin.SetPolicy(admin_pb2.SetPolicyRequest(request_id=client.rid(), policy=tight_policy("tight-1")))
    assert client.admin.GetPolicy(admin_pb2.GetPolicyRequest()).policy.version == "tight-1"

    model = linear_model(-3.0)
    client.admin.SetRiskModel(admin_pb2.SetRiskModelRequest(request_id=client.rid(), model=model, version="m-1"))
    error = call_error(client.admin.SetRiskModel, admin_pb2.SetRiskModelRequest(
        request_id=client.rid(), model=linear_model(-2.0), version="m-1"))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and error_reason(error) == "MODEL_VERSION_EXISTS"

    card = credit_pb2.Scorecard.FromString(scorecard_bytes("card-1"))
    client.admin.SetScorecard(admin_pb2.SetScorecardRequest(request_id=client.rid(), scorecard=card))
    card.base_points += 10
    error = call_error(client.admin.SetScorecard, admin_pb2.SetScorecardRequest(request_id=client.rid(), scorecard=card))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and error_reason(error) == "SCORECARD_VERSION_EXISTS"


def scorecard_bytes(version: str) -> bytes:
    card = credit_pb2.Scorecard(version=version, base_points=600, variables=[credit_pb2.ScorecardVariable(
        name="age", bins=[credit_pb2.ScorecardBin(label="all", ranges=[credit_pb2.NumericRange(
            lower=float("-inf"), upper=float("inf"))], missing=True, points=10)])],
        bands=[credit_pb2.CreditBand(min_score=0, tier=c.TIER_NEW, credit_limit_minor=100_000)])
    return card.SerializeToString()


def test_reactivating_the_active_version_changes_nothing(client, engine, clock):
    client.admin.SetPolicy(admin_pb2.SetPolicyRequest(request_id=client.rid(), policy=tight_policy("tight-1")))
    before = client.admin.ListVersions(admin_pb2.ListVersionsRequest()).versions
    seq = engine.journal.last_seq
    clock.advance(60)
    client.admin.SetPolicy(admin_pb2.SetPolicyRequest(request_id=client.rid(), policy=tight_policy("tight-1")))
    again = activate(client, POLICY, "tight-1").version
    assert again.active and again.activated_at == before[0].activated_at
    assert client.admin.ListVersions(admin_pb2.ListVersionsRequest()).versions == before
    effects = [(r.effect or None,) for r in segments.read_records(engine.journal.segments_dir, seq)]
    assert effects == [(None,), (None,)], "recorded for their request_ids, with no effect"


def test_models_and_scorecards_roll_back_and_stamp_decisions(client):
    client.upsert("acct", 10_000_000, tier=c.TIER_STANDARD)
    assert client.pay("acct", 100).risk.model_version == ""  # the test engine starts without a model
    client.admin.SetRiskModel(admin_pb2.SetRiskModelRequest(request_id=client.rid(), model=linear_model(-3), version="m-1"))
    unnamed = linear_model(-4)
    info = client.admin.SetRiskModel(admin_pb2.SetRiskModelRequest(request_id=client.rid(), model=unnamed)).model
    assert info.version.startswith("sha256:")
    assert client.pay("acct", 100).risk.model_version == info.version
    activate(client, MODEL, "m-1")
    assert client.pay("acct", 100).risk.model_version == "m-1"
    assert client.admin.GetRiskModel(admin_pb2.GetRiskModelRequest()).model.version == "m-1"
    stored = client.admin.GetVersion(admin_pb2.GetVersionRequest(kind=MODEL, version=info.version))
    assert stored.risk_model == unnamed and not stored.version.active

    client.admin.SetScorecard(admin_pb2.SetScorecardRequest(
        request_id=client.rid(), scorecard=credit_pb2.Scorecard.FromString(scorecard_bytes("card-1"))))
    client.admin.SetScorecard(admin_pb2.SetScorecardRequest(
        request_id=client.rid(), scorecard=credit_pb2.Scorecard.FromString(scorecard_bytes("card-2"))))
    activate(client, CARD, "card-1")
    assert client.admin.GetScorecard(admin_pb2.GetScorecardRequest()).scorecard.version == "card-1"
    assert listed(client, CARD) == {(CARD, "card-1"): True, (CARD, "card-2"): False}


def test_activate_and_get_refuse_unknown_and_malformed(client):
    error = call_error(activate, client, POLICY, "never-stored")
    assert error.code() == grpc.StatusCode.NOT_FOUND
    error = call_error(client.admin.GetVersion, admin_pb2.GetVersionRequest(kind=MODEL, version="never-stored"))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    error = call_error(activate, client, admin_pb2.VERSION_KIND_UNSPECIFIED, "")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and set(violated_fields(error)) == {"kind", "version"}
    error = call_error(client.admin.ListVersions, admin_pb2.ListVersionsRequest(page_size=5_000))
    assert violated_fields(error) == ["page_size"]


def test_list_versions_pages(client):
    for i in range(5):
        client.admin.SetPolicy(admin_pb2.SetPolicyRequest(request_id=client.rid(), policy=tight_policy(f"p-{i}", 100 + i)))
    seen, token = [], ""
    while True:
        page = client.admin.ListVersions(admin_pb2.ListVersionsRequest(kind=POLICY, page_size=2, page_token=token))
        assert len(page.versions) <= 2
        seen += [v.version for v in page.versions]
        token = page.next_page_token
        if not token:
            break
    assert sorted(seen) == sorted(["default-2026.1", *(f"p-{i}" for i in range(5))])


def test_versions_survive_snapshots_and_restarts(data_dir, clock):
    engine = Engine(Journal(data_dir), clock=clock)
    engine.set_policy(admin_pb2.SetPolicyRequest(request_id="p1", policy=tight_policy("tight-1")))
    engine.set_risk_model(admin_pb2.SetRiskModelRequest(request_id="m1", model=linear_model(-3), version="m-1"))
    engine.snapshot()
    assert engine.journal.record_count() == 0
    engine.close()
    again = Engine(Journal(data_dir), clock=clock)
    try:
        kinds = {(v.kind, v.version): v.active for v in again.list_versions(admin_pb2.ListVersionsRequest()).versions}
        assert kinds == {(POLICY, "default-2026.1"): False, (POLICY, "tight-1"): True,
                         (MODEL, DEFAULT_MODEL_VERSION): False, (MODEL, "m-1"): True}
        again.activate_version(admin_pb2.ActivateVersionRequest(request_id="a1", kind=MODEL,
                                                                version=DEFAULT_MODEL_VERSION))
        assert again.model_info.version == DEFAULT_MODEL_VERSION
    finally:
        again.close()


def test_a_version_is_stored_in_the_transaction_of_its_record(client, engine):
    """No record without its version row: the row is written first, and when it cannot be, the
    record is not written either."""
    engine.journal.db.execute("DROP TABLE versions")
    seq = engine.journal.last_seq
    error = call_error(client.admin.SetPolicy, admin_pb2.SetPolicyRequest(request_id="p1", policy=tight_policy("t")))
    assert error.code() == grpc.StatusCode.UNAVAILABLE
    assert engine.journal.last_seq == seq and engine.journal.record_count() == seq
    assert engine.ledger.policy.version == "default-2026.1"


def test_batch_and_bulk_answers_carry_the_versions(client):
    client.upsert("acct", 10_000_000, tier=c.TIER_STANDARD)
    client.admin.SetPolicy(admin_pb2.SetPolicyRequest(request_id=client.rid(), policy=tight_policy("tight-1")))
    client.admin.SetRiskModel(admin_pb2.SetRiskModelRequest(request_id=client.rid(), model=linear_model(-3), version="m-1"))
    batch = client.authz.AuthorizeBatch(authz.AuthorizeBatchRequest(
        requests=[client.pay_request("acct", 100), client.pay_request("acct", 10_000)]))
    for result in batch.results:
        assert (result.response.policy_version, result.response.risk.model_version) == ("tight-1", "m-1")
    bulk = client.authz.AuthorizeBulk(columns.bulk_request("chunk-1", [client.pay_request("acct", 100)]))
    assert (bulk.policy_version, bulk.model_version) == ("tight-1", "m-1")


# -- hot reload ---------------------------------------------------------------------------------


def write_policy(path, policy) -> None:
    path.write_text(json.dumps(json_format.MessageToDict(policy)))
    # A distinct modification time even on file systems with coarse timestamps.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_policy_and_model_files_are_watched(tmp_path, engine, caplog):
    policy_file, model_file = tmp_path / "policy.json", tmp_path / "model.json"
    write_policy(policy_file, tight_policy("file-1"))
    model_file.write_bytes(linear_model(-3))
    watcher = FileWatcher(engine, str(policy_file), str(model_file))
    activated = watcher.poll(strict=True)
    assert activated[0] == "file-1" and activated[1].startswith("sha256:")
    assert watcher.poll() == [], "unchanged files are not read again"

    write_policy(policy_file, tight_policy("file-2", 6_000))
    assert watcher.poll() == ["file-2"] and engine.ledger.policy.version == "file-2"

    caplog.set_level(logging.ERROR, "authcore.reload")
    for broken in ("{not json", json.dumps({"version": "file-3", "holdTtlSeconds": 1})):
        policy_file.write_text(broken)
        os.utime(policy_file, ns=(0, policy_file.stat().st_mtime_ns + 2_000_000_000))
        assert watcher.poll() == []
        assert engine.ledger.policy.version == "file-2"
    write_policy(policy_file, tight_policy("file-1", 9_999))
    assert watcher.poll() == [] and engine.ledger.policy.version == "file-2"
    refusals = [r.getMessage() for r in caplog.records if "not activated" in r.getMessage()]
    assert len(refusals) == 3 and "'file-1' is stored with other contents" in refusals[-1]

    model_version = engine.model_info.version
    model_file.write_bytes(b"tree\nnot a model")
    assert watcher.poll() == [] and engine.model_info.version == model_version
    model_file.write_bytes(linear_model(-5, 0.001))
    (version,) = watcher.poll()
    assert engine.model_info.version == version != model_version


def test_build_engine_applies_the_files_at_start_and_refuses_a_bad_one(tmp_path):
    policy_file, model_file = tmp_path / "policy.json", tmp_path / "model.json"
    write_policy(policy_file, tight_policy("file-1"))
    model_file.write_bytes(linear_model(-3))
    cfg = config_mod.Config(data_dir=str(tmp_path / "data"), policy_file=str(policy_file), model_file=str(model_file))
    engine = build_engine(cfg)
    try:
        assert engine.ledger.policy.version == "file-1" and engine.model_info.version.startswith("sha256:")
        assert [t for t in engine.periodic if isinstance(getattr(t, "__self__", None), FileWatcher)]
    finally:
        engine.close()
    model_file.write_bytes(b"{}")
    with pytest.raises(AuthcoreError, match="model"):
        build_engine(cfg)
