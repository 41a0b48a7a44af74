"""The decision kernel beside its plain-Python reference, single and batched, in one run.

Run: python -m pytest benchmarks --benchmark-enable
The terminal summary prints the medians and the ratios (also in .benchmarks/ratios.json)."""

from __future__ import annotations

import datetime
import itertools
import random
import tempfile

import numpy as np
import pytest

from authcore.decision import policy as policy_mod
from authcore.decision import reference as ref
from authcore.engine import Engine, fixed_utc_offset_s
from authcore.state.ledger import Ledger
from authcore.journal.store import Journal
from authcore.v1 import admin_pb2, authorization_pb2 as authz, common_pb2 as c

N_ACCOUNTS = 1_000
NOW_S = 1_795_000_000
# Large limits, so that booking thousands of payments keeps approving and every check runs.
OVERRIDES = c.LimitProfile(per_transaction_minor=10**9, daily_amount_minor=10**14, daily_count=10**9,
                           monthly_amount_minor=10**14, monthly_count=10**9,
                           scan_dynamic_qr_level_a_daily_minor=10**14)
CHANNELS = policy_mod.CHANNELS


def requests(n: int, seed: int = 7) -> list[tuple]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        channel = rng.choice(CHANNELS)
        qr = c.QR_CODE_TYPE_DYNAMIC if channel == c.CHANNEL_SCAN_TO_PAY else 0
        # Password and digital certificate: level A for dynamic codes, verified for quick-pay.
        out.append((rng.randrange(N_ACCOUNTS), channel, rng.randint(1, 5_000), qr, {1, 4}))
    return out


@pytest.fixture(scope="module")
def ledger():
    policy = policy_mod.default_policy()
    policy.risk.Clear()  # the limits alone, as the reference decides them
    ledger = Ledger(policy, max_accounts=N_ACCOUNTS)
    for i in range(N_ACCOUNTS):
        ledger.upsert(f"a{i}", limit=10**13, status=c.ACCOUNT_STATUS_ACTIVE, tier=c.TIER_PREMIUM,
                      overrides=OVERRIDES, overdue=0, currency=156, zone="Asia/Shanghai",
                      utc_offset_s=fixed_utc_offset_s("Asia/Shanghai"))
    return ledger


@pytest.fixture(scope="module")
def ref_accounts(ledger):
    profile = ledger.profile_of(0)
    return [ref.Account(limit=10**13, profile=profile) for _ in range(N_ACCOUNTS)]


def cycle(rows):
    it = itertools.cycle(rows)
    return lambda: next(it)


def test_kernel_decide(benchmark, ledger, record):
    book = ledger.book
    nxt = cycle([(i, CHANNELS.index(ch), amount, 156, qr, 9) for i, ch, amount, qr, _ in requests(4096)])

    def run():
        i, ch, amount, currency, qr, factors = nxt()
        return book.authorize(i, ch, amount, currency, qr, factors, NOW_S, book=False)

    benchmark(run)
    record("kernel_decide", benchmark)


def test_reference_decide(benchmark, ref_accounts, record):
    now = datetime.datetime.fromtimestamp(NOW_S, datetime.UTC)
    nxt = cycle(requests(4096))

    def run():
        i, ch, amount, qr, factors = nxt()
        return ref.authorize(ref_accounts[i], ch, amount, "CNY", qr, factors, now, book=False)

    benchmark(run)
    record("reference_decide", benchmark)


def test_kernel_decide_and_book(benchmark, ledger, record):
    book = ledger.book
    nxt = cycle([(i, CHANNELS.index(ch), amount, 156, qr, 9) for i, ch, amount, qr, _ in requests(4096)])

    def run():
        i, ch, amount, currency, qr, factors = nxt()
        return book.authorize(i, ch, amount, currency, qr, factors, NOW_S, book=True)

    assert run()[0] == c.DECISION_APPROVED
    benchmark(run)
    record("kernel_decide_and_book", benchmark)


def test_reference_decide_and_book(benchmark, ref_accounts, record):
    now = datetime.datetime.fromtimestamp(NOW_S, datetime.UTC)
    nxt = cycle(requests(4096))

    def run():
        i, ch, amount, qr, factors = nxt()
        return ref.authorize(ref_accounts[i], ch, amount, "CNY", qr, factors, now)

    assert run().decision == c.DECISION_APPROVED
    benchmark(run)
    record("reference_decide_and_book", benchmark)


def test_kernel_batch(benchmark, ledger, record):
    rows = requests(1000)
    matrix = np.array([(i, CHANNELS.index(ch), amount, 156, qr, 9, 0, 0, -1, 0) for i, ch, amount, qr, _ in rows],
                      dtype=np.int64)
    locations = np.full((len(rows), 2), np.nan)
    out = np.zeros((len(rows), 7), dtype=np.int64)
    scores = np.zeros(len(rows))
    benchmark(ledger.book.authorize_batch, matrix, locations, NOW_S, out, scores)
    assert (out[:, 0] == c.DECISION_APPROVED).all()
    record("kernel_batch_per_decision", benchmark, per_call=len(rows))


