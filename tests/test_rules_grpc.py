"""Every rule produces its documented decision and reason through the real gRPC server.
One line per case: account setup, payments made before, the payment, what must come back."""

from __future__ import annotations

import pytest

from authcore.decision.reasons import CATALOGUE
from authcore.v1 import authorization_pb2 as authz, common_pb2 as c

W, S, Q = c.CHANNEL_WALLET, c.CHANNEL_SCAN_TO_PAY, c.CHANNEL_QUICK_PAY
STATIC, DYNAMIC = c.QR_CODE_TYPE_STATIC, c.QR_CODE_TYPE_DYNAMIC
PWD, BIO, SMS, CERT = 1, 2, 3, 4
OK, NO, STEP = c.DECISION_APPROVED, c.DECISION_DECLINED, c.DECISION_CHALLENGE
R = c.Reason
STANDARD = {"tier": c.TIER_STANDARD}


def lp(**fields) -> c.LimitProfile:
    channels = fields.pop("channels", [])
    return c.LimitProfile(channels=[c.ChannelLimits(**ch) for ch in channels], **fields)


def p(amount, channel=W, qr=None, factors=(), currency="CNY"):
    fields = {"factors": factors, "currency": currency}
    if channel == S:
        fields["qr_code_type"] = qr or DYNAMIC
    return (amount, channel, fields)


