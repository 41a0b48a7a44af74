"""The decision audit: a row for every decision (Authorize, batch items, bulk items) in the
journal's transaction, kept across snapshots, pruned past its retention, exported as parquet
and CSV, and decided again from the recorded state under the recorded versions."""

from __future__ import annotations

import csv
import json
import pathlib
import shutil
import sqlite3
import sys

import grpc
import numpy as np
import pytest

from authcore.journal import audit
from authcore.decision import columns
from authcore.risk import features
from authcore._fast.state import ACCOUNT_DTYPE, BEHAVIOUR_DTYPE
from authcore.tools.cli import main as cli_main
from authcore.engine import Engine
from authcore.risk.models import LINEAR_FORMAT
from authcore.decision.policy import default_policy, tier_limits
from authcore.journal.store import Journal
from authcore.v1 import admin_pb2, authorization_pb2 as authz, common_pb2 as c

from helpers import call_error, journal_refusing_writes, rows_v1

DEVICE = authz.Device(device_id="phone-a", ip="10.1.2.3", latitude=31.23, longitude=121.47)


def amount_model(intercept: float, weight: float) -> bytes:
    coefficients = [weight if name == "amount" else 0.0 for name in features.NAMES]
    return json.dumps({"format": LINEAR_FORMAT, "features": features.NAMES, "coefficients": coefficients,
                       "intercept": intercept}).encode()


def traffic(client) -> list[tuple[str, int, int]]:
    """Unary, batch and bulk decisions across a policy change and a model change; returns
    (request_id, item, decision) of every decision made."""
    made = []

    def unary(amount, **fields):
        request = client.pay_request("acct-1", amount, device=DEVICE, **fields)
        made.append((request.request_id, 0, client.authz.Authorize(request).decision))

    def batch(*amounts):
        requests = [client.pay_request(f"acct-{1 + i % 2}", a, device=DEVICE) for i, a in enumerate(amounts)]
        answer = client.authz.AuthorizeBatch(authz.AuthorizeBatchRequest(requests=requests))
        made.extend((r.request_id, i, res.response.decision)
                    for i, (r, res) in enumerate(zip(requests, answer.results, strict=True)))

    def bulk(name, *amounts):
        payments = [client.pay_request(f"acct-{1 + i % 2}", a) for i, a in enumerate(amounts)]
        payments.append(client.pay_request("nobody", 100))  # not decided: no audit row
        answer = client.authz.AuthorizeBulk(columns.bulk_request(name, payments))
        made.extend((name, i, d) for i, d in enumerate(answer.decisions[:-1]))

    client.upsert("acct-1", 1_000_000, tier=c.TIER_STANDARD)
    client.upsert("acct-2", 50_000, tier=c.TIER_NEW)
    client.admin.SetRiskModel(admin_pb2.SetRiskModelRequest(request_id=client.rid(), model=amount_model(-4, 0.01),
                                                            version="amount-1"))
    unary(10_000)
    unary(60_000, factors=(1,))
    unary(5_000, merchant=authz.Merchant(merchant_id="casino", mcc="7995", country="CN"))
    batch(1_000, 2_000, 3_000, 90_000)
    bulk("chunk-1", 500, 700, 40_000)
    policy = default_policy()
    policy.version = "tight-1"
    tier_limits(policy, c.TIER_STANDARD).per_transaction_minor = 20_000
    client.admin.SetPolicy(admin_pb2.SetPolicyRequest(request_id=client.rid(), policy=policy))
    unary(30_000)
    batch(100, 25_000)
    client.admin.SetRiskModel(admin_pb2.SetRiskModelRequest(request_id=client.rid(), model=amount_model(-2, 0.01),
                                                            version="amount-2"))
    unary(15_000)
    unary(19_000, factors=(1, 2))
    bulk("chunk-2", 100, 18_000, 200)
    return made


def test_every_decision_is_exported_as_csv_with_its_features(client, data_dir, tmp_path):
    made = traffic(client)
    out = tmp_path / "audit.csv"
    assert audit.export(data_dir, "csv", out) == len(made)
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["request_id"], int(r["item"])) for r in rows] == [(rid, item) for rid, item, _ in made]
    assert [r["decision"] for r in rows] == [c.Decision.Name(d) for _, _, d in made]
    first = rows[0]
    assert (first["method"], first["account_id"], first["channel"], first["currency"]) == (
        "Authorize", "acct-1", "CHANNEL_WALLET", "CNY")
    assert float(first["feature_amount"]) == 100.0 and first["merchant_country"] == "CN"
    assert (first["policy_version"], first["model_version"]) == ("default-2026.1", "amount-1")
    assert len(bytes.fromhex(first["account_row"])) == ACCOUNT_DTYPE.itemsize
    casino = rows[2]
    assert casino["mcc"] == "7995" and "REASON_MERCHANT_CATEGORY_BLOCKED" in casino["reasons"].split("|")
    assert {r["method"] for r in rows} == {"Authorize", "AuthorizeBatch", "AuthorizeBulk"}
    assert rows[-1]["policy_version"] == "tight-1" and rows[-1]["model_version"] == "amount-2"


