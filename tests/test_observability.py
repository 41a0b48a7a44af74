"""Observability: the metrics endpoint scraped after real calls (go-grpc-prometheus families by
code, decisions by decision x reason x channel for unary, batch and bulk, journal lag), the
stand-in and admission counters, masked JSON logs (unit cases, then a full demo run and the CLI,
scanned for every identifier they used), and OpenTelemetry spans.

The counters live in one registry per process, shared by every test here: each test compares
the values after its calls with those before."""

from __future__ import annotations

import io
import json
import logging
import os
import pathlib
import re
import subprocess
import sys
import threading
import time
import urllib.request

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families

from authcore.decision import columns
from authcore import observability
from authcore.tools.demo import run_demo
from authcore.engine import Engine
from authcore.observability import decisions, events, logs, masking, metrics, tracing
from authcore.api.server import create_server
from authcore.journal.store import GroupCommitter, Journal
from authcore.v1 import (
    account_pb2, account_pb2_grpc, admin_pb2, admin_pb2_grpc, authorization_pb2_grpc, credit_pb2, credit_pb2_grpc,
    diagnostics_pb2, diagnostics_pb2_grpc,
)
from authcore.v1 import authorization_pb2 as authz
from authcore.v1 import common_pb2 as c

REPO = pathlib.Path(__file__).resolve().parent.parent
W, S, Q = c.CHANNEL_WALLET, c.CHANNEL_SCAN_TO_PAY, c.CHANNEL_QUICK_PAY
AUTHZ = "authcore.v1.AuthorizationService"


