"""Installments: exact schedules, the annualized rate by IRR, every ineligibility and every
refusal to turn auto-installment on through the real server, and plans riding on holds."""

from __future__ import annotations

import grpc
import numpy as np
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from hypothesis import given, settings
from hypothesis import strategies as st

from authcore.decision import installments
from authcore.decision.policy import default_policy
from authcore.v1 import (
    account_pb2, authorization_pb2 as authz, common_pb2 as c, installment_pb2 as inst,
    installment_pb2_grpc,
)

from helpers import call_error, error_reason
from test_lifecycle_grpc import capture, refund, view, void

I = inst.InstallmentIneligibility
OK, NO = c.DECISION_APPROVED, c.DECISION_DECLINED


def independent_apr_bps(principal: int, payments: list[int]) -> int:
    """IRR from the roots of sum p_k x^k - P (x = 1 / (1 + r)), not from authcore's bisection."""
    coefficients = [float(p) for p in reversed(payments)] + [-float(principal)]
    roots = np.roots(coefficients)
    x = [z.real for z in roots if abs(z.imag) < 1e-7 and 0 < z.real <= 1 + 1e-9]
    assert len(x) == 1, roots
    return round(max(1 / x[0] - 1, 0.0) * 12 * 10_000)


PLANS = [(p.term_months, p.monthly_rate_bps) for p in default_policy().installments.plans]


@pytest.mark.parametrize("term, rate", PLANS + [(12, 0), (6, 150), (36, 45)])
@pytest.mark.parametrize("amount", [10_000, 99_999, 123_457, 1_000_000, 5_000_001])
def test_apr_agrees_with_an_independent_irr_and_sums_are_exact(term, rate, amount):
    s = installments.split(amount, term, rate)
    assert sum(s.principal) == amount
    assert sum(s.interest) == (amount * rate * term + 5_000) // 10_000
    assert sum(s.payments) == amount + sum(s.interest)
    assert max(s.principal) - min(s.principal) < term and max(s.interest) - min(s.interest) < term
    assert installments.apr_bps(amount, s.payments) == independent_apr_bps(amount, s.payments)


def test_flat_rate_is_not_the_annual_rate():
    """0.6 % a month for 12 months looks like 7.2 % a year; by IRR it is about 13 %."""
    s = installments.split(1_200_000, 12, 60)
    assert installments.apr_bps(1_200_000, s.payments) == 1_303


@settings(max_examples=300, deadline=None)
@given(amount=st.integers(1, 10**11), term=st.integers(1, 36), rate=st.integers(0, 300))
def test_schedules_add_up_for_any_amount(amount, term, rate):
    s = installments.split(amount, term, rate)
    assert sum(s.principal) == amount and min(s.principal) >= 0
    assert sum(s.interest) == (amount * rate * term + 5_000) // 10_000
    apr = installments.apr_bps(amount, s.payments)
    interest = sum(s.interest)
    if interest == 0:
        assert apr == 0
    else:
        # On a declining balance the true rate is never below the flat rate it is quoted as.
        flat_bps = 12 * 10_000 * interest / (amount * term)
        assert apr >= flat_bps - 1


@pytest.fixture
def plans(client):
    return installment_pb2_grpc.InstallmentServiceStub(client.channel)


def quote(plans, account, amount, channel=c.CHANNEL_WALLET, mcc="5411"):
    response = plans.QuoteInstallments(inst.QuoteInstallmentsRequest(account_id=account, amount_minor=amount,
                                                                     currency="CNY", channel=channel, mcc=mcc))
    return {q.term_months: q for q in response.quotes}


def reasons_of(q) -> set[int]:
    return {d.reason for d in q.ineligible}


def good_account(client, name="good", **fields):
    fields.setdefault("tier", c.TIER_PREMIUM)
    fields.setdefault("credit_score", 700.0)
    client.upsert(name, 10_000_000, **fields)
    return name


def test_an_eligible_quote_lists_every_plan(client, plans):
    quotes = quote(plans, good_account(client), 240_000)
    assert sorted(quotes) == [3, 6, 12, 24]
    for term, q in quotes.items():
        assert q.eligible and not q.ineligible
        assert len(q.periods) == term and sum(p.payment_minor for p in q.periods) == q.total_minor
        assert q.total_minor == q.principal_minor + q.interest_minor
        assert q.apr_bps == independent_apr_bps(q.principal_minor, [p.payment_minor for p in q.periods])


