"""Journal records carry typed effects (authcore.v1.JournalEffect, serialized), and journals written
before that still start with the same state: those with effects as JSON text, and those with typed
effects in the SQLite `journal` table (both moved into segment files on their first start).

tests/fixtures/journal-v0 holds two data dirs made by scripts/make_journal_v0_fixture.py on the
code of commit f3b4a24, which wrote JSON effects: plain/ (every kind of effect, replayed from the
first record) and snapshot/ (a snapshot of that code, then every kind of effect after it).
tests/fixtures/journal-v1 holds the same two, made by the same script (--typed) on the code of
commit 7c3c35f, the last to keep the records in the `journal` table. Each has beside it the
GetAccount answer of every account at the time they were taken, the active versions, and
requests whose replay must give the stored answer."""

from __future__ import annotations

import base64
import json
import math
import pathlib
import shutil
import sqlite3

import numpy as np
import pytest
from google.protobuf import json_format

from authcore.journal import effects, segments
from authcore.decision.columns import bulk_request
from authcore.engine import Engine
from authcore.journal.store import Journal, JournalCorrupt
from authcore.v1 import account_pb2, admin_pb2, authorization_pb2 as authz, common_pb2 as c

from conftest import Clock
from helpers import rewrite_records

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "journal-v0"
TYPED_FIXTURES = FIXTURES.parent / "journal-v1"
JSON_KINDS = {"hold", "holds", "capture", "void", "expire", "refund", "repay", "account", "auto", "policy", "model",
              "scorecard"}
# The requests the fixture keeps for replay: method -> (request type, engine method).
REPLAYED = {
    "Authorize": (authz.AuthorizeRequest, "authorize"),
    "AuthorizeBulk": (authz.AuthorizeBulkRequest, "authorize_bulk"),
    "Capture": (authz.CaptureRequest, "capture"),
    "UpsertAccount": (admin_pb2.UpsertAccountRequest, "upsert_account"),
}
RESPONSES = {"Authorize": authz.AuthorizeResponse, "AuthorizeBulk": authz.AuthorizeBulkResponse,
             "Capture": authz.CaptureResponse, "UpsertAccount": admin_pb2.UpsertAccountResponse}