def test_parquet_export_reads_back(client, data_dir, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    made = traffic(client)
    out = tmp_path / "audit.parquet"
    assert audit.export(data_dir, "parquet", out) == len(made)
    table = pq.read_table(out)
    assert table.num_rows == len(made) and set(audit.COLUMNS) == set(table.column_names)
    assert str(table.schema.field("feature_amount").type) == "double"
    assert table.column("decision").to_pylist() == [c.Decision.Name(d) for _, _, d in made]
    scores = table.column("score").to_pylist()
    assert all(0 < s < 1 for s in scores), "every decision here is scored by a model"


def test_export_filters_by_time(client, clock, data_dir, tmp_path):
    client.upsert("acct", 1_000_000)
    client.pay("acct", 100)
    clock.advance(3600)
    client.pay("acct", 200)
    cutoff = audit.datetime.datetime.fromtimestamp(clock() - 60, audit.datetime.UTC).isoformat()
    out = tmp_path / "late.csv"
    assert audit.export(data_dir, "csv", out, since_s=audit.parse_time(cutoff)) == 1
    assert audit.export(data_dir, "csv", out, until_s=audit.parse_time(cutoff)) == 1


def test_replay_matches_every_decision_across_policy_and_model_changes(client, data_dir):
    made = traffic(client)
    report = audit.replay(data_dir)
    assert report["decisions"] == len(made) == 18
    assert {d for *_, d in made} == {c.DECISION_APPROVED, c.DECISION_DECLINED, c.DECISION_CHALLENGE}
    assert report["matched"] == len(made) and report["feature_mismatches"] == 0, report["mismatches"]


def tamper(data_dir, method: str, change) -> None:
    """Rewrite the first audit row of method through change(arrays)."""
    db = sqlite3.connect(data_dir / "authcore.db")
    seq, blob = db.execute("SELECT seq, data FROM audit WHERE method = ? ORDER BY seq LIMIT 1", (method,)).fetchone()
    arrays, strings = audit.decode(blob)
    arrays = {name: array.copy() for name, array in arrays.items()}
    change(arrays)
    db.execute("UPDATE audit SET data = ? WHERE seq = ?", (audit.encode(arrays, strings), seq))
    db.commit()
    db.close()


def test_a_tampered_audit_row_is_a_mismatch(client, engine, data_dir):
    made = traffic(client)
    engine.journal.audit_index.flush()  # the rows in the table, where tamper() changes them

    def raise_amount(arrays):
        arrays["inputs"][0, 2] += 50_000  # the recorded amount no longer gives the recorded answer

    def approve(arrays):
        # A declined batch item recorded as approved.
        declined = int(np.flatnonzero(arrays["outcome"][:, 0] == c.DECISION_DECLINED)[0])
        arrays["outcome"][declined, :2] = (c.DECISION_APPROVED, 0)
        arrays["answered"][declined] = (c.DECISION_APPROVED, c.REASON_APPROVED)
        tampered.append(int(arrays["items"][declined]))

    tampered: list[int] = []

    tamper(data_dir, "Authorize", raise_amount)
    tamper(data_dir, "AuthorizeBatch", approve)
    report = audit.replay(data_dir)
    assert report["matched"] == len(made) - 2
    differs = {(m["request_id"], m["item"]): m["differs"] for m in report["mismatches"]}
    assert "features" in differs[(made[0][0], 0)]
    batch_item = next((rid, item) for rid, item, _ in made if item == tampered[0] and rid.startswith("req-"))
    assert differs[batch_item] == ["decision", "reasons", "answered"]


def test_cli_export_and_replay(client, engine, data_dir, tmp_path, capsys):
    made = traffic(client)
    out = tmp_path / "audit.csv"
    assert cli_main(["audit", "export", "--data-dir", str(data_dir), "--format", "csv", "--out", str(out)]) == 0
    assert f"{len(made)} decisions written" in capsys.readouterr().out
    assert cli_main(["audit", "replay", "--data-dir", str(data_dir)]) == 0
    assert f"{len(made)} decisions replayed: {len(made)} match, 0 differ" in capsys.readouterr().out
    engine.journal.audit_index.flush()  # the rows in the table, where tamper() changes them
    tamper(data_dir, "AuthorizeBulk", lambda arrays: arrays["scores"].__setitem__(0, 0.5))
    assert cli_main(["audit", "replay", "--data-dir", str(data_dir), "--since", "2026-01-01T00:00:00Z"]) == 1
    assert "chunk-1 item 0: score" in capsys.readouterr().out


def test_cli_says_what_is_missing(client, data_dir, tmp_path, capsys, monkeypatch):
    client.upsert("acct", 1_000_000)
    client.pay("acct", 100)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    out = tmp_path / "audit.parquet"
    assert cli_main(["audit", "export", "--data-dir", str(data_dir), "--format", "parquet", "--out", str(out)]) == 2
    assert "pip install 'authcore[audit]'" in capsys.readouterr().err
    assert cli_main(["audit", "replay", "--data-dir", str(tmp_path / "empty")]) == 2
    assert "no journal" in capsys.readouterr().err


def test_audit_rows_come_with_their_journal_record_and_outlive_snapshots(client, engine, data_dir):
    client.upsert("acct", 1_000_000)
    client.pay("acct", 100)
    engine.snapshot()
    assert engine.journal.record_count() == 0
    assert engine.journal.db.execute("SELECT sum(decisions) FROM audit").fetchone() == (1,)
    # A decision whose record cannot be written leaves no audit row either: the row travels in it.
    seq = engine.journal.last_seq
    with journal_refusing_writes(engine.journal):
        for call in (lambda: client.pay("acct", 100),
                     lambda: client.authz.AuthorizeBatch(authz.AuthorizeBatchRequest(
                         requests=[client.pay_request("acct", 1)])),
                     lambda: client.authz.AuthorizeBulk(columns.bulk_request("b", [client.pay_request("acct", 1)]))):
            assert call_error(call).code() == grpc.StatusCode.UNAVAILABLE
    assert engine.journal.last_seq == seq
    assert engine.journal.record_count() == 0
    assert int(engine.ledger.row(0)["held"]) == 100, "the refused decisions placed no hold"
    engine.journal.audit_index.flush()
    assert engine.journal.db.execute("SELECT sum(decisions) FROM audit").fetchone() == (1,)
    # The table out of reach does not stop decisions: their rows wait in their records, and are
    # indexed once it is back (read from the segment files).
    engine.journal.db.execute("ALTER TABLE audit RENAME TO audit_gone")
    assert client.pay("acct", 100).decision == c.DECISION_APPROVED
    with pytest.raises(sqlite3.OperationalError):
        engine.journal.audit_index.flush()
    engine.journal.db.execute("ALTER TABLE audit_gone RENAME TO audit")
    engine.journal.audit_index.flush()
    assert engine.journal.db.execute("SELECT sum(decisions) FROM audit").fetchone() == (2,)


def test_retention_prunes_old_rows_only(data_dir, clock):
    engine = Engine(Journal(data_dir), clock=clock, default_model=False, audit_retention_s=86400)
    try:
        engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="u", account_id="acct",
                                                             credit_limit_minor=1_000_000))
        request = authz.AuthorizeRequest(account_id="acct", channel=c.CHANNEL_WALLET, amount_minor=100,
                                         currency="CNY", merchant=authz.Merchant(merchant_id="m", mcc="5411"))
        for i in range(3):
            request.request_id = f"old-{i}"
            engine.authorize(request)
        clock.advance(2 * 86400)
        request.request_id = "new"
        engine.authorize(request)
        engine.journal.audit_index.flush()
        assert engine.prune_audit() == 1
        assert engine.journal.db.execute("SELECT request_id FROM audit").fetchall() == [("new",)]
        assert engine.prune_audit() == 0
    finally:
        engine.close()