# -- helpers -------------------------------------------------------------------------------------


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    """Every sample of the endpoint: (name, sorted labels) -> value."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def delta(before: dict, after: dict, name: str, **labels) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def decided(decision: str, reason: str, channel: str) -> float:
    value = metrics.REGISTRY.get_sample_value("authcore_decisions_total",
                                              {"decision": decision, "reason": reason, "channel": channel})
    return value or 0.0


def pay(account_id: str, amount_minor: int, channel: int = W, request_id: str = "", **fields):
    if channel == S:
        fields.setdefault("qr_code_type", c.QR_CODE_TYPE_DYNAMIC)
    return authz.AuthorizeRequest(request_id=request_id, account_id=account_id, channel=channel,
                                  amount_minor=amount_minor, currency="CNY",
                                  merchant=authz.Merchant(merchant_id="m-1", mcc="5411", country="CN"), **fields)


def open_account(engine: Engine, account_id: str, limit_minor: int = 1_000_000, **fields) -> None:
    engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id=f"open-{account_id}", account_id=account_id,
                                                         credit_limit_minor=limit_minor, **fields))


@pytest.fixture
def metered(data_dir):
    """An engine (rules only) watched for metrics, its server behind MetricsInterceptor, and the
    metrics endpoint: (engine, channel, metrics port)."""
    engine = Engine(Journal(data_dir), default_model=False)
    observability.watch(engine)
    service = create_server(engine, "127.0.0.1:0", max_workers=8, expiry_interval_s=0.05,
                            snapshot_every_records=10**9, interceptors=(observability.MetricsInterceptor(),)).start()
    endpoint = observability.serve_metrics("127.0.0.1", 0)
    channel = grpc.insecure_channel(f"127.0.0.1:{service.port}")
    yield engine, channel, endpoint.port, service
    channel.close()
    endpoint.close()
    service.stop(grace_s=1)


# -- gRPC server metrics ---------------------------------------------------------------------------


def test_grpc_families_count_every_call_by_code_with_its_latency(metered):
    engine, channel, port, _ = metered
    open_account(engine, "acct-000123")
    stub = authorization_pb2_grpc.AuthorizationServiceStub(channel)
    before = scrape(port)
    stub.Authorize(pay("acct-000123", 1_000, request_id="ok-1"))
    stub.Authorize(pay("acct-000123", 1_000, request_id="ok-2"))
    with pytest.raises(grpc.RpcError) as invalid:
        stub.Authorize(pay("acct-000123", 0, request_id="bad-amount"))
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as missing:
        account_pb2_grpc.AccountServiceStub(channel).GetAccount(account_pb2.GetAccountRequest(account_id="acct-404"))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    echo = diagnostics_pb2_grpc.DiagnosticsServiceStub(channel)
    with pytest.raises(grpc.RpcError):
        echo.Echo(diagnostics_pb2.EchoRequest(response_bytes=10**9))
    chunk = columns.bulk_request("stream-1", [pay("acct-000123", 500)])
    answers = list(stub.AuthorizeStream(iter([authz.AuthorizeStreamRequest(chunk=chunk)])))
    assert len(answers) == 1
    after = scrape(port)

    unary = {"grpc_type": "unary", "grpc_service": AUTHZ, "grpc_method": "Authorize"}
    assert delta(before, after, "grpc_server_started_total", **unary) == 3
    assert delta(before, after, "grpc_server_handled_total", grpc_code="OK", **unary) == 2
    assert delta(before, after, "grpc_server_handled_total", grpc_code="InvalidArgument", **unary) == 1
    assert delta(before, after, "grpc_server_handling_seconds_count", **unary) == 3
    assert delta(before, after, "grpc_server_handling_seconds_bucket", le="10.0", **unary) == 3
    assert delta(before, after, "grpc_server_handling_seconds_sum", **unary) > 0
    account = {"grpc_type": "unary", "grpc_service": "authcore.v1.AccountService", "grpc_method": "GetAccount"}
    assert delta(before, after, "grpc_server_handled_total", grpc_code="NotFound", **account) == 1
    assert delta(before, after, "grpc_server_handled_total", grpc_code="InvalidArgument", grpc_type="unary",
                 grpc_service="authcore.v1.DiagnosticsService", grpc_method="Echo") == 1
    stream = {"grpc_type": "bidi_stream", "grpc_service": AUTHZ, "grpc_method": "AuthorizeStream"}
    assert delta(before, after, "grpc_server_started_total", **stream) == 1
    assert delta(before, after, "grpc_server_handled_total", grpc_code="OK", **stream) == 1
    # The buckets run from 50 µs to 10 s.
    les = {dict(labels)["le"] for name, labels in after if name == "grpc_server_handling_seconds_bucket"}
    assert {"5e-05", "10.0", "+Inf"} <= les


def test_a_stream_ended_by_a_bad_chunk_is_counted_with_its_code(metered):
    engine, channel, port, _ = metered
    open_account(engine, "acct-000124")
    good = columns.bulk_request("s-good", [pay("acct-000124", 500)])
    bad = columns.bulk_request("s-bad", [pay("acct-000124", 500)])
    bad.amounts_minor[0] = 0
    before = scrape(port)
    with pytest.raises(grpc.RpcError) as error:
        list(authorization_pb2_grpc.AuthorizationServiceStub(channel).AuthorizeStream(
            iter([authz.AuthorizeStreamRequest(chunk=good), authz.AuthorizeStreamRequest(chunk=bad)])))
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    after = scrape(port)
    assert delta(before, after, "grpc_server_handled_total", grpc_code="InvalidArgument", grpc_type="bidi_stream",
                 grpc_service=AUTHZ, grpc_method="AuthorizeStream") == 1


def test_go_code_names():
    assert metrics.GO_CODE_NAMES[grpc.StatusCode.OK] == "OK"
    assert metrics.GO_CODE_NAMES[grpc.StatusCode.INVALID_ARGUMENT] == "InvalidArgument"
    assert metrics.GO_CODE_NAMES[grpc.StatusCode.CANCELLED] == "Canceled"
    assert metrics.GO_CODE_NAMES[grpc.StatusCode.DEADLINE_EXCEEDED] == "DeadlineExceeded"
    assert metrics.GO_CODE_NAMES[grpc.StatusCode.UNAUTHENTICATED] == "Unauthenticated"


# -- decisions -------------------------------------------------------------------------------------


def test_decisions_counted_by_decision_reason_and_channel_for_unary_batch_and_bulk(engine):
    open_account(engine, "d-rich", 1_000_000, tier=c.TIER_PREMIUM)
    open_account(engine, "d-poor", 10_000)
    labels = [("APPROVED", "APPROVED", "wallet"), ("DECLINED", "INSUFFICIENT_CREDIT", "wallet"),
              ("CHALLENGE", "QUICK_PAY_VERIFICATION_REQUIRED", "quick_pay"), ("APPROVED", "APPROVED", "quick_pay"),
              ("DECLINED", "INSUFFICIENT_CREDIT", "scan_to_pay"), ("APPROVED", "APPROVED", "scan_to_pay")]
    before = {label: decided(*label) for label in labels}

    engine.authorize(pay("d-rich", 1_000, request_id="u-1"))
    engine.authorize(pay("d-poor", 50_000, request_id="u-2"))
    engine.authorize(pay("d-rich", 150_000, Q, request_id="u-3"))
    _, replayed = engine.authorize(pay("d-rich", 1_000, request_id="u-1"))
    assert replayed  # a replay is not a new decision
    batch = engine.authorize_batch(authz.AuthorizeBatchRequest(requests=[
        pay("d-rich", 2_000, Q, request_id="b-1"), pay("d-poor", 60_000, request_id="b-2"),
        pay("nobody", 1_000, request_id="b-3"), pay("d-rich", 1_000, request_id="u-1")]))
    assert batch.results[2].WhichOneof("result") == "error"
    chunk = columns.bulk_request("k-1", [pay("d-rich", 3_000, S), pay("d-poor", 90_000, S), pay("nobody", 1_000),
                                         pay("d-rich", 4_000, S), pay("d-rich", 200_000, Q)])
    bulk, _ = engine.authorize_bulk(chunk)
    assert list(bulk.decisions)[2] == c.DECISION_UNSPECIFIED
    assert engine.authorize_bulk(chunk)[1]  # replayed

    counted = {label: decided(*label) - before[label] for label in labels}
    assert counted == {
        ("APPROVED", "APPROVED", "wallet"): 1,
        ("DECLINED", "INSUFFICIENT_CREDIT", "wallet"): 2,
        ("CHALLENGE", "QUICK_PAY_VERIFICATION_REQUIRED", "quick_pay"): 2,
        ("APPROVED", "APPROVED", "quick_pay"): 1,
        ("DECLINED", "INSUFFICIENT_CREDIT", "scan_to_pay"): 1,
        ("APPROVED", "APPROVED", "scan_to_pay"): 2,
    }


def test_count_decisions_aggregates_columns():
    key = ("DECLINED", "MERCHANT_CATEGORY_BLOCKED", "wallet")
    before = decided(*key), decided("APPROVED", "APPROVED", "quick_pay")
    decisions.count_decisions([c.DECISION_DECLINED] * 3 + [c.DECISION_APPROVED, 0],
                              [c.REASON_MERCHANT_CATEGORY_BLOCKED] * 3 + [c.REASON_APPROVED, 0], [W, W, W, Q, W])
    assert decided(*key) - before[0] == 3
    assert decided("APPROVED", "APPROVED", "quick_pay") - before[1] == 1


# -- journal lag -------------------------------------------------------------------------------------


def test_journal_metrics_move_with_commits_and_snapshots(metered):
    engine, channel, port, service = metered
    before = scrape(port)
    admin = admin_pb2_grpc.AdminServiceStub(channel)
    for k in range(3):
        admin.UpsertAccount(admin_pb2.UpsertAccountRequest(request_id=f"j-{k}", account_id=f"j-{k}",
                                                           credit_limit_minor=1_000))
    after = scrape(port)
    assert delta(before, after, "authcore_journal_commit_seconds_count") == 3
    assert delta(before, after, "authcore_journal_records_total") == 3
    assert delta(before, after, "authcore_journal_commits_total") == 3
    assert delta(before, after, "authcore_journal_records_since_snapshot") == 3
    assert after[("authcore_journal_pending_records", ())] == 0
    assert delta(before, after, "authcore_accounts") == 3

    # The sweeper writes a snapshot once enough records accumulated: timed, and the count drops.
    service.snapshot_every_records = 1
    deadline = time.monotonic() + 10
    while engine.snapshot_seq < engine.journal.last_seq and time.monotonic() < deadline:
        time.sleep(0.02)
    snapped = scrape(port)
    assert delta(after, snapped, "authcore_journal_snapshot_seconds_count") >= 1
    assert delta(after, snapped, "authcore_journal_records_since_snapshot") == -3


def test_a_closed_engine_counts_no_more(metered, tmp_path):
    """A stopped server's engine that is still in memory (not yet collected) leaves the families:
    otherwise its records would vanish from the counters whenever the collector frees it."""
    _, _, port, _ = metered
    other = Engine(Journal(tmp_path / "other"), default_model=False)
    observability.watch(other)
    before = scrape(port)
    for k in range(2):
        open_account(other, f"closed-{k}")
    assert delta(before, scrape(port), "authcore_journal_records_total") == 2
    other.close()
    assert delta(before, scrape(port), "authcore_journal_records_total") == 0
    assert delta(before, scrape(port), "authcore_accounts") == 0


class _SlowJournal:
    """A journal whose append waits until released: a commit that is taking its time."""

    def __init__(self):
        self.entered, self.release = threading.Event(), threading.Event()

    def append(self, records, side=()):
        self.entered.set()
        self.release.wait(10)


def test_pending_records_are_those_not_yet_durable():
    journal = _SlowJournal()
    committer = GroupCommitter(journal)  # type: ignore[arg-type]
    timings = []
    committer.on_commit = lambda seconds, count: timings.append((seconds, count))
    first = threading.Thread(target=committer.commit, args=([("r",)] * 3,))
    first.start()
    assert journal.entered.wait(10)
    second = threading.Thread(target=committer.commit, args=([("r",)] * 2,))
    second.start()
    deadline = time.monotonic() + 10
    while committer.pending_records() != 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert committer.pending_records() == 5  # 3 being committed, 2 queued behind them
    journal.release.set()
    first.join(10)
    second.join(10)
    assert committer.pending_records() == 0
    assert [count for _, count in timings] == [3, 2]
    assert all(seconds >= 0 for seconds, _ in timings)


# -- stand-in and admission --------------------------------------------------------------------------


def test_count_stand_in_takes_the_two_causes_only():
    before = {cause: metrics.REGISTRY.get_sample_value("authcore_stand_in_total", {"cause": cause})
              for cause in ("model_failed", "deadline")}
    observability.count_stand_in("model_failed")
    observability.count_stand_in("deadline")
    observability.count_stand_in("deadline")
    assert metrics.REGISTRY.get_sample_value("authcore_stand_in_total", {"cause": "model_failed"}) - \
        before["model_failed"] == 1
    assert metrics.REGISTRY.get_sample_value("authcore_stand_in_total", {"cause": "deadline"}) - before["deadline"] == 2
    with pytest.raises(ValueError):
        observability.count_stand_in("tired")


def test_count_refused_bounds_its_identities(monkeypatch):
    monkeypatch.setattr(metrics, "MAX_REFUSED_IDENTITIES", 2)
    monkeypatch.setattr(metrics, "_refused_identities", set())

    def value(identity):
        return metrics.REGISTRY.get_sample_value("authcore_rate_limited_total",
                                                 {"identity": identity, "reason": "test_rate"}) or 0

    before = {i: value(i) for i in ("t-wallet", "t-admin", "t-third", "other")}
    for identity in ("t-wallet", "t-wallet", "t-admin", "t-third"):
        observability.count_refused(identity, "test_rate")
    assert {i: value(i) - before[i] for i in before} == {"t-wallet": 2, "t-admin": 1, "t-third": 0, "other": 1}


# -- masking ---------------------------------------------------------------------------------------


def luhn_completed(body: str) -> str:
    """body with the Luhn check digit appended."""
    return next(body + d for d in "0123456789" if masking.luhn_valid(body + d))


VISA = luhn_completed("411111111111111")  # 16 digits
UNIONPAY_19 = luhn_completed("622202123456789012")  # 19 digits
AMEX = luhn_completed("37828224631000")  # 15 digits


@pytest.mark.parametrize("text, masked", [
    ("call 13812345678 now", "call *******5678 now"),
    ("+8613812345678", "+86*******5678"),
    ("+86 138 1234 5678", "+86 *** **** 5678"),
    ("tel:19912345678;", "tel:*******5678;"),
    ("id 11010519491231002X ok", "id " + "*" * 14 + "002X ok"),
    ("id 11010519491231002x", "id " + "*" * 14 + "002x"),
    ("id 110105194912310021", "id " + "*" * 14 + "0021"),
    ("old id 110105491231002", "old id " + "*" * 11 + "1002"),
    (f"card {VISA}", f"card {'*' * 12}{VISA[-4:]}"),
    (f"card {VISA[:4]} {VISA[4:8]} {VISA[8:12]} {VISA[12:]}", f"card **** **** **** {VISA[12:]}"),
    (f"card {VISA[:4]}-{VISA[4:8]}-{VISA[8:12]}-{VISA[12:]}", f"card ****-****-****-{VISA[12:]}"),
    (f"pan={UNIONPAY_19}", f"pan={'*' * 15}{UNIONPAY_19[-4:]}"),
    (f"amex {AMEX[:4]} {AMEX[4:10]} {AMEX[10:]}", f"amex **** ****** *{AMEX[-4:]}"),
])
def test_mask_text_masks_phones_id_cards_and_cards(text, masked):
    assert masking.mask_text(text) == masked
    digits = re.sub(r"\D", "", text)
    assert digits[:-4] not in masking.mask_text(text)


@pytest.mark.parametrize("text", [
    "amount_minor=500000 available 1750100",
    "2026-11-22T02:00:00Z seq 123456",
    "ip 10.0.0.8, mcc 5411, 12345678",
    "4111111111111112 fails Luhn",  # 16 digits, not a card number
    "12345678901234567890123 too long for a card",
    "request au_p1x2_1a2b3c4d5e0000000001",
])
def test_mask_text_leaves_other_numbers(text):
    assert masking.mask_text(text) == text


@pytest.mark.parametrize("value, masked", [
    ("acct-000123", "***0123"), ("u_5f3a9c1d77", "***1d77"), ("demo-alice-a1b2c3", "***b2c3"),
    ("abcdefg", "***efg"), ("bob", "***b"), ("ab", "***"), ("x", "***"), ("", "***"),
])
def test_mask_id(value, masked):
    assert masking.mask_id(value) == masked


def _formatted(formatter, message, *args, exc=None, **fields):
    record = logging.LogRecord("authcore.test", logging.INFO, __file__, 1, message, args, exc)
    record.__dict__.update(fields)
    return formatter.format(record)


def test_json_formatter_writes_one_masked_object_a_line():
    try:
        raise KeyError("acct-000123 has no card 4111111111111111")
    except KeyError:
        exc = sys.exc_info()
    line = _formatted(logs.JsonFormatter(), "account %s declined, phone %s", "acct-000123", "13812345678", exc=exc,
                      account_id="acct-000123", request_id="acct-000123-r7", amount_minor=500, tags=["acct-000123"])
    assert "\n" not in line
    obj = json.loads(line)
    assert set(obj) >= {"ts", "level", "logger", "msg", "account_id", "request_id", "amount_minor", "exc"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", obj["ts"])
    assert (obj["level"], obj["logger"]) == ("INFO", "authcore.test")
    assert obj["msg"] == "account ***0123 declined, phone *******5678"
    assert obj["account_id"] == "***0123"
    assert obj["request_id"] == "***0123-r7"
    assert obj["amount_minor"] == 500
    assert obj["tags"] == ["***0123"]
    for secret in ("acct-000123", "13812345678", "4111111111111111"):
        assert secret not in line


def test_text_formatter_masks_too():
    line = _formatted(logs.TextFormatter(), "refused %s", "u_5f3a9c1d77", account_id="u_5f3a9c1d77")
    assert "u_5f3a9c1d77" not in line
    assert line.endswith("INFO authcore.test refused ***1d77 account_id=***1d77")


def test_a_list_of_account_ids_is_masked_and_bounded():
    ids = [f"acct-{k:06d}" for k in range(40)]
    obj = json.loads(_formatted(logs.JsonFormatter(), "chunk", account_ids=ids))
    assert obj["account_ids"][:2] == ["***0000", "***0001"]
    assert obj["account_ids"][-1] == "... 24 more"
    assert not any(i in json.dumps(obj) for i in ids)


# -- logs of a running server ----------------------------------------------------------------------


@pytest.fixture
def captured_json_logs():
    """Every record of the process at DEBUG, as JSON lines in a buffer; the logging set-up restored after."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    buffer = io.StringIO()
    logs.configure("json", "DEBUG", stream=buffer)
    yield buffer
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])


