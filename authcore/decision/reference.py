"""The executable spec of the authorization decision, in plain Python.

It keeps its own state (dataclasses, dicts, datetimes in the account's IANA zone) and reads the
resolved limit profile straight from its protobuf message, so that it shares nothing with the
compiled kernel but the contract. tests/test_kernel_vs_reference.py drives both with the same
random requests and demands the same decision, reasons, headroom and state, request for request.
"""

from __future__ import annotations

import dataclasses
import datetime
import zoneinfo

from authcore.v1 import common_pb2 as c

R = c.Reason
CHALLENGES = {R.REASON_SCAN_QR_VERIFICATION_REQUIRED, R.REASON_QUICK_PAY_VERIFICATION_REQUIRED}


def _limit(message, name: str) -> int | None:
    """A limit of a profile, or None for "no limit"."""
    return getattr(message, name) if message.HasField(name) else None


@dataclasses.dataclass
class Usage:
    """What an account used in one day or month."""

    amount: int = 0
    count: int = 0
    channel_amount: dict = dataclasses.field(default_factory=dict)
    channel_count: dict = dataclasses.field(default_factory=dict)
    static_qr_amount: int = 0
    quick_unverified_amount: int = 0


@dataclasses.dataclass
class Account:
    limit: int
    profile: c.LimitProfile
    posted: int = 0
    held: int = 0
    overdue: int = 0
    status: int = c.ACCOUNT_STATUS_ACTIVE
    currency: str = "CNY"
    zone: str = "Asia/Shanghai"
    day: datetime.date | None = None
    day_usage: Usage = dataclasses.field(default_factory=Usage)
    month: tuple[int, int] | None = None
    month_usage: Usage = dataclasses.field(default_factory=Usage)

    def local(self, now: datetime.datetime) -> tuple[datetime.date, tuple[int, int]]:
        local = now.astimezone(zoneinfo.ZoneInfo(self.zone))
        return local.date(), (local.year, local.month)

    def usage(self, now: datetime.datetime) -> tuple[Usage, Usage]:
        """Today's and this month's usage; a window from another day or month counts as empty."""
        day, month = self.local(now)
        return (self.day_usage if self.day == day else Usage(),
                self.month_usage if self.month == month else Usage())


@dataclasses.dataclass(frozen=True)
class Hold:
    channel: int
    amount: int
    day: datetime.date
    month: tuple[int, int]
    static_qr: bool
    quick_unverified: bool


@dataclasses.dataclass(frozen=True)
class Outcome:
    decision: int
    reasons: list[int]
    max_approvable: int   # before this payment's own hold, on an approval too
    available: int
    hold: Hold | None


def _channel_limits(profile: c.LimitProfile, channel: int) -> c.ChannelLimits:
    for limits in profile.channels:
        if limits.channel == channel:
            return limits
    return c.ChannelLimits(channel=channel)