def test_audit_can_be_left_out_for_measurement(data_dir, clock):
    engine = Engine(Journal(data_dir), clock=clock, default_model=False, audit=False)
    try:
        engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="u", account_id="acct",
                                                             credit_limit_minor=1_000_000))
        engine.authorize(authz.AuthorizeRequest(request_id="r", account_id="acct", channel=c.CHANNEL_WALLET,
                                                amount_minor=100, currency="CNY",
                                                merchant=authz.Merchant(merchant_id="m", mcc="5411")))
        assert engine.journal.db.execute("SELECT count(*) FROM audit").fetchone() == (0,)
    finally:
        engine.close()


def test_encoding_writes_each_arrays_bytes_in_c_order_whatever_its_memory():
    """A column, a transposed table, an empty array and a scalar: each written as tobytes()
    writes it, after the header."""
    table = np.arange(24, dtype=np.int64).reshape(4, 6)
    arrays = {"column": table[:, 2], "transposed": table.T, "empty": np.zeros((0, 7)), "scalar": np.float64(2.5),
              "bytes": np.arange(10, dtype=np.uint8).reshape(2, 5)[:, ::2], "flags": np.array([True, False])}
    blob = audit.encode(arrays, {})
    expected = b"".join(np.ascontiguousarray(a).tobytes() for a in arrays.values())
    assert blob.endswith(expected)
    decoded, _ = audit.decode(blob)
    for name, array in arrays.items():
        assert np.array_equal(decoded[name], np.ascontiguousarray(array)), name


