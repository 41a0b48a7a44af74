"""AuthorizeBulk and AuthorizeStream: a columnar chunk decides exactly as the same payments sent
one by one, is journaled and replayed as one request, and refuses bad input whole."""

from __future__ import annotations

import grpc
import numpy as np
import pytest

from authcore.decision import columns, validation
from authcore.tools.bench import requests_for
from authcore.engine import Engine
from authcore.errors import FailedPrecondition
from authcore.state.idempotency import Entry, IdempotencyIndex
from authcore.journal.store import Journal
from authcore.v1 import (
    admin_pb2, authorization_pb2 as authz, common_pb2 as c, installment_pb2 as inst,
)

from conftest import Clock
from helpers import call_error, error_reason, violated_fields
from test_snapshot import equal_state


def simulated(n: int, accounts: int = 100) -> list[authz.AuthorizeRequest]:
    """n simulated payments over bench accounts, with the fields every channel uses (the
    simulation's payments repeated as needed)."""
    base = [authz.AuthorizeRequest.FromString(b) for b in requests_for(accounts, 5)]
    out = [authz.AuthorizeRequest() for _ in range(n)]
    for k, payment in enumerate(out):
        payment.CopyFrom(base[k % len(base)])
        payment.request_id = f"p-{k}"
    return out


def open_accounts(engine: Engine, payments, limit_minor: int = 3_000_000) -> None:
    for account_id in sorted({p.account_id for p in payments}):
        engine.upsert_account(admin_pb2.UpsertAccountRequest(
            request_id=f"open-{account_id}", account_id=account_id, credit_limit_minor=limit_minor,
            tier=c.TIER_STANDARD))


def fresh(path, clock) -> Engine:
    return Engine(Journal(path), clock=clock)


@pytest.fixture
def pair(tmp_path):
    """Two engines with the default model on one fixed clock: one for bulk, one for unary."""
    clock = Clock()
    engines = fresh(tmp_path / "bulk", clock), fresh(tmp_path / "unary", clock)
    yield engines, clock
    for e in engines:
        e.close()


def test_bulk_decides_as_unary_calls_in_order(pair):
    (bulk, unary), clock = pair
    payments = simulated(1500)
    for engine in (bulk, unary):
        open_accounts(engine, payments, limit_minor=60_000)
    # Three chunks, a minute apart: velocity windows, limits and behaviour carry across them.
    answers = []
    for k in range(3):
        chunk = payments[k * 500:(k + 1) * 500]
        response, replayed = bulk.authorize_bulk(columns.bulk_request(f"chunk-{k}", chunk))
        assert not replayed
        expected = [unary.authorize(p)[0] for p in chunk]
        answers.append((response, expected))
        clock.advance(60)
    decisions, reasons = set(), set()
    for response, expected in answers:
        assert list(response.decisions) == [e.decision for e in expected]
        assert list(response.reasons) == [e.reason for e in expected]
        assert list(response.available_credit_minor) == [e.available_credit_minor for e in expected]
        assert list(response.max_approvable_minor) == [e.max_approvable_minor for e in expected]
        assert np.array_equal(np.array(response.risk_scores), [e.risk.score for e in expected], equal_nan=True)
        assert [bool(a) for a in response.authorization_ids] == [bool(e.authorization_id) for e in expected]
        decisions |= set(response.decisions)
        reasons |= set(response.reasons)
    # The traffic exercised approvals and declines for several reasons.
    assert {c.DECISION_APPROVED, c.DECISION_DECLINED} <= decisions
    assert len(reasons) >= 3, reasons
    equal_state(bulk, unary)