# name, account setup, amount, channel, mcc, term, the reason that term must give
INELIGIBLE = [
    ("not-active", {"status": c.ACCOUNT_STATUS_FROZEN}, 100_000, c.CHANNEL_WALLET, "5411", 3,
     I.INSTALLMENT_INELIGIBILITY_ACCOUNT_NOT_ACTIVE),
    ("tier", {"tier": c.TIER_NEW}, 100_000, c.CHANNEL_WALLET, "5411", 12, I.INSTALLMENT_INELIGIBILITY_TIER_NOT_ELIGIBLE),
    ("score", {"credit_score": 550.0}, 200_000, c.CHANNEL_WALLET, "5411", 24,
     I.INSTALLMENT_INELIGIBILITY_CREDIT_SCORE_TOO_LOW),
    ("no-score", {"credit_score": None}, 100_000, c.CHANNEL_WALLET, "5411", 12,
     I.INSTALLMENT_INELIGIBILITY_CREDIT_SCORE_TOO_LOW),
    ("mcc", {}, 100_000, c.CHANNEL_WALLET, "4829", 3, I.INSTALLMENT_INELIGIBILITY_MERCHANT_CATEGORY_EXCLUDED),
    ("channel", {}, 100_000, c.CHANNEL_QUICK_PAY, "5411", 3, I.INSTALLMENT_INELIGIBILITY_CHANNEL_NOT_SUPPORTED),
    ("minimum", {}, 29_999, c.CHANNEL_WALLET, "5411", 6, I.INSTALLMENT_INELIGIBILITY_AMOUNT_BELOW_MINIMUM),
    ("credit", {}, 20_000_000, c.CHANNEL_WALLET, "5411", 24, I.INSTALLMENT_INELIGIBILITY_INSUFFICIENT_CREDIT),
    ("period-cap", {}, 16_000_000, c.CHANNEL_WALLET, "5411", 3, I.INSTALLMENT_INELIGIBILITY_PERIOD_PAYMENT_TOO_LARGE),
]


@pytest.mark.parametrize("name, setup, amount, channel, mcc, term, reason", INELIGIBLE, ids=[x[0] for x in INELIGIBLE])
def test_every_ineligibility_through_the_server(client, plans, name, setup, amount, channel, mcc, term, reason):
    setup = dict(setup)
    status = setup.pop("status", None)
    if setup.get("credit_score", 0.0) is None:  # no assessment on file
        client.upsert(name, 10_000_000, tier=c.TIER_PREMIUM)
    else:
        good_account(client, name, **setup)
    if status:
        client.upsert(name, 10_000_000, status=status)
    q = quote(plans, name, amount, channel, mcc)[term]
    assert not q.eligible and reason in reasons_of(q), q
    detail = next(d for d in q.ineligible if d.reason == reason)
    assert detail.message_zh and detail.message_en and detail.hint_zh and detail.hint_en


def test_overdue_and_term_not_offered_through_the_server(client, plans):
    good_account(client, "late")
    capture(client, client.pay("late", 50_000, factors=(1, 2)).authorization_id)
    client.upsert("late", 10_000_000, overdue_minor=20_000)
    q = quote(plans, "late", 100_000)[3]
    overdue = next(d for d in q.ineligible if d.reason == I.INSTALLMENT_INELIGIBILITY_ACCOUNT_OVERDUE)
    assert "¥200.00" in overdue.hint_en
    good_account(client, "nine")
    response = client.pay("nine", 100_000, factors=(1, 2), installment_term_months=9)
    assert (response.decision, response.reason) == (NO, c.REASON_INSTALLMENT_NOT_AVAILABLE)
    assert reasons_of(response.installment) == {I.INSTALLMENT_INELIGIBILITY_TERM_NOT_OFFERED}
    assert view(client, "nine").held_minor == 0


def set_auto(client, plans, account, enabled=True, term=6, threshold=50_000):
    return plans.SetAutoInstallment(inst.SetAutoInstallmentRequest(
        request_id=client.rid(), account_id=account,
        setting=inst.AutoInstallment(enabled=enabled, term_months=term, threshold_minor=threshold)))


# name, account setup, term, threshold, ErrorInfo reason
REFUSALS = [
    ("frozen", {"status": c.ACCOUNT_STATUS_FROZEN}, 6, 50_000, "ACCOUNT_NOT_ACTIVE"),
    ("tier", {"tier": c.TIER_NEW}, 12, 100_000, "TIER_NOT_ELIGIBLE"),
    ("score", {"credit_score": 450.0}, 12, 100_000, "CREDIT_SCORE_TOO_LOW"),
    ("term", {}, 9, 100_000, "TERM_NOT_OFFERED"),
    ("threshold", {}, 6, 10_000, "THRESHOLD_BELOW_MINIMUM"),
]