# name, account fields, payments before, the payment, decision, reason, max approvable (None: unchecked)
CASES = [
    ("approve", STANDARD, [], p(10_000), OK, R.REASON_APPROVED, None),
    ("closed", {**STANDARD, "status": c.ACCOUNT_STATUS_CLOSED}, [], p(100), NO, R.REASON_ACCOUNT_CLOSED, 0),
    ("frozen", {**STANDARD, "status": c.ACCOUNT_STATUS_FROZEN}, [], p(100), NO, R.REASON_ACCOUNT_FROZEN, 0),
    ("frozen-overdue", {**STANDARD, "overdue": 5_000}, [], p(100), NO, R.REASON_ACCOUNT_FROZEN_OVERDUE, 0),
    ("channel-not-allowed", {**STANDARD, "limit_overrides": lp(channels=[{"channel": Q, "allowed": False}])}, [],
     p(100, Q, factors=(PWD,)), NO, R.REASON_CHANNEL_NOT_ALLOWED, 0),
    ("currency", STANDARD, [], p(100, currency="USD"), NO, R.REASON_CURRENCY_NOT_SUPPORTED, 0),
    ("credit-exact", {**STANDARD, "credit_limit_minor": 10_000}, [], p(10_000), OK, R.REASON_APPROVED, None),
    ("credit-insufficient", {**STANDARD, "credit_limit_minor": 10_000}, [p(4_000)], p(6_001), NO,
     R.REASON_INSUFFICIENT_CREDIT, 6_000),
    ("per-transaction", {**STANDARD, "limit_overrides": lp(per_transaction_minor=5_000)}, [], p(5_001), NO,
     R.REASON_TRANSACTION_LIMIT_EXCEEDED, 5_000),
    ("new-tier-per-transaction", {"tier": c.TIER_NEW}, [], p(200_001), NO, R.REASON_TRANSACTION_LIMIT_EXCEEDED,
     200_000),
    ("daily-amount", {**STANDARD, "limit_overrides": lp(daily_amount_minor=10_000)}, [p(6_000)], p(4_001), NO,
     R.REASON_DAILY_AMOUNT_LIMIT_EXCEEDED, 4_000),
    ("daily-count", {**STANDARD, "limit_overrides": lp(daily_count=2)}, [p(100), p(100)], p(100), NO,
     R.REASON_DAILY_COUNT_LIMIT_EXCEEDED, 0),
    ("monthly-amount", {**STANDARD, "limit_overrides": lp(monthly_amount_minor=10_000)}, [p(9_000)], p(1_001), NO,
     R.REASON_MONTHLY_AMOUNT_LIMIT_EXCEEDED, 1_000),
    ("monthly-count", {**STANDARD, "limit_overrides": lp(monthly_count=1)}, [p(100)], p(100), NO,
     R.REASON_MONTHLY_COUNT_LIMIT_EXCEEDED, 0),
    ("channel-per-transaction", {**STANDARD, "limit_overrides": lp(channels=[{"channel": W, "per_transaction_minor": 1_000}])},
     [], p(1_001), NO, R.REASON_CHANNEL_TRANSACTION_LIMIT_EXCEEDED, 1_000),
    ("channel-per-transaction-other-channel", {**STANDARD, "limit_overrides": lp(channels=[{"channel": W, "per_transaction_minor": 1_000}])},
     [], p(1_001, Q), OK, R.REASON_APPROVED, None),
    ("channel-daily-amount", {**STANDARD, "limit_overrides": lp(channels=[{"channel": W, "daily_amount_minor": 1_000}])},
     [p(600)], p(401), NO, R.REASON_CHANNEL_DAILY_AMOUNT_LIMIT_EXCEEDED, 400),
    ("channel-daily-count", {**STANDARD, "limit_overrides": lp(channels=[{"channel": Q, "daily_count": 1}])},
     [p(100, Q)], p(100, Q), NO, R.REASON_CHANNEL_DAILY_COUNT_LIMIT_EXCEEDED, 0),
    ("channel-monthly-amount", {**STANDARD, "limit_overrides": lp(channels=[{"channel": W, "monthly_amount_minor": 1_000}])},
     [p(999)], p(2), NO, R.REASON_CHANNEL_MONTHLY_AMOUNT_LIMIT_EXCEEDED, 1),
    ("channel-monthly-count", {**STANDARD, "limit_overrides": lp(channels=[{"channel": S, "monthly_count": 1}])},
     [p(100, S)], p(100, S), NO, R.REASON_CHANNEL_MONTHLY_COUNT_LIMIT_EXCEEDED, 0),
    ("static-qr-500", STANDARD, [], p(50_000, S, STATIC), OK, R.REASON_APPROVED, None),
    ("static-qr-above-500", STANDARD, [p(30_000, S, STATIC)], p(20_001, S, STATIC), NO,
     R.REASON_SCAN_STATIC_QR_DAILY_LIMIT_EXCEEDED, 20_000),
    ("static-qr-any-verification", STANDARD, [], p(50_001, S, STATIC, (PWD, BIO, CERT)), NO,
     R.REASON_SCAN_STATIC_QR_DAILY_LIMIT_EXCEEDED, 50_000),
    ("dynamic-level-c", STANDARD, [], p(100_000, S, DYNAMIC), OK, R.REASON_APPROVED, None),
    ("dynamic-above-c-one-factor", STANDARD, [], p(100_001, S, DYNAMIC, (PWD,)), STEP,
     R.REASON_SCAN_QR_VERIFICATION_REQUIRED, 100_000),
    ("dynamic-certificate-alone-is-c", STANDARD, [], p(100_001, S, DYNAMIC, (CERT,)), STEP,
     R.REASON_SCAN_QR_VERIFICATION_REQUIRED, 100_000),
    ("dynamic-level-b", STANDARD, [], p(500_000, S, DYNAMIC, (PWD, BIO)), OK, R.REASON_APPROVED, None),
    ("dynamic-above-b", STANDARD, [], p(500_001, S, DYNAMIC, (PWD, SMS)), STEP,
     R.REASON_SCAN_QR_VERIFICATION_REQUIRED, 500_000),
    ("dynamic-level-a", STANDARD, [], p(2_000_000, S, DYNAMIC, (CERT, PWD)), OK, R.REASON_APPROVED, None),
    ("dynamic-above-a", STANDARD, [], p(2_000_001, S, DYNAMIC, (CERT, PWD)), NO,
     R.REASON_SCAN_DYNAMIC_QR_DAILY_LIMIT_EXCEEDED, 2_000_000),
    ("dynamic-self-agreed-override", {**STANDARD, "limit_overrides": lp(scan_dynamic_qr_level_a_daily_minor=3_000_000)},
     [], p(3_000_000, S, DYNAMIC, (CERT, BIO)), OK, R.REASON_APPROVED, None),
    ("dynamic-counts-static-too", STANDARD, [p(30_000, S, STATIC)], p(70_001, S, DYNAMIC), STEP,
     R.REASON_SCAN_QR_VERIFICATION_REQUIRED, 70_000),
    ("quick-no-pin-1000", STANDARD, [], p(100_000, Q), OK, R.REASON_APPROVED, None),
    ("quick-no-pin-above-1000", STANDARD, [], p(100_001, Q), STEP, R.REASON_QUICK_PAY_VERIFICATION_REQUIRED, 100_000),
    ("quick-pin", STANDARD, [], p(100_001, Q, factors=(PWD,)), OK, R.REASON_APPROVED, None),
    ("quick-biometric", STANDARD, [], p(300_000, Q, factors=(BIO,)), OK, R.REASON_APPROVED, None),
    ("quick-sms-is-not-pin", STANDARD, [], p(100_001, Q, factors=(SMS,)), STEP,
     R.REASON_QUICK_PAY_VERIFICATION_REQUIRED, 100_000),
    ("quick-no-pin-daily-total", STANDARD, [p(100_000, Q), p(100_000, Q)], p(1, Q), STEP,
     R.REASON_QUICK_PAY_VERIFICATION_REQUIRED, 0),
    ("quick-verified-not-counted", STANDARD, [p(100_000, Q, factors=(PWD,)), p(100_000, Q)], p(100_000, Q), OK,
     R.REASON_APPROVED, None),
    ("precedence-closed-over-credit", {**STANDARD, "status": c.ACCOUNT_STATUS_CLOSED, "credit_limit_minor": 0}, [],
     p(100), NO, R.REASON_ACCOUNT_CLOSED, 0),
    ("precedence-decline-over-challenge", {**STANDARD, "credit_limit_minor": 50_000}, [], p(100_001, Q), NO,
     R.REASON_INSUFFICIENT_CREDIT, 50_000),
    ("precedence-credit-over-limits", {**STANDARD, "credit_limit_minor": 1_000, "limit_overrides": lp(per_transaction_minor=500)},
     [], p(2_000), NO, R.REASON_INSUFFICIENT_CREDIT, 500),
]