def authorize(account: Account, channel: int, amount: int, currency: str, qr: int,
              factors: set[int], now: datetime.datetime, book: bool = True) -> Outcome:
    """Decide one payment; when approved and book is true, place the hold and count it."""
    p = account.profile
    today, this_month = account.usage(now)
    reasons: list[int] = []
    headroom: list[int] = []
    blocked = False

    def amount_check(reason: int, limit: int | None, used: int) -> int | None:
        if limit is None:
            return None
        remaining = max(0, limit - used)
        headroom.append(remaining)
        if amount > remaining:
            reasons.append(reason)
        return remaining

    def count_check(reason: int, limit: int | None, used: int) -> None:
        nonlocal blocked
        if limit is not None and used + 1 > limit:
            reasons.append(reason)
            blocked = True

    # 1. Account state: closed, frozen, overdue, channel not open to this account.
    if account.status == c.ACCOUNT_STATUS_CLOSED:
        reasons.append(R.REASON_ACCOUNT_CLOSED)
    if account.status == c.ACCOUNT_STATUS_FROZEN:
        reasons.append(R.REASON_ACCOUNT_FROZEN)
    if account.overdue > 0:
        reasons.append(R.REASON_ACCOUNT_FROZEN_OVERDUE)
    ch = _channel_limits(p, channel)
    if ch.HasField("allowed") and not ch.allowed:
        reasons.append(R.REASON_CHANNEL_NOT_ALLOWED)
    # 2. Currency.
    if currency != account.currency:
        reasons.append(R.REASON_CURRENCY_NOT_SUPPORTED)
    blocked = bool(reasons)
    # 3. Credit line.
    available = account.limit - account.posted - account.held
    amount_check(R.REASON_INSUFFICIENT_CREDIT, available, 0)
    # 4. Account limits.
    amount_check(R.REASON_TRANSACTION_LIMIT_EXCEEDED, _limit(p, "per_transaction_minor"), 0)
    amount_check(R.REASON_DAILY_AMOUNT_LIMIT_EXCEEDED, _limit(p, "daily_amount_minor"), today.amount)
    count_check(R.REASON_DAILY_COUNT_LIMIT_EXCEEDED, _limit(p, "daily_count"), today.count)
    amount_check(R.REASON_MONTHLY_AMOUNT_LIMIT_EXCEEDED, _limit(p, "monthly_amount_minor"), this_month.amount)
    count_check(R.REASON_MONTHLY_COUNT_LIMIT_EXCEEDED, _limit(p, "monthly_count"), this_month.count)
    # 5. Channel limits.
    ch_day_amount = today.channel_amount.get(channel, 0)
    amount_check(R.REASON_CHANNEL_TRANSACTION_LIMIT_EXCEEDED, _limit(ch, "per_transaction_minor"), 0)
    amount_check(R.REASON_CHANNEL_DAILY_AMOUNT_LIMIT_EXCEEDED, _limit(ch, "daily_amount_minor"), ch_day_amount)
    count_check(R.REASON_CHANNEL_DAILY_COUNT_LIMIT_EXCEEDED, _limit(ch, "daily_count"),
                today.channel_count.get(channel, 0))
    amount_check(R.REASON_CHANNEL_MONTHLY_AMOUNT_LIMIT_EXCEEDED, _limit(ch, "monthly_amount_minor"),
                 this_month.channel_amount.get(channel, 0))
    count_check(R.REASON_CHANNEL_MONTHLY_COUNT_LIMIT_EXCEEDED, _limit(ch, "monthly_count"),
                this_month.channel_count.get(channel, 0))
    # 6. PBOC barcode rules. Static codes: their own daily total, whatever the verification.
    # Dynamic codes: every scan-to-pay payment of the day against the cap of the verification
    # level; if a higher level would allow it, the customer is asked to verify more.
    static_qr = channel == c.CHANNEL_SCAN_TO_PAY and qr == c.QR_CODE_TYPE_STATIC
    if static_qr:
        amount_check(R.REASON_SCAN_STATIC_QR_DAILY_LIMIT_EXCEEDED, _limit(p, "scan_static_qr_daily_minor"),
                     today.static_qr_amount)
    elif channel == c.CHANNEL_SCAN_TO_PAY and qr == c.QR_CODE_TYPE_DYNAMIC:
        level_a = p.scan_dynamic_qr_level_a_daily_minor
        level_b = p.scan_dynamic_qr_level_b_daily_minor
        level_c = p.scan_dynamic_qr_level_c_daily_minor
        if len(factors) >= 2 and c.VERIFICATION_FACTOR_DIGITAL_CERTIFICATE in factors:
            cap = level_a
        elif len(factors) >= 2:
            cap = level_b
        else:
            cap = level_c
        if amount > max(0, max(level_a, level_b, level_c) - ch_day_amount):
            reasons.append(R.REASON_SCAN_DYNAMIC_QR_DAILY_LIMIT_EXCEEDED)
        elif amount > max(0, cap - ch_day_amount):
            reasons.append(R.REASON_SCAN_QR_VERIFICATION_REQUIRED)
        headroom.append(max(0, cap - ch_day_amount))
    # 7. Quick-pay without PIN or biometric: small amounts only; above them, verify.
    quick_unverified = channel == c.CHANNEL_QUICK_PAY and not (
        factors & {c.VERIFICATION_FACTOR_PASSWORD, c.VERIFICATION_FACTOR_BIOMETRIC})
    if quick_unverified:
        per_txn = _limit(p, "quick_pay_no_verification_per_transaction_minor")
        daily = _limit(p, "quick_pay_no_verification_daily_minor")
        caps = [x for x in (per_txn, None if daily is None else max(0, daily - today.quick_unverified_amount))
                if x is not None]
        if caps:
            if amount > min(caps):
                reasons.append(R.REASON_QUICK_PAY_VERIFICATION_REQUIRED)
            headroom.append(min(caps))

    reasons.sort()  # Reason values are the precedence order.
    if any(r not in CHALLENGES for r in reasons):
        decision = c.DECISION_DECLINED
    elif reasons:
        decision = c.DECISION_CHALLENGE
    else:
        decision = c.DECISION_APPROVED
    max_approvable = 0 if blocked else max(0, min(headroom))
    hold = None
    if decision == c.DECISION_APPROVED:
        day, month = account.local(now)
        hold = Hold(channel, amount, day, month, static_qr, quick_unverified)
        if book:
            _book(account, hold)
        available -= amount
    return Outcome(decision, reasons, max_approvable, available, hold)


def _book(account: Account, hold: Hold) -> None:
    if account.day != hold.day:
        account.day, account.day_usage = hold.day, Usage()
    if account.month != hold.month:
        account.month, account.month_usage = hold.month, Usage()
    _count(account.day_usage, hold, hold.amount, 1)
    _count(account.month_usage, hold, hold.amount, 1)
    account.held += hold.amount


def _count(usage: Usage, hold: Hold, amount: int, count: int) -> None:
    usage.amount += amount
    usage.count += count
    usage.channel_amount[hold.channel] = usage.channel_amount.get(hold.channel, 0) + amount
    usage.channel_count[hold.channel] = usage.channel_count.get(hold.channel, 0) + count
    if hold.static_qr:
        usage.static_qr_amount += amount
    if hold.quick_unverified:
        usage.quick_unverified_amount += amount


def _uncount(account: Account, hold: Hold, amount: int, count: int) -> None:
    """A released payment stops counting in its windows if they are still the current ones."""
    if account.day == hold.day:
        _count(account.day_usage, hold, -amount, -count)
    if account.month == hold.month:
        _count(account.month_usage, hold, -amount, -count)


def void(account: Account, hold: Hold) -> None:
    """Release a hold (void or expiry)."""
    account.held -= hold.amount
    _uncount(account, hold, hold.amount, 1)


def capture(account: Account, hold: Hold, captured: int) -> None:
    """Post captured <= hold.amount; the rest is released."""
    assert 0 < captured <= hold.amount
    account.held -= hold.amount
    account.posted += captured
    _uncount(account, hold, hold.amount - captured, 0)


def refund(account: Account, amount: int) -> None:
    account.posted -= amount


def repay(account: Account, amount: int) -> None:
    account.posted -= amount
    account.overdue -= min(account.overdue, amount)