def test_a_full_demo_run_logs_no_identifier_in_full(tmp_path, captured_json_logs):
    engine = Engine(Journal(tmp_path / "data"))
    observability.watch(engine)
    service = create_server(engine, "127.0.0.1:0", max_workers=8, expiry_interval_s=3600,
                            interceptors=(observability.MetricsInterceptor(),)).start()
    target = f"127.0.0.1:{service.port}"
    # Identifiers a real issuer has: a customer known by mobile number, an applicant by ID card,
    # a lookup by card number. Each reaches a log line (a decline, a refusal).
    mobile, id_card, card = "13912345678", "11010519491231002X", f"{VISA[:4]} {VISA[4:8]} {VISA[8:12]} {VISA[12:]}"
    try:
        run_demo(target, out=io.StringIO())
        with grpc.insecure_channel(target) as channel:
            admin_pb2_grpc.AdminServiceStub(channel).UpsertAccount(admin_pb2.UpsertAccountRequest(
                request_id="open-mobile", account_id=mobile, credit_limit_minor=1_000))
            authorization_pb2_grpc.AuthorizationServiceStub(channel).Authorize(pay(mobile, 5_000, request_id="m-1"))
            with pytest.raises(grpc.RpcError):
                credit_pb2_grpc.CreditServiceStub(channel).AssessCredit(
                    credit_pb2.AssessCreditRequest(applicant_id=id_card))
            with pytest.raises(grpc.RpcError):
                account_pb2_grpc.AccountServiceStub(channel).GetAccount(account_pb2.GetAccountRequest(
                    account_id=VISA))
            with pytest.raises(grpc.RpcError):
                account_pb2_grpc.AccountServiceStub(channel).GetAccount(account_pb2.GetAccountRequest(
                    account_id=card))
        account_ids = list(engine.ledger.slot_of)
    finally:
        service.stop(grace_s=1)
    text = captured_json_logs.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    ours = [line for line in lines if line["logger"].startswith("authcore")]
    messages = {line["msg"] for line in ours}
    assert "payment not approved" in messages  # each decline of the demo, at DEBUG
    assert any(m.startswith("call refused") for m in messages)  # bob's auto-installment, the lookups
    assert sum(1 for line in ours if line["msg"] == "payment not approved") >= 10
    assert len([a for a in account_ids if a.startswith("demo-")]) == 5
    for identifier in [*account_ids, mobile, id_card, VISA, card, card.replace(" ", "")]:
        assert identifier not in text, identifier
    assert masking.mask_id(mobile) in text and masking.mask_id(id_card) in text