def setup_account(client, name: str, fields: dict) -> str:
    fields = dict(fields)
    limit = fields.pop("credit_limit_minor", 10_000_000)
    overdue = fields.pop("overdue", 0)
    status = fields.pop("status", c.ACCOUNT_STATUS_ACTIVE)
    client.upsert(name, limit, **fields)
    if overdue:
        hold = client.pay(name, overdue)
        client.authz.Capture(authz.CaptureRequest(request_id=client.rid(), authorization_id=hold.authorization_id,
                                                  currency="CNY"))
        client.upsert(name, limit, overdue_minor=overdue)
    if status != c.ACCOUNT_STATUS_ACTIVE:
        client.upsert(name, limit, status=status)
    return name


@pytest.mark.parametrize("name, account, before, payment, decision, reason, max_approvable", CASES,
                         ids=[case[0] for case in CASES])
def test_rule(client, name, account, before, payment, decision, reason, max_approvable):
    account_id = setup_account(client, name, account)
    for amount, channel, fields in before:
        assert client.pay(account_id, amount, channel, **fields).decision == OK
    amount, channel, fields = payment
    response = client.pay(account_id, amount, channel, **fields)
    assert (response.decision, response.reason) == (decision, reason), response
    first = response.reasons[0]
    info = CATALOGUE[reason]
    assert (first.reason, first.iso8583_code, first.retry_category) == (reason, info.iso8583, info.retry)
    assert first.message_en and first.message_zh
    if decision == OK:
        assert response.authorization_id.startswith("au_")
        assert response.hold_expires_at.seconds > 0
    else:
        assert not response.authorization_id
        assert first.hint_en and first.hint_zh, "a refusal says what to do"
        assert [r.reason for r in response.reasons] == sorted(r.reason for r in response.reasons)
    if max_approvable is not None:
        assert response.max_approvable_minor == max_approvable
    assert response.policy_version


def test_declined_with_every_reason_listed(client):
    """A payment that breaks several rules lists all of them, in precedence order."""
    client.upsert("many", 1_000, tier=c.TIER_STANDARD, status=c.ACCOUNT_STATUS_FROZEN,
                  limit_overrides=lp(per_transaction_minor=500, daily_amount_minor=700))
    response = client.pay("many", 2_000, currency="CNY")
    assert [r.reason for r in response.reasons] == [
        R.REASON_ACCOUNT_FROZEN, R.REASON_INSUFFICIENT_CREDIT, R.REASON_TRANSACTION_LIMIT_EXCEEDED,
        R.REASON_DAILY_AMOUNT_LIMIT_EXCEEDED]
    daily = response.reasons[3]
    assert (daily.window.limit, daily.window.used, daily.window.remaining) == (700, 0, 700)
    assert daily.window.resets_at.seconds > 0


def test_overdue_hint_names_the_amount_to_repay(client):
    setup_account(client, "late", {**STANDARD, "overdue": 12_000})
    response = client.pay("late", 100)
    assert "¥120.00" in response.reasons[0].hint_en and "¥120.00" in response.reasons[0].hint_zh


def test_daily_window_resets_at_local_midnight(client, clock):
    """Calendar days in the account's zone: 23:59 and 00:00 Asia/Shanghai are different days."""
    client.upsert("midnight", 10_000_000, tier=c.TIER_STANDARD, limit_overrides=lp(daily_amount_minor=1_000))
    clock.now_s = clock.now_s - (clock.now_s + 8 * 3600) % 86400 + 86400 - 60  # 23:59 local
    assert client.pay("midnight", 1_000).decision == OK
    refused = client.pay("midnight", 1)
    assert refused.reason == R.REASON_DAILY_AMOUNT_LIMIT_EXCEEDED
    assert refused.reasons[0].window.resets_at.seconds == int(clock.now_s) + 60
    clock.advance(60)
    assert client.pay("midnight", 1_000).decision == OK


def test_utc_account_counts_days_in_utc(client, clock):
    client.upsert("utc", 10_000_000, tier=c.TIER_STANDARD, time_zone="UTC", limit_overrides=lp(daily_count=1))
    clock.now_s = clock.now_s - clock.now_s % 86400 + 86400 - 30   # 23:59:30 UTC, 07:59:30 next day in Shanghai
    assert client.pay("utc", 100).decision == OK
    assert client.pay("utc", 100).reason == R.REASON_DAILY_COUNT_LIMIT_EXCEEDED
    clock.advance(30)
    assert client.pay("utc", 100).decision == OK