def test_bulk_is_one_idempotent_request_and_survives_restart(tmp_path):
    clock = Clock()
    engine = fresh(tmp_path / "d", clock)
    payments = simulated(400)
    open_accounts(engine, payments)
    request = columns.bulk_request("chunk-1", payments)
    first, _ = engine.authorize_bulk(request)
    again, replayed = engine.authorize_bulk(request)
    assert replayed and again == first
    changed = authz.AuthorizeBulkRequest()
    changed.CopyFrom(request)
    changed.amounts_minor[0] += 1
    with pytest.raises(Exception) as info:
        engine.authorize_bulk(changed)
    assert info.value.reason == "REQUEST_ID_REUSED"
    # A bulk hold is an ordinary hold: capture and void it by its id.
    approved = [a for a in first.authorization_ids if a]
    assert len(approved) > 300
    engine.capture(authz.CaptureRequest(request_id="cap", authorization_id=approved[0], currency="CNY"))
    engine.void(authz.VoidRequest(request_id="void", authorization_id=approved[1]))
    engine.close()

    restarted = fresh(tmp_path / "d", clock)
    try:
        replay, replayed = restarted.authorize_bulk(request)
        assert replayed and replay == first
        reference = fresh(tmp_path / "reference", clock)
        open_accounts(reference, payments)
        ids = [a for a in reference.authorize_bulk(request)[0].authorization_ids if a]
        reference.capture(authz.CaptureRequest(request_id="cap", authorization_id=ids[0], currency="CNY"))
        reference.void(authz.VoidRequest(request_id="void", authorization_id=ids[1]))
        equal_state(restarted, reference)
        reference.close()
    finally:
        restarted.close()


def test_a_chunks_authorization_ids_are_taken_as_one_call_each_would_take_them(engine):
    first = engine.core.new_id("au")
    block = engine.core.new_ids("au", 3)
    last = engine.core.new_id("au")
    prefix = first[:-10]
    assert [i[:-10] for i in (*block, last)] == [prefix] * 4
    assert [int(i[-10:], 16) for i in (first, *block, last)] == list(range(int(first[-10:], 16), int(first[-10:], 16) + 5))
    assert engine.core.new_ids("au", 0) == []


def test_the_compiled_column_hashes_are_hashlibs_blake2b():
    """A chunk's device and network hashes are computed by the compiled BLAKE2b-64: the digest of
    columns.hash64 (hashlib) for every length about the 128-byte block boundaries, in UTF-8."""
    import random

    from authcore._fast.path import network_hashes, text_hashes

    rng = random.Random(3)
    values = ["", "a", "设备"] + ["".join(rng.choice("ab9-é设") for _ in range(k)) for k in range(1, 300)]
    values += ["x" * k for k in (127, 128, 129, 255, 256, 257)]
    assert text_hashes(values, None, len(values)).tolist() == text_hashes(values, columns.hash64, len(values)).tolist()
    ips = ["", "10.1.2.3", "10.1.2.200", "2001:db8::1", "::1", "not-an-ip"] + \
        [f"{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}.1" for _ in range(200)]
    compiled, bad = network_hashes(ips, None, len(ips))
    hashed, expected_bad = network_hashes(ips, columns.hash64, len(ips))
    assert compiled.tolist() == hashed.tolist() and bad == expected_bad == [5]


@pytest.mark.parametrize("mccs, expected", [
    (["5411", "0000", "9999", "0742"], [5411, 0, 9999, 742]),
    (["5411", "541"], None),
    (["5411", "54111"], None),
    (["5411", "54a1"], None),
    (["5411", "٥٤١١"], None),  # digits, but not ASCII ones: the MCC rule refuses them
    (["5411", ""], None),
    ([], []),
])
def test_a_chunks_mccs_are_read_in_c_when_all_are_four_ascii_digits(mccs, expected):
    from authcore._fast.path import four_digit_codes

    codes = four_digit_codes(mccs, len(mccs))
    assert (None if codes is None else codes.tolist()) == expected
    assert (expected is not None) == all(validation.MCC.problem(m) is None for m in mccs)


def test_unknown_account_is_an_item_error_and_the_rest_is_decided(engine):
    engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="o", account_id="a", credit_limit_minor=100_000))
    payments = [authz.AuthorizeRequest(account_id=a, amount_minor=1_000, currency="CNY", channel=c.CHANNEL_WALLET,
                                       merchant=authz.Merchant(merchant_id="m", mcc="5411"))
                for a in ("a", "nobody", "a")]
    response, _ = engine.authorize_bulk(columns.bulk_request("r", payments))
    assert list(response.decisions) == [c.DECISION_APPROVED, c.DECISION_UNSPECIFIED, c.DECISION_APPROVED]
    assert [(e.index, e.status.code) for e in response.errors] == [(1, grpc.StatusCode.NOT_FOUND.value[0])]
    assert list(response.available_credit_minor) == [99_000, 0, 98_000]