def test_refusals_log_at_info_and_server_trouble_at_warning(captured_json_logs):
    from authcore.errors import NotFound, Unavailable

    events.refused("GetAccount", NotFound("account", "acct-000777"),
                   account_pb2.GetAccountRequest(account_id="acct-000777"))
    events.refused("Authorize", Unavailable("the journal could not be written"), pay("acct-000778", 100, request_id="r"))
    first, second = (json.loads(line) for line in captured_json_logs.getvalue().splitlines()[-2:])
    assert (first["level"], first["code"], first["reason"], first["account_id"]) == (
        "INFO", "NOT_FOUND", "ACCOUNT_NOT_FOUND", "***0777")
    assert first["msg"] == "call refused: account '***0777' not found"
    assert (second["level"], second["code"]) == ("WARNING", "UNAVAILABLE")


def test_activations_are_logged_once(metered, captured_json_logs):
    _, channel, _, _ = metered
    admin = admin_pb2_grpc.AdminServiceStub(channel)
    policy = admin.GetPolicy(admin_pb2.GetPolicyRequest()).policy
    shipped = policy.version
    policy.version = "obs-2"
    admin.SetPolicy(admin_pb2.SetPolicyRequest(request_id="p-obs-2", policy=policy))
    admin.SetPolicy(admin_pb2.SetPolicyRequest(request_id="p-obs-2", policy=policy))  # a replay: no new line
    admin.ActivateVersion(admin_pb2.ActivateVersionRequest(request_id="p-back", kind=admin_pb2.VERSION_KIND_POLICY,
                                                           version=shipped))
    lines = [json.loads(line) for line in captured_json_logs.getvalue().splitlines()]
    activated = [(line["level"], line["kind"], line["version"]) for line in lines
                 if line["logger"] == "authcore.server" and line["msg"].endswith(" activated")]
    assert activated == [("INFO", "policy", "obs-2"), ("INFO", "policy", shipped)]