def copied(fixtures: pathlib.Path, kind: str, tmp_path: pathlib.Path) -> tuple:
    """A copy of a fixture data dir (opening a journal writes to it), and what it must answer."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(fixtures / kind / "authcore.db", data / "authcore.db")
    return kind, data, json.loads((fixtures / kind / "expected.json").read_text())


@pytest.fixture(params=["plain", "snapshot"])
def old(request, tmp_path):
    """A journal of JSON effects (journal-v0)."""
    return copied(FIXTURES, request.param, tmp_path)


@pytest.fixture(params=["v0-plain", "v0-snapshot", "v1-plain", "v1-snapshot"])
def stored(request, tmp_path):
    """A journal of either form of the SQLite journal table: JSON effects (v0) or typed ones (v1)."""
    form, kind = request.param.split("-")
    return copied(FIXTURES if form == "v0" else TYPED_FIXTURES, kind, tmp_path)


# Effects added after the typed fixtures were written (tests/test_mutation_order.py and
# tests/test_import_accounts.py replay them from segment files).
NEWER = {"holds_dropped", "accounts_imported"}


def test_the_typed_fixtures_hold_every_kind_of_effect_in_the_journal_table():
    for kind in ("plain", "snapshot"):
        db = sqlite3.connect(f"file:{TYPED_FIXTURES / kind / 'authcore.db'}?mode=ro", uri=True)
        try:
            stored = [effect for (effect,) in db.execute("SELECT effect FROM journal WHERE effect IS NOT NULL")]
            schema = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        finally:
            db.close()
        assert schema == ("3",)
        expected = json.loads((TYPED_FIXTURES / kind / "expected.json").read_text())
        assert len(stored) == expected["records"]
        kinds = {effects.JournalEffect.FromString(effect).WhichOneof("effect") for effect in stored}
        assert kinds == {f.name for f in effects.JournalEffect.DESCRIPTOR.oneofs_by_name["effect"].fields} - NEWER


def start(data: pathlib.Path, expected: dict) -> Engine:
    return Engine(Journal(data), clock=Clock(expected["now_s"]), default_model=False)


def account_answers(engine: Engine) -> dict:
    return {account_id: json_format.MessageToDict(
        engine.get_account(account_pb2.GetAccountRequest(account_id=account_id)), preserving_proto_field_name=True)
        for account_id in engine.ledger.account_ids}


def test_the_fixtures_hold_every_kind_of_effect_as_json(old):
    kind, data, expected = old
    db = sqlite3.connect(data / "authcore.db")
    try:
        stored = [effect for (effect,) in db.execute("SELECT effect FROM journal WHERE effect IS NOT NULL")]
        snapshots = db.execute("SELECT count(*) FROM snapshot").fetchone()[0]
    finally:
        db.close()
    assert len(stored) == expected["records"]
    assert all(isinstance(effect, str) and effect.startswith("{") for effect in stored)
    assert {json.loads(effect)["t"] for effect in stored} == JSON_KINDS
    assert snapshots == (1 if kind == "snapshot" else 0)
    assert (FIXTURES / kind / "authcore.db").stat().st_size < 256 << 10


def test_an_old_journal_starts_with_the_same_accounts_and_versions(stored):
    kind, data, expected = stored
    engine = start(data, expected)
    try:
        assert engine.replayed_records > 0
        assert (engine.snapshot_seq > 0) == (kind == "snapshot")
        assert account_answers(engine) == expected["accounts"]
        assert engine.ledger.policy.version == expected["policy_version"]
        assert engine.model_info.version == expected["model_version"]
        assert engine.scorecard.card.version == expected["scorecard_version"]
    finally:
        engine.close()


def test_an_old_journal_replays_request_ids_with_their_stored_answers(stored):
    _, data, expected = stored
    engine = start(data, expected)
    try:
        assert {r["method"] for r in expected["replays"]} == set(REPLAYED)
        for kept in expected["replays"]:
            request_type, method = REPLAYED[kept["method"]]
            request = request_type.FromString(base64.b64decode(kept["request"]))
            response, replayed = getattr(engine, method)(request)
            assert replayed, kept["method"]
            assert response == RESPONSES[kept["method"]].FromString(base64.b64decode(kept["response"]))
        assert account_answers(engine) == expected["accounts"], "a replay changes nothing"
    finally:
        engine.close()


def test_a_journal_of_both_forms_restarts_to_the_same_state(stored):
    """New records after old ones (JSON, typed on the way into the segment files): the digest chain
    runs on across them."""
    _, data, expected = stored
    engine = start(data, expected)
    request = authz.AuthorizeRequest(request_id="new-1", account_id="a1", channel=c.CHANNEL_WALLET, amount_minor=3_000,
                                     currency="CNY", merchant=authz.Merchant(merchant_id="m-2", mcc="5411"),
                                     verification=authz.Verification(factors=[1, 2]))
    approved, _ = engine.authorize(request)
    assert approved.decision == c.DECISION_APPROVED
    engine.capture(authz.CaptureRequest(request_id="new-2", authorization_id=approved.authorization_id,
                                        currency="CNY"))
    engine.authorize_bulk(bulk_request("new-3", [request] * 3))
    engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="new-4", account_id="a2",
                                                         credit_limit_minor=900_000, overdue_minor=0))
    answers, before = account_answers(engine), state_of(engine)
    engine.close()

    stored = [r.effect for r in segments.read_records(data / "journal") if r.effect]
    assert len(stored) == expected["records"] + 4
    assert all(effects.JournalEffect.FromString(effect).format == effects.FORMAT for effect in stored)
    db = sqlite3.connect(data / "authcore.db")
    assert db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'journal'").fetchone() == (0,)
    db.close()
    restarted = start(data, expected)
    try:
        assert account_answers(restarted) == answers
        after = state_of(restarted)
        assert before[2] == after[2]
        assert (before[0] == after[0]).all()
        for name in before[1].dtype.names:
            assert np.array_equal(before[1][name], after[1][name], equal_nan=True), name
        _, replayed = restarted.authorize(request)
        assert replayed
    finally:
        restarted.close()


def state_of(engine: Engine) -> tuple:
    """The account rows, behaviour rows and holds of an engine, copied."""
    ledger, n = engine.ledger, engine.ledger.n_accounts
    holds = sorted((h.authorization_id, h.slot, h.channel, h.state, h.amount, h.captured, h.refunded, h.flags,
                    h.day_index, h.month_index, h.created_s, h.expires_s, h.term, h.rate_bps)
                   for h in ledger.holds.values())
    return ledger.accounts[:n].copy(), ledger.behaviour[:n].copy(), holds


def test_a_changed_old_record_still_stops_the_start(old):
    _, data, expected = old
    db = sqlite3.connect(data / "authcore.db")
    seq = db.execute("SELECT max(seq) FROM journal WHERE effect LIKE '%\"t\": \"capture\"%'").fetchone()[0]
    db.execute("UPDATE journal SET effect = replace(effect, '\"amt\": ', '\"amt\": 9') WHERE seq = ?", (seq,))
    db.commit()
    db.close()
    with pytest.raises(JournalCorrupt, match=f"journal record {seq} does not match its digest"):
        start(data, expected)


def test_every_json_effect_converts_to_the_typed_one_that_applies_the_same(old):
    """Each JSON effect of the fixture against its JournalEffect, field by field where they differ
    in form: the channel index becomes the Channel, null locations unset ones, base64 bytes, the
    ISO 4217 number the alphabetic code."""
    _, data, _ = old
    db = sqlite3.connect(data / "authcore.db")
    stored = [json.loads(effect) for (effect,) in db.execute("SELECT effect FROM journal WHERE effect IS NOT NULL")]
    db.close()
    for old_effect in stored:
        typed = effects._effect_from_json(old_effect)
        assert typed.format == effects.FORMAT
        assert effects.decode(json.dumps(old_effect)) == typed == effects.decode(typed.SerializeToString())
        kind = old_effect["t"]
        if kind == "hold":
            hold = typed.hold_placed
            assert hold.channel == (c.CHANNEL_WALLET, c.CHANNEL_SCAN_TO_PAY, c.CHANNEL_QUICK_PAY)[old_effect["ch"]]
            assert (hold.authorization_id, hold.amount_minor, hold.expires_at.seconds) == (
                old_effect["id"], old_effect["amt"], old_effect["exp"])
            assert hold.HasField("latitude") == (old_effect["lat"] is not None)
            assert (hold.installment_term_months, hold.device_hash) == (old_effect.get("term", 0), old_effect["dev"])
        elif kind == "holds":
            holds = typed.holds_placed
            assert list(holds.authorization_ids) == old_effect["id"] and list(holds.account_ids) == old_effect["acct"]
            assert len(holds.amounts_minor) == len(holds.channels) == len(holds.latitudes) == len(old_effect["id"])
            assert any(math.isnan(x) for x in holds.latitudes) and not all(math.isnan(x) for x in holds.latitudes)
            assert any(holds.installment_terms_months) and any(holds.device_hashes)
        elif kind == "account":
            account = typed.account_set
            assert account.currency in ("CNY", "HKD")
            assert account.HasField("limit_overrides") == bool(old_effect["overrides"])
            assert account.HasField("credit_score") == (old_effect.get("score") is not None)
        elif kind == "policy":
            assert typed.policy_set.policy == base64.b64decode(old_effect["policy"])


# -- typed records ----------------------------------------------------------------------------------


def test_new_records_are_typed_effects(engine):
    engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="u", account_id="a", credit_limit_minor=10**6,
                                                         tier=c.TIER_STANDARD))
    payment = authz.AuthorizeRequest(account_id="a", channel=c.CHANNEL_QUICK_PAY, amount_minor=700, currency="CNY",
                                     merchant=authz.Merchant(merchant_id="m", mcc="5411"),
                                     device=authz.Device(device_id="d-1", latitude=31.2, longitude=121.5))
    payment.request_id = "r1"
    one, _ = engine.authorize(payment)
    bulk, _ = engine.authorize_bulk(bulk_request("b1", [payment, payment]))
    rows = [(r.method, r.effect) for r in segments.read_records(engine.journal.segments_dir)]
    assert [method for method, _ in rows] == ["UpsertAccount", "Authorize", "AuthorizeBulk"]
    assert all(isinstance(effect, bytes) for _, effect in rows)
    decoded = [effects.decode(effect) for _, effect in rows]
    assert [e.WhichOneof("effect") for e in decoded] == ["account_set", "hold_placed", "holds_placed"]
    assert decoded[0].account_set.tier == c.TIER_STANDARD and decoded[0].account_set.currency == "CNY"
    hold = decoded[1].hold_placed
    assert (hold.authorization_id, hold.channel, hold.amount_minor) == (one.authorization_id, c.CHANNEL_QUICK_PAY, 700)
    assert (round(hold.latitude, 6), round(hold.longitude, 6)) == (31.2, 121.5) and hold.device_hash != 0
    assert hold.expires_at.seconds == one.hold_expires_at.seconds
    holds = decoded[2].holds_placed
    assert list(holds.authorization_ids) == list(bulk.authorization_ids)
    assert list(holds.channels) == [c.CHANNEL_QUICK_PAY] * 2 and list(holds.amounts_minor) == [700, 700]
    assert list(holds.device_hashes) == [hold.device_hash] * 2
    assert [round(x, 6) for x in holds.latitudes] == [31.2, 31.2]


def test_an_effect_of_an_unknown_format_stops_the_start(engine, data_dir, clock):
    engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="u", account_id="a", credit_limit_minor=10**6))
    engine.close()

    def newer_format(records: list) -> None:
        # A journal written that way (its digests made for it), as a newer build would.
        from authcore.journal.store import _digest
        record = records[0]
        newer = effects.JournalEffect.FromString(record.effect)
        newer.format = effects.FORMAT + 1
        record.effect = newer.SerializeToString()
        record.digest = _digest(b"", record.at_s, record.method, record.request_id, record.fingerprint, record.effect,
                                record.response)

    rewrite_records(data_dir, newer_format)
    with pytest.raises(JournalCorrupt, match=r"journal record 1: an effect of format 2; this build reads format 1"):
        Engine(Journal(data_dir), clock=clock, default_model=False)


def test_every_effect_of_the_contract_has_a_constructor_and_an_applier(engine):
    names = [f.name for f in effects.JournalEffect.DESCRIPTOR.oneofs_by_name["effect"].fields]
    assert len(names) == 14
    assert all(callable(getattr(effects, name)) for name in names)
    assert sorted(engine._appliers) == sorted(names)


def test_snapshots_still_restore_to_the_same_state(stored):
    """A snapshot by this build of a state rebuilt from JSON effects restores what the records built."""
    _, data, expected = stored
    engine = start(data, expected)
    engine.snapshot()
    engine.close()
    restored = start(data, expected)
    try:
        assert restored.replayed_records == 0
        assert account_answers(restored) == expected["accounts"]
    finally:
        restored.close()


def test_a_column_of_channels_maps_to_the_ledgers_indexes_as_the_mapping_does():
    from authcore.journal.effects import CHANNEL_INDEX, channel_indexes

    channels = [c.CHANNEL_QUICK_PAY, c.CHANNEL_WALLET, c.CHANNEL_SCAN_TO_PAY, c.CHANNEL_WALLET]
    assert channel_indexes(channels).tolist() == [CHANNEL_INDEX[ch] for ch in channels]
    assert channel_indexes([]).tolist() == []
    for bad in (0, -1, 4, 2**40):
        with pytest.raises(KeyError) as info:
            channel_indexes([c.CHANNEL_WALLET, bad])
        assert info.value.args == (bad,)