def test_encoding_round_trips_and_refuses_other_layouts():
    arrays = {"a": np.arange(6, dtype=np.int64).reshape(2, 3), "b": np.array([1.5, np.nan])}
    blob = audit.encode(arrays, {"ids": ["x", "y"]})
    decoded, strings = audit.decode(blob)
    assert np.array_equal(decoded["a"], arrays["a"]) and np.isnan(decoded["b"][1]) and strings == {"ids": ["x", "y"]}
    with pytest.raises(audit.AuditError):
        audit.decode(blob + b"\0")
    magic, size = audit._HEADER.unpack_from(blob)
    header = json.loads(blob[audit._HEADER.size:audit._HEADER.size + size])
    header["layout"]["account"] += 8
    text = json.dumps(header).encode()
    with pytest.raises(audit.AuditError, match="layout"):
        audit.decode(audit._HEADER.pack(magic, len(text)) + text + blob[audit._HEADER.size + size:])


def test_a_chunks_row_is_kept_compressed_and_replays(client, engine, data_dir):
    """A bulk chunk's audit row is kept compressed (a unary one is not), decodes to the same
    columns, replays, and a damaged one is an AuditError."""
    client.upsert("acct-1", 10_000_000, tier=c.TIER_PREMIUM)
    client.upsert("acct-2", 50_000, tier=c.TIER_NEW)
    client.pay("acct-1", 1_000)
    payments = [client.pay_request(f"acct-{1 + i % 2}", 1_000 + 700 * i) for i in range(80)]
    answer = client.authz.AuthorizeBulk(columns.bulk_request("big-chunk", payments))
    assert {c.DECISION_APPROVED, c.DECISION_DECLINED} <= set(answer.decisions)
    engine.journal.audit_index.flush()
    db = sqlite3.connect(data_dir / "authcore.db")
    rows = dict(db.execute("SELECT method, data FROM audit").fetchall())
    db.close()
    unary, chunk = rows["Authorize"], rows["AuthorizeBulk"]
    assert unary[:4] == audit.MAGIC and chunk[:4] == audit.COMPRESSED
    arrays, strings = audit.decode(chunk)
    assert len(strings["account_ids"]) == 80 and arrays["features"].shape == (80, features.N_FEATURES)
    plain = audit._HEADER.unpack_from(chunk)[1]
    assert plain >= audit.COMPRESS_FROM_BYTES and len(chunk) * 3 < plain
    assert audit.encode(arrays, strings) == chunk  # the same bytes again
    report = audit.replay(data_dir)
    assert report["decisions"] == 81 and report["matched"] == 81, report["mismatches"]
    tiny = audit._HEADER.pack(audit.COMPRESSED, 3) + audit.zstandard.ZstdCompressor().compress(b"abc")
    for damaged in (chunk[:-10], chunk[:12] + bytes(len(chunk) - 12), chunk[:4] + (1 << 30).to_bytes(4, "little"),
                    tiny, chunk[:5]):
        with pytest.raises(audit.AuditError):
            audit.decode(damaged)


def test_stand_in_decisions_are_recorded_and_replayed(data_dir, clock, tmp_path):
    """A payment decided by the stand-in (too little of the deadline left) is replayed as one."""
    engine = Engine(Journal(data_dir), clock=clock)
    try:
        engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="u", account_id="acct",
                                                             credit_limit_minor=1_000_000))
        request = authz.AuthorizeRequest(account_id="acct", channel=c.CHANNEL_WALLET, amount_minor=100,
                                         currency="CNY", merchant=authz.Merchant(merchant_id="m", mcc="5411"))
        request.request_id = "scored"
        scored, _ = engine.authorize(request)
        request.request_id = "stood-in"
        stood_in, _ = engine.authorize(request, deadline_s=0.000_5)
        assert scored.risk.score == scored.risk.score and stood_in.risk.score != stood_in.risk.score  # NaN
    finally:
        engine.close()
    out = tmp_path / "audit.csv"
    assert audit.export(data_dir, "csv", out) == 2
    with open(out, newline="") as f:
        assert [(r["request_id"], r["stand_in"]) for r in csv.DictReader(f)] == [("scored", "False"),
                                                                                 ("stood-in", "True")]
    report = audit.replay(data_dir)
    assert (report["decisions"], report["matched"]) == (2, 2), report["mismatches"]