def _serve(*flags: str, data_dir: pathlib.Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    return subprocess.run([sys.executable, "-m", "authcore", "serve", "--port", "0", "--data-dir", str(data_dir),
                           *flags], capture_output=True, text=True, timeout=timeout, cwd=REPO,
                          env={**env, "PYTHONUNBUFFERED": "1"})


def test_cli_serve_with_json_logs_runs_the_demo_and_masks_every_account_id(tmp_path):
    done = _serve("--log-format", "json", "--log-level", "DEBUG", "--metrics-port", "0", "--demo",
                  "--exit-after-demo", data_dir=tmp_path / "data")
    assert done.returncode == 0, done.stderr
    assert re.search(r"^metrics on http://127\.0\.0\.1:\d+/metrics$", done.stdout, re.M)
    # The demo prints one of its account ids; the others share its run id.
    run_id = re.search(r"GetAccount demo-alice-(\w+):", done.stdout).group(1)
    account_ids = [f"demo-{name}-{run_id}" for name in ("alice", "bob", "carol", "dave", "erin")]
    records = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert {"authcore started", "authcore stopped", "payment not approved"} <= {r["msg"] for r in records}
    started = next(r for r in records if r["msg"] == "authcore started")
    assert started["metrics_port"] > 0 and started["policy_version"]
    assert all({"ts", "level", "logger", "msg"} <= set(r) for r in records)
    # Everything else on stderr is the plaintext warning, never a log line in text form.
    others = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith("{")]
    assert not any(re.match(r"\d{4}-\d\d-\d\dT", line) for line in others), others
    for account_id in account_ids:
        assert account_id not in done.stderr
    assert "***" + account_ids[0][-4:] in done.stderr