# Variants of the in-process engine: as served (every decision in the audit), without the
# audit, and with a shadow candidate (a second policy deciding every payment too).
ENGINE_VARIANTS = {"served": {}, "no_audit": {"audit": False}, "shadow": {}}
AUTHORIZE_FIGURES = {"served": "engine_authorize_with_journal", "no_audit": "engine_authorize_without_audit",
                     "shadow": "engine_authorize_with_shadow"}
BULK_FIGURES = {"served": "engine_bulk_per_decision", "no_audit": "engine_bulk_without_audit_per_decision",
                "shadow": "engine_bulk_with_shadow_per_decision"}


def engine_for(data_dir: str, variant: str) -> Engine:
    policy = policy_mod.default_policy()
    policy.risk.max_payments_per_minute = policy.risk.max_payments_per_hour = 0  # one account, many payments
    engine = Engine(Journal(data_dir), policy=policy, **ENGINE_VARIANTS[variant])
    engine.upsert_account(admin_pb2.UpsertAccountRequest(
        request_id="u", account_id="acct", credit_limit_minor=10**13, tier=c.TIER_PREMIUM,
        limit_overrides=OVERRIDES))
    if variant == "shadow":
        candidate = policy_mod.default_policy()
        candidate.version = "candidate"
        engine.set_shadow(admin_pb2.SetShadowRequest(policy=candidate))
    return engine


@pytest.mark.parametrize("variant", list(ENGINE_VARIANTS))
def test_engine_authorize_in_process(benchmark, record, variant):
    """The whole Python path without gRPC: validation, limits, features, default model, response,
    audit row and journal commit."""
    with tempfile.TemporaryDirectory() as data_dir:
        engine = engine_for(data_dir, variant)
        counter = itertools.count()
        # Two factors, so that the model's challenge of rapid repeats is answered.
        base = authz.AuthorizeRequest(account_id="acct", channel=c.CHANNEL_WALLET, amount_minor=100, currency="CNY",
                                      merchant=authz.Merchant(merchant_id="m", mcc="5411"),
                                      verification=authz.Verification(factors=[1, 2]))

        def run():
            request = authz.AuthorizeRequest()
            request.CopyFrom(base)
            request.request_id = f"r{next(counter)}"
            return engine.authorize(request)

        assert run()[0].decision == c.DECISION_APPROVED
        benchmark(run)
        record(AUTHORIZE_FIGURES[variant], benchmark)
        engine.close()


def test_engine_authorize_decline_in_process(benchmark, record):
    """The decline path: the same payment over the per-transaction limit, declined with its reasons
    and their explanations (the limit, the window, the amount left), the audit row and the record."""
    with tempfile.TemporaryDirectory() as data_dir:
        engine = engine_for(data_dir, "served")
        counter = itertools.count()
        base = authz.AuthorizeRequest(account_id="acct", channel=c.CHANNEL_WALLET,
                                      amount_minor=OVERRIDES.per_transaction_minor + 1, currency="CNY",
                                      merchant=authz.Merchant(merchant_id="m", mcc="5411"),
                                      verification=authz.Verification(factors=[1, 2]))

        def run():
            request = authz.AuthorizeRequest()
            request.CopyFrom(base)
            request.request_id = f"d{next(counter)}"
            return engine.authorize(request)

        first = run()[0]
        assert first.decision == c.DECISION_DECLINED and first.reasons
        benchmark(run)
        record("engine_authorize_decline", benchmark)
        engine.close()


@pytest.mark.parametrize("variant", list(ENGINE_VARIANTS))
def test_engine_authorize_bulk_in_process(benchmark, record, variant):
    """The same payments as columns: one AuthorizeBulk chunk of 1,000 (validation, limits,
    features, default model, answers, audit row, one journal record), per decision."""
    from authcore.decision import columns

    with tempfile.TemporaryDirectory() as data_dir:
        engine = engine_for(data_dir, variant)
        payment = authz.AuthorizeRequest(account_id="acct", channel=c.CHANNEL_WALLET, amount_minor=100, currency="CNY",
                                         merchant=authz.Merchant(merchant_id="m", mcc="5411"),
                                         verification=authz.Verification(factors=[1, 2]))
        chunk = columns.bulk_request("", [payment] * 1000)
        counter = itertools.count()

        def run():
            chunk.request_id = f"b{next(counter)}"
            return engine.authorize_bulk(chunk)

        assert set(run()[0].decisions) == {c.DECISION_APPROVED}
        benchmark(run)
        record(BULK_FIGURES[variant], benchmark, per_call=1000)
        engine.close()


def test_kernel_is_20x_faster_than_reference():
    """Reads the medians of the benchmarks above, measured in this same run."""
    from conftest import MEDIANS_S

    if "kernel_decide" not in MEDIANS_S or "reference_decide" not in MEDIANS_S:
        pytest.skip("run with --benchmark-enable")
    ratio = MEDIANS_S["reference_decide"] / MEDIANS_S["kernel_decide"]
    assert ratio >= 20, f"kernel only {ratio:.1f}x faster than the reference"
