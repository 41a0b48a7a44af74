"""The compiled Authorize path (authcore._fast.path) answers exactly as the Python path
(authcore.engine.payments) does: the same response bytes, the same refusals, the same journal
records and audit rows, the same state after. Two engines with the same clock and the same id
prefix take the same payments, one through each path; and the compiled record encoder
(authcore._fast.wire) writes the bytes protobuf's own serializer writes."""

from __future__ import annotations

import math
import random
import struct

import pytest

from authcore._fast import wire
from authcore.engine import Engine
from authcore.errors import AuthcoreError
from authcore.journal import segments
from authcore.journal.store import Journal, _digest, _record_message
from authcore.v1 import admin_pb2, authorization_pb2 as authz, common_pb2 as c
from authcore.decision import policy as policy_mod

from conftest import Clock
from test_mutation_order import memory

ACCOUNTS = ("a1", "a2", "a3", "frozen", "small")


def engines(tmp_path) -> tuple[Engine, Engine, Clock]:
    clock = Clock()
    policy = policy_mod.default_policy()
    policy.risk.max_payments_per_minute = 0  # many payments per account
    pair = []
    for name in ("compiled", "python"):
        engine = Engine(Journal(tmp_path / name), policy=policy, clock=clock)
        engine.core._id_prefix = "fixed"  # the same authorization ids on both
        for i, account_id in enumerate(ACCOUNTS):
            request = admin_pb2.UpsertAccountRequest(
                request_id=f"open-{account_id}", account_id=account_id,
                credit_limit_minor=2_000 if account_id == "small" else 10**9,
                tier=c.TIER_PREMIUM if i % 2 else c.TIER_STANDARD,
                status=c.ACCOUNT_STATUS_FROZEN if account_id == "frozen" else c.ACCOUNT_STATUS_ACTIVE)
            engine.upsert_account(request)
        pair.append(engine)
    pair[0].set_auto_installment(_auto("a3"))
    pair[1].set_auto_installment(_auto("a3"))
    return pair[0], pair[1], clock


def _auto(account_id: str):
    from authcore.v1 import installment_pb2 as inst

    return inst.SetAutoInstallmentRequest(request_id=f"auto-{account_id}", account_id=account_id,
                                          setting=inst.AutoInstallment(enabled=True, term_months=6,
                                                                       threshold_minor=500_000))


def payments(seed: int, n: int) -> list[authz.AuthorizeRequest]:
    """Payments of every shape: the three channels, verified or not, devices, IPs (v4, v6),
    locations, installments; and a third with one thing odd: a bad identifier, IP, location,
    amount, currency, MCC, country, QR type, factor or term, an unknown account, a replayed or
    reused request id, a non-ASCII device id."""
    rng = random.Random(seed)
    out: list[authz.AuthorizeRequest] = []
    for i in range(n):
        channel = rng.choice((c.CHANNEL_WALLET, c.CHANNEL_SCAN_TO_PAY, c.CHANNEL_QUICK_PAY))
        qr = rng.choice((c.QR_CODE_TYPE_STATIC, c.QR_CODE_TYPE_DYNAMIC)) if channel == c.CHANNEL_SCAN_TO_PAY else 0
        request = authz.AuthorizeRequest(
            request_id=f"r{i}", account_id=rng.choice(("a1", "a1", "a2", "a3", "small", "frozen")), channel=channel,
            amount_minor=rng.choice((1, 100, 4_999, 20_000, 600_000)), currency="CNY", qr_code_type=qr,
            merchant=authz.Merchant(merchant_id=rng.choice(("m1", "m2", "m-3")), mcc=rng.choice(("5411", "5812")),
                                    country=rng.choice(("", "CN", "CN", "US"))),
            verification=authz.Verification(factors=rng.sample((1, 2, 3, 4), rng.randint(0, 3))))
        if rng.random() < 0.5:
            request.device.device_id = rng.choice(("dev-1", "dev-2", "dev-3"))
        if rng.random() < 0.5:
            request.device.ip = rng.choice(("10.1.2.3", "10.1.2.99", "2001:db8::1", "192.168.7.1"))
        if rng.random() < 0.4:
            request.device.latitude, request.device.longitude = rng.choice(
                ((31.23, 121.47), (39.9, 116.4), (-33.9, 151.2), (22.3, 0.0)))
        if rng.random() < 0.05:
            request.installment_term_months = rng.choice((3, 6, 7))
        if rng.random() < 0.33:
            odd = rng.randrange(16)
            if odd == 0:
                request.request_id = rng.choice((f"r {i}", "", "x" * 129, "-r"))
            elif odd == 1:
                request.account_id = rng.choice(("nobody", "", "é"))
            elif odd == 2:
                request.amount_minor = rng.choice((0, -5, 10**16, 10**9))
            elif odd == 3:
                request.currency = rng.choice(("USD", "XYZ", "", "cny", "CNYY"))
            elif odd == 4:
                request.merchant.mcc = rng.choice(("54", "", "54a1", "7995"))
            elif odd == 5:
                request.merchant.country = rng.choice(("KP", "cn", "XX", "CHN"))
            elif odd == 6:
                request.qr_code_type = 0 if channel == c.CHANNEL_SCAN_TO_PAY else c.QR_CODE_TYPE_STATIC
            elif odd == 7:
                request.verification.factors.append(rng.choice((0, 9)))
            elif odd == 8:
                request.installment_term_months = rng.choice((61, -1))
            elif odd == 9:
                request.device.ip = rng.choice(("999.1.1.1", "not-an-ip", "1" * 46))
            elif odd == 10:
                request.device.latitude = rng.choice((95.0, math.nan, -91.0))
            elif odd == 11:
                request.device.device_id = rng.choice(("设备", "d" * 129))
            elif odd == 12:
                request.request_id = f"r{max(i - 3, 0)}"  # a replay, or a reuse with other parameters
            elif odd == 13:
                request.occurred_at.seconds = rng.choice((1_795_000_000, -1))
            elif odd == 14:
                request.channel = rng.choice((0, 7))
            else:
                request.verification.factors.extend([1] * 9)
        out.append(request)
    return out