@pytest.mark.parametrize("mutate, fields", [
    (lambda r: r.amounts_minor.append(5), ["amounts_minor"]),
    (lambda r: r.latitudes.append(1.0), ["latitudes"]),
    (lambda r: r.amounts_minor.__setitem__(2, 0), ["amounts_minor[2]"]),
    (lambda r: r.channels.__setitem__(1, 9), ["channels[1]"]),
    (lambda r: r.mccs.__setitem__(0, "54"), ["mccs[0]"]),
    (lambda r: r.account_ids.__setitem__(3, "bad id"), ["account_ids[3]"]),
    (lambda r: r.ips.__setitem__(2, "999.1.1.1"), ["ips[2]"]),
    (lambda r: r.qr_code_types.__setitem__(0, c.QR_CODE_TYPE_STATIC), ["qr_code_types[0]"]),
    (lambda r: r.verification_factor_bits.__setitem__(1, 64), ["verification_factor_bits[1]"]),
    (lambda r: r.ClearField("currency"), ["currency"]),
    (lambda r: r.ClearField("account_ids"), ["account_ids", "amounts_minor", "channels", "merchant_ids", "mccs",
                                              "qr_code_types", "verification_factor_bits", "merchant_countries",
                                              "device_ids", "ips", "latitudes", "longitudes"]),
])
def test_a_bad_chunk_is_refused_whole_and_changes_nothing(client, service, mutate, fields):
    client.upsert("a", 1_000_000)
    payments = [client.pay_request("a", 1_000, device=authz.Device(device_id="d", ip="10.0.0.1")) for _ in range(4)]
    request = columns.bulk_request("bad", payments)
    mutate(request)
    before = service.engine.ledger.accounts.copy()
    error = call_error(client.authz.AuthorizeBulk, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violated_fields(error) == fields
    assert (service.engine.ledger.accounts == before).all()
    # Nothing was remembered either: the request_id is still free.
    assert client.authz.AuthorizeBulk(columns.bulk_request("bad", payments)).decisions[0] == c.DECISION_APPROVED


def test_chunk_size_is_bounded(client):
    request = authz.AuthorizeBulkRequest(request_id="big", currency="CNY")
    n = columns.MAX_BULK + 1
    request.account_ids.extend(["a"] * n)
    request.amounts_minor.extend([1] * n)
    request.channels.extend([c.CHANNEL_WALLET] * n)
    request.merchant_ids.extend(["m"] * n)
    request.mccs.extend(["5411"] * n)
    error = call_error(client.authz.AuthorizeBulk, request)
    assert violated_fields(error) == ["account_ids"]


def test_stream_answers_chunks_in_order_and_stops_at_a_bad_one(client):
    client.upsert("a", 10_000_000)
    chunks = [columns.bulk_request(f"s{k}", [client.pay_request("a", 1_000 + k)] * 3) for k in range(3)]
    answers = list(client.authz.AuthorizeStream(authz.AuthorizeStreamRequest(chunk=x) for x in chunks))
    assert [a.chunk.request_id for a in answers] == ["s0", "s1", "s2"]
    assert [list(a.chunk.available_credit_minor)[-1] for a in answers] == [
        10_000_000 - 3 * 1_000, 10_000_000 - 3 * 1_000 - 3 * 1_001, 10_000_000 - 3 * 1_000 - 3 * 1_001 - 3 * 1_002]
    bad = columns.bulk_request("s-bad", [client.pay_request("a", 5)])
    bad.amounts_minor[0] = -5
    stream = client.authz.AuthorizeStream(authz.AuthorizeStreamRequest(chunk=x) for x in [chunks[0], bad, chunks[1]])
    first = next(stream)
    assert first.chunk.request_id == "s0"
    with pytest.raises(grpc.RpcError) as info:
        next(stream)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    # The replayed chunk answered identically and acted once.
    assert first.chunk == answers[0].chunk


def test_auto_installment_applies_to_bulk_approvals_as_to_unary_ones(pair):
    (bulk, unary), _ = pair
    for engine in (bulk, unary):
        engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="o", account_id="a",
                                                             credit_limit_minor=5_000_000, tier=c.TIER_STANDARD))
        engine.set_auto_installment(inst.SetAutoInstallmentRequest(
            request_id="auto", account_id="a",
            setting=inst.AutoInstallment(enabled=True, term_months=6, threshold_minor=50_000)))
    payments = [authz.AuthorizeRequest(request_id=f"p{amount}", account_id="a", amount_minor=amount, currency="CNY",
                                       channel=c.CHANNEL_WALLET,
                                       merchant=authz.Merchant(merchant_id="m", mcc="5411", country="CN"))
                for amount in (10_000, 60_000, 80_000)]
    response, _ = bulk.authorize_bulk(columns.bulk_request("r", payments))
    expected = [unary.authorize(p)[0] for p in payments]
    assert list(response.installment_terms) == [e.installment.term_months if e.installment.eligible else 0
                                                for e in expected] == [0, 6, 6]
    held = bulk.ledger.holds[response.authorization_ids[1]]
    assert (held.term, held.rate_bps) == (6, expected[1].installment.monthly_rate_bps)