def test_audit_rows_of_the_old_row_layouts_still_decode_and_replay(client, engine, data_dir, tmp_path, capsys,
                                                                   monkeypatch):
    """Audit rows written before the account and behaviour rows were narrowed (their LAYOUT header
    says 168 B and 264 B) decode to rows of the current layouts, export, and replay: every decision
    matches (features and score to the narrowed precision)."""
    made = traffic(client)
    engine.journal.audit_index.flush()  # the rows in the table, where they are rewritten
    db = sqlite3.connect(data_dir / "authcore.db")
    narrowed, hashes = {}, set()
    found = db.execute("SELECT seq, data FROM audit ORDER BY seq").fetchall()
    for _, blob in found:
        hashes.update(h & 0xFFFFFFFFFFFFFFFF for h in audit.decode(blob)[0]["inputs"][:, 6:8].reshape(-1).tolist())
    hashes = sorted(hashes - {0})
    for seq, blob in found:
        arrays, strings = audit.decode(blob)
        arrays = {name: array.copy() for name, array in arrays.items()}
        narrowed[seq] = (arrays["accounts"].copy(), arrays["behaviour"].copy())
        old_accounts, old_behaviour = rows_v1(arrays["accounts"].view(ACCOUNT_DTYPE).reshape(-1),
                                              arrays["behaviour"].view(BEHAVIOUR_DTYPE).reshape(-1), hashes)
        arrays["accounts"] = old_accounts.view(np.uint8).reshape(len(old_accounts), 168)
        arrays["behaviour"] = old_behaviour.view(np.uint8).reshape(len(old_behaviour), 264)
        with monkeypatch.context() as m:
            m.setattr(audit, "_LAYOUT_JSON", json.dumps(audit.LAYOUT_V1, separators=(",", ":")))
            old_blob = audit.encode(arrays, strings)
        assert b'"account":168,"behaviour":264' in old_blob
        db.execute("UPDATE audit SET data = ? WHERE seq = ?", (old_blob, seq))
    db.commit()
    # Each old row decodes to the bytes of the narrowed rows it was made from.
    for seq, blob in db.execute("SELECT seq, data FROM audit ORDER BY seq").fetchall():
        arrays, _ = audit.decode(blob)
        assert arrays["accounts"].tobytes() == narrowed[seq][0].tobytes()
        assert arrays["behaviour"].tobytes() == narrowed[seq][1].tobytes()
    db.close()

    report = audit.replay(data_dir)
    assert (report["decisions"], report["matched"], report["converted"]) == (len(made),) * 3, report["mismatches"]
    assert cli_main(["audit", "replay", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert f"{len(made)} decisions replayed: {len(made)} match, 0 differ" in out
    assert f"{len(made)} of them recorded with the row layouts before narrowing" in out
    assert audit.export(data_dir, "csv", tmp_path / "old.csv") == len(made)
    with open(tmp_path / "old.csv", newline="") as f:
        assert {len(bytes.fromhex(r["behaviour_row"])) for r in csv.DictReader(f)} == {BEHAVIOUR_DTYPE.itemsize}


@pytest.mark.parametrize("kind", ["plain", "snapshot"])
def test_audit_rows_written_by_builds_before_narrowing_replay(kind, tmp_path, capsys):
    """The audit rows of tests/fixtures/journal-v1 were written with the row layouts before
    narrowing (float64 amounts, 64-bit device hashes): every decision replays to the same decision,
    reasons and max approvable from the converted rows."""
    fixture = pathlib.Path(__file__).resolve().parent / "fixtures" / "journal-v1" / kind / "authcore.db"
    db = sqlite3.connect(f"file:{fixture}?mode=ro", uri=True)
    (blob,) = db.execute("SELECT data FROM audit ORDER BY seq LIMIT 1").fetchone()
    db.close()
    assert b'"account":168,"behaviour":264' in blob
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(fixture, data_dir / "authcore.db")
    report = audit.replay(data_dir)
    assert report["decisions"] >= 18 and report["matched"] == report["converted"] == report["decisions"], report
    assert report["feature_mismatches"] == 0
    assert cli_main(["audit", "replay", "--data-dir", str(data_dir)]) == 0
    assert f"{report['decisions']} decisions replayed: {report['decisions']} match, 0 differ" in capsys.readouterr().out