@pytest.mark.parametrize("flags, message", [
    (("--metrics-port", "70000"), "[metrics] port"),
    (("--log-format", "xml"), "invalid choice"),
])
def test_cli_refuses_bad_observability_settings(tmp_path, flags, message):
    done = _serve(*flags, data_dir=tmp_path / "data", timeout=60)
    assert done.returncode == 2
    assert message in done.stderr


def test_config_file_sections(tmp_path):
    from authcore.api import config

    path = tmp_path / "authcore.toml"
    path.write_text('[metrics]\nhost = "127.0.0.1"\nport = 9464\n[logging]\nformat = "json"\nlevel = "DEBUG"\n'
                    '[telemetry]\notlp_endpoint = "http://127.0.0.1:4317"\n')
    cfg = config.load(path)
    assert (cfg.metrics_host, cfg.metrics_port, cfg.logging_format, cfg.logging_level,
            cfg.telemetry_otlp_endpoint) == ("127.0.0.1", 9464, "json", "DEBUG", "http://127.0.0.1:4317")
    assert config.load(None).metrics_port is None  # off unless asked for
    path.write_text('[metrics]\npath = "/m"\n')
    with pytest.raises(ValueError, match="unknown key 'path'"):
        config.load(path)


def test_each_worker_serves_its_own_metrics(tmp_path):
    """--processes 2 --metrics-port 0: each worker on a port of its own, each counting the calls
    its public port took."""
    process = subprocess.Popen(
        [sys.executable, "-m", "authcore", "serve", "--processes", "2", "--port", "0", "--data-dir",
         str(tmp_path / "data"), "--metrics-port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(line.startswith("metrics of partitions") for line in lines):
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
        target = re.search(r"serving on (\S+) ", "".join(lines)).group(1)
        ports = [int(p) for p in re.search(r"ports (\d+), (\d+)", "".join(lines)).groups()]
        assert len(set(ports)) == 2
        for k in range(8):  # separate connections, spread over the two public ports by the kernel
            with grpc.insecure_channel(target, options=(("grpc.use_local_subchannel_pool", 1),)) as channel:
                admin_pb2_grpc.AdminServiceStub(channel).GetPolicy(admin_pb2.GetPolicyRequest(), timeout=10)
        labels = {"grpc_type": "unary", "grpc_service": "authcore.v1.AdminService", "grpc_method": "GetPolicy",
                  "grpc_code": "OK"}
        counts = [scrape(port).get(("grpc_server_handled_total", tuple(sorted(labels.items()))), 0) for port in ports]
        assert sum(counts) == 8
        assert all(scrape(port)[("authcore_policy_info", (("version", "default-2026.1"),))] == 1 for port in ports)
    finally:
        process.terminate()
        process.wait(timeout=60)


# -- OpenTelemetry -----------------------------------------------------------------------------------


def test_no_endpoint_no_opentelemetry_import():
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    code = ("import sys; from authcore.tools import cli; from authcore.observability import tracing; "
            "assert tracing.configure(None) is False; "
            "assert not [m for m in sys.modules if m.startswith('opentelemetry')], 'imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env, timeout=60)
    assert done.returncode == 0, done.stderr


def test_spans_for_server_calls(data_dir):
    pytest.importorskip("opentelemetry.sdk")
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use(provider)
    try:
        interceptor = observability.MetricsInterceptor()
    finally:
        tracing.use(None)  # interceptors made from now on open no spans
    engine = Engine(Journal(data_dir), default_model=False)
    service = create_server(engine, "127.0.0.1:0", max_workers=4, expiry_interval_s=3600,
                            interceptors=(interceptor,)).start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{service.port}") as channel:
            admin_pb2_grpc.AdminServiceStub(channel).GetPolicy(admin_pb2.GetPolicyRequest())
            caller = TracerProvider().get_tracer("caller").start_span("checkout")
            parent = caller.get_span_context()
            traceparent = f"00-{parent.trace_id:032x}-{parent.span_id:016x}-01"
            with pytest.raises(grpc.RpcError):
                account_pb2_grpc.AccountServiceStub(channel).GetAccount(
                    account_pb2.GetAccountRequest(account_id="acct-404"), metadata=(("traceparent", traceparent),))
    finally:
        service.stop(grace_s=1)
    spans = {span.name: span for span in exporter.get_finished_spans()}
    ok = spans["authcore.v1.AdminService/GetPolicy"]
    missing = spans["authcore.v1.AccountService/GetAccount"]
    assert ok.kind == trace.SpanKind.SERVER
    assert dict(ok.attributes) == {"rpc.system": "grpc", "rpc.service": "authcore.v1.AdminService",
                                   "rpc.method": "GetPolicy", "rpc.grpc.status_code": 0}
    assert missing.attributes["rpc.grpc.status_code"] == grpc.StatusCode.NOT_FOUND.value[0]
    assert missing.status.status_code == trace.StatusCode.UNSET  # the caller's error, not the server's
    assert missing.context.trace_id == parent.trace_id and missing.parent.span_id == parent.span_id