def test_answers_past_the_byte_budget_are_refused_not_repeated():
    index = IdempotencyIndex(max_response_bytes=250)
    for k in range(4):
        index.put(f"r{k}", Entry(k, "AuthorizeBulk", b"fp", bytes(100)))
    assert index.response_bytes == 200
    assert index.lookup("r3", "AuthorizeBulk", b"fp") == bytes(100)
    for old in ("r0", "r1"):
        with pytest.raises(FailedPrecondition) as info:
            index.lookup(old, "AuthorizeBulk", b"fp")
        assert info.value.reason == "REQUEST_ALREADY_ANSWERED"
    assert len(index) == 4
    index.prune(10**9)
    assert len(index) == 0 and index.response_bytes == 0


def test_bulk_reason_is_the_unary_reason_over_grpc(client):
    client.upsert("a", 50_000)
    payments = [client.pay_request("a", amount) for amount in (30_000, 30_000, 20_000)]
    response = client.authz.AuthorizeBulk(columns.bulk_request("g", payments))
    assert list(response.decisions) == [c.DECISION_APPROVED, c.DECISION_DECLINED, c.DECISION_APPROVED]
    assert response.reasons[1] == c.REASON_INSUFFICIENT_CREDIT
    assert response.max_approvable_minor[1] == 20_000
    assert error_reason(call_error(client.authz.AuthorizeBulk, columns.bulk_request(
        "g", payments[:2]))) == "REQUEST_ID_REUSED"


W, S, Q = c.CHANNEL_WALLET, c.CHANNEL_SCAN_TO_PAY, c.CHANNEL_QUICK_PAY
NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("rule, values", [
    (validation.ACCOUNT_ID, ["a", "", "a" * 64, "a" * 65, "a b", "-a", "a-b.c:d_e", "é", "a"]),
    (validation.MERCHANT_ID, ["m", "", "m m", "m"]),
    (validation.AMOUNT, np.array([1, 0, -1, 10**15, 10**15 + 1, -(2**63), 2**63 - 1], np.int64)),
    (validation.CHANNEL, np.array([W, S, Q, 0, 4, -1, 9], np.int64)),
    (validation.VERIFICATION_FACTOR_BITS, np.array([0, 1, 15, 16, 17, 2**31, 2**32 - 1], np.int64)),
    (validation.MCC, ["5411", "541", "54111", "54A1", "", "٥٤١١", "5411"]),
    (validation.MERCHANT_COUNTRY, ["CN", "", "XX", "cn", "CNN", "US", "XX"]),
    (validation.DEVICE_ID, ["d", "", "d" * 128, "d" * 129]),
    (validation.LATITUDE, np.array([0.0, 90.0, -90.0, 90.0001, -91.0, NAN, INF, -INF])),
    (validation.LONGITUDE, np.array([0.0, 180.0, -180.0, 180.5, NAN, -INF])),
])
def test_a_rules_column_screen_flags_the_rows_its_definition_refuses(rule, values):
    """rule.rows (over a whole column, vectorized) against rule.problem (one value): the
    column screen of a bulk chunk refuses exactly what a unary request is refused for."""
    refused = [i for i, value in enumerate(values) if rule.problem(value) is not None]
    assert refused  # every table has bad values...
    assert len(refused) < len(values)  # ...and good ones
    assert sorted(int(i) for i in rule.rows(values)) == refused


def test_the_qr_code_type_screen_flags_the_rows_its_definition_refuses():
    pairs = [(qr, channel) for qr in (0, c.QR_CODE_TYPE_STATIC, c.QR_CODE_TYPE_DYNAMIC, 3, -1)
             for channel in (W, S, Q, 0)]
    qr, channels = (np.array(column, np.int64) for column in zip(*pairs))
    refused = [i for i, pair in enumerate(pairs) if validation.QR_CODE_TYPE.problem(*pair) is not None]
    assert sorted(int(i) for i in validation.QR_CODE_TYPE.rows(qr, channels)) == refused