@pytest.mark.parametrize("name, setup, term, threshold, reason", REFUSALS, ids=[x[0] for x in REFUSALS])
def test_every_enable_refusal_says_why_and_what_to_do(client, plans, name, setup, term, threshold, reason):
    setup = dict(setup)
    status = setup.pop("status", None)
    good_account(client, name, **setup)
    if status:
        client.upsert(name, 10_000_000, status=status)
    error = call_error(set_auto, client, plans, name, term=term, threshold=threshold)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and error_reason(error) == reason
    status_proto = rpc_status.from_call(error)
    locales = {}
    for detail in status_proto.details:
        if detail.Is(error_details_pb2.LocalizedMessage.DESCRIPTOR):
            message = error_details_pb2.LocalizedMessage()
            detail.Unpack(message)
            locales[message.locale] = message.message
    assert set(locales) == {"en", "zh-CN"} and all(locales.values())
    assert not view(client, name).auto_installment.enabled


def test_enable_refused_while_overdue(client, plans):
    good_account(client, "late")
    capture(client, client.pay("late", 50_000, factors=(1, 2)).authorization_id)
    client.upsert("late", 10_000_000, overdue_minor=1_000)
    error = call_error(set_auto, client, plans, "late")
    assert error_reason(error) == "ACCOUNT_OVERDUE" and "¥10.00" in error.details()


def test_auto_installment_splits_purchases_above_the_threshold(client, plans):
    good_account(client, "auto", tier=c.TIER_STANDARD, credit_score=650.0)
    setting = set_auto(client, plans, "auto", term=6, threshold=50_000).setting
    assert (setting.enabled, setting.term_months, setting.threshold_minor) == (True, 6, 50_000)
    small = client.pay("auto", 49_999, factors=(1, 2))
    assert small.decision == OK and not small.HasField("installment")
    big = client.pay("auto", 80_000, factors=(1, 2))
    assert big.decision == OK and big.installment.eligible and big.installment.term_months == 6
    assert big.installment.total_minor == 80_000 + big.installment.interest_minor
    excluded = client.pay("auto", 80_000, factors=(1, 2), merchant=authz.Merchant(merchant_id="m", mcc="6051"))
    assert excluded.decision == OK and not excluded.installment.eligible, "paid in full, saying why"
    capture(client, big.authorization_id)
    account = view(client, "auto")
    assert account.available_credit_minor == 10_000_000 - 80_000 - 49_999 - 80_000, "principal, not interest, uses credit"
    [schedule] = account.installments
    assert (schedule.authorization_id, schedule.term_months, schedule.principal_minor) == (big.authorization_id, 6, 80_000)
    assert [p.due_date for p in schedule.periods][:2] == ["2026-12-22", "2027-01-22"]
    refund(client, big.authorization_id, 30_000)
    [after] = view(client, "auto").installments
    assert after.principal_minor == 50_000 and sum(p.principal_minor for p in after.periods) == 50_000
    assert after.interest_minor < schedule.interest_minor, "refunded principal bears no interest"
    refund(client, big.authorization_id, 50_000)
    assert not view(client, "auto").installments
    set_auto(client, plans, "auto", enabled=False)
    assert not plans.GetAutoInstallment(inst.GetAutoInstallmentRequest(account_id="auto")).setting.enabled


def test_explicit_terms_ride_on_the_hold(client):
    good_account(client, "explicit", tier=c.TIER_NEW)
    three = client.pay("explicit", 60_000, factors=(1, 2), installment_term_months=3)
    assert three.decision == OK and three.installment.eligible and len(three.installment.periods) == 3
    twelve = client.pay("explicit", 60_000, factors=(1, 2), installment_term_months=12)
    assert (twelve.decision, twelve.reason) == (NO, c.REASON_INSTALLMENT_NOT_AVAILABLE)
    assert I.INSTALLMENT_INELIGIBILITY_TIER_NOT_ELIGIBLE in reasons_of(twelve.installment)
    assert twelve.available_credit_minor == three.available_credit_minor, "nothing held for the refused plan"
    void(client, three.authorization_id)
    assert not view(client, "explicit").installments


def test_plans_and_settings_survive_restart(client, plans, service, data_dir, clock):
    from authcore.engine import Engine
    from authcore.journal.store import Journal

    good_account(client, "keep", tier=c.TIER_STANDARD, credit_score=650.0)
    set_auto(client, plans, "keep", term=3, threshold=50_000)
    capture(client, client.pay("keep", 90_000, factors=(1, 2)).authorization_id)
    before = view(client, "keep")
    assert len(before.installments) == 1
    service.engine.snapshot()
    capture(client, client.pay("keep", 60_000, factors=(1, 2), installment_term_months=6).authorization_id)
    after_snapshot = view(client, "keep")
    service.stop(grace_s=1)
    engine = Engine(Journal(data_dir), clock=clock, default_model=False)
    try:
        restored = engine.get_account(account_pb2.GetAccountRequest(account_id="keep")).account
        assert restored == after_snapshot and len(restored.installments) == 2
        assert restored.auto_installment == inst.AutoInstallment(enabled=True, term_months=3, threshold_minor=50_000)
    finally:
        engine.close()