def answer(fn, request, deadline_s):
    try:
        response, replayed = fn(request, deadline_s)
    except AuthcoreError as error:
        return ("error", type(error).__name__, str(error),
                [(v.field, v.description) for v in getattr(error, "violations", [])])
    return ("ok", response.SerializeToString(), replayed)


def records(engine: Engine) -> list[bytes]:
    return [bytes(m.SerializeToString()) for m in segments.read_records(engine.journal.segments_dir, 0)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_compiled_path_answers_and_journals_exactly_as_the_python_path(tmp_path, seed):
    compiled, python, clock = engines(tmp_path)
    seen = set()
    compiled_approvals = 0
    for i, request in enumerate(payments(seed, 400)):
        if i % 37 == 0:
            clock.advance(3_600 * 7)  # days and months roll over
        deadline_s = 0.001 if i % 11 == 0 else None  # the deadline stand-in
        written = []

        def through_path(request, deadline_s):
            data, message, replayed = compiled.path.authorize(request, deadline_s)
            written.append(message is None and not replayed)
            return authz.AuthorizeResponse.FromString(data), replayed

        ours = answer(through_path, request, deadline_s)
        theirs = answer(python.payments.authorize, request, deadline_s)
        assert ours == theirs, (i, request)
        seen.add(ours[0] if ours[0] == "error" else authz.AuthorizeResponse.FromString(ours[1]).decision)
        data, replayed = compiled.authorize_bytes(request, deadline_s) if ours[0] == "ok" else (None, None)
        if data is not None:
            assert data == ours[1] and replayed
        compiled_approvals += bool(written and written[0])
    assert seen >= {"error", c.DECISION_APPROVED, c.DECISION_DECLINED, c.DECISION_CHALLENGE}
    assert compiled_approvals > 50  # approvals the compiled path wrote itself
    compiled.journal.audit_index.flush()
    python.journal.audit_index.flush()
    assert records(compiled) == records(python)
    assert memory(compiled) == memory(python)
    for engine in (compiled, python):
        engine.close()


def test_an_engine_started_on_the_compiled_paths_journal_has_the_same_state(tmp_path):
    compiled, python, clock = engines(tmp_path)
    for request in payments(9, 300):
        answer(compiled.authorize, request, None)
    before = memory(compiled)
    compiled.close()
    python.close()
    again = Engine(Journal(tmp_path / "compiled"), clock=clock)
    assert memory(again) == before
    again.close()


def test_top_features_follow_numpys_order_with_ties_and_nan():
    """The compiled choice of the features that moved the score is numpy's argsort order, also
    when contributions tie or are not numbers (the path asks numpy then)."""
    import numpy as np

    from authcore._fast.path import top_features
    from authcore.engine.common import TOP_FEATURES

    rng = random.Random(5)
    for _ in range(2_000):
        values = [rng.choice((0.0, -0.0, 0.5, -0.5, 0.25, 1e-9, math.nan)) if rng.random() < 0.3
                  else rng.uniform(-2, 2) for _ in range(26)]
        array = np.array(values)
        expected = []
        for i in np.negative(np.abs(array)).argsort()[:TOP_FEATURES].tolist():
            if array[i] == 0:
                break
            expected.append(i)
        assert top_features(array) == expected, values


def test_record_frames_are_protobufs_own_bytes():
    rng = random.Random(3)
    digest = b""
    for seq in range(1, 400):
        effect = rng.choice((None, b"", bytes(rng.randrange(256) for _ in range(rng.randrange(300)))))
        response = rng.choice((None, b"\x08\x01", bytes(range(200))))
        audit_row = None
        if rng.random() < 0.5:
            audit_row = (0, "Authorize", rng.choice(("", "r1", "请求")), rng.choice((0, 1, 1000, 2**32 - 1)),
                         rng.choice(("", "2026.1")), "default-2026.1", bytes(rng.randrange(256) for _ in range(64)))
        at_s = rng.choice((0, 1, 1_795_000_000, -5))
        method = rng.choice(("Authorize", "Capture", "设置"))
        request_id = rng.choice((None, "", "r-1", "é"))
        fingerprint = rng.choice((None, b"", bytes(16)))
        previous = digest
        digest = _digest(previous, at_s, method, request_id, fingerprint, effect, response)
        assert wire.record_digest(previous, at_s, method, request_id, fingerprint, effect, response) == digest
        assert wire.record_frame(seq, at_s, method, request_id, fingerprint, effect, response, digest, audit_row) == \
            segments.frame(_record_message(seq, at_s, method, request_id, fingerprint, effect, response, digest,
                                           audit_row).SerializeToString())
    # Older journals' JSON effects are text, hashed as UTF-8.
    assert wire.record_digest(b"", 5, "Authorize", "r", None, '{"k":"h"}', None) == \
        _digest(b"", 5, "Authorize", "r", None, '{"k":"h"}', None)


def test_the_validation_limits_are_those_of_the_rules():
    """The compiled check's limits are read from the rules it mirrors: a change to one without
    the other fails here."""
    from authcore._fast import path
    from authcore.decision import validation
    from authcore.decision.money import MAX_AMOUNT_MINOR

    assert path.LIMITS == {
        "request_id": validation.MAX_REQUEST_ID_LEN, "id": validation.MAX_ID_LEN,
        "device_id": validation.MAX_DEVICE_ID_LEN, "ip": validation.MAX_IP_LEN, "factors": validation.MAX_FACTORS,
        "installment_term_months": validation.MAX_INSTALLMENT_TERM_MONTHS, "amount_minor": MAX_AMOUNT_MINOR,
        "factor_bits": validation.FACTOR_BITS}
    assert struct.calcsize("<10q2d7qd2qiiB") == 185


def test_a_chunks_column_hashes_are_the_unary_requests():
    """The compiled column work of a bulk chunk gives each row what a unary request of the same
    values gives: the device hash, the IP network's hash (0 when none), the rows that are not
    addresses, and the identifiers' validity."""
    from authcore._fast.path import identifiers_valid, network_hashes, text_hashes
    from authcore.decision import validation
    from authcore.decision.columns import hash64, ipnet_hash

    rng = random.Random(11)
    ips = [rng.choice(("", "10.1.2.3", "10.1.2.200", "192.168.0.1", "2001:db8::1", "2001:db8:0:1::5", "::1",
                       "999.1.1.1", "10.1.2", "not-an-ip", "1" * 46, "١٠.١.٢.٣", " 10.1.2.3"))
           for _ in range(500)]
    hashes, bad = network_hashes(ips, hash64, len(ips))
    for i, ip in enumerate(ips):
        packed = validation.IP.packed(ip)
        assert (i in bad) == (bool(ip) and packed is None), ip
        expected = ipnet_hash(packed) if packed else 0
        assert hashes.view("uint64")[i] == expected, ip
    devices = [rng.choice(("", "dev-1", "设备", "d" * 128)) for _ in range(300)]
    assert text_hashes(devices, hash64, len(devices)).view("uint64").tolist() == \
        [hash64(d.encode()) if d else 0 for d in devices]
    for values in (["a1", "b-2", "c.3:x"], ["a1", ""], ["a1", "-b"], ["é"], ["x" * 64], ["x" * 65], []):
        assert identifiers_valid(values, validation.MAX_ID_LEN) == \
            all(validation.identifier_problem(v, validation.MAX_ID_LEN) is None for v in values), values
