"""Turns the kernel's numbers into what a customer reads: the limit windows with what is left
of them, and each reason with its messages, hint and the limit it hit."""

from __future__ import annotations

import dataclasses
import datetime

from google.protobuf import timestamp_pb2

from authcore._fast.ledger import day_and_month
from authcore.decision.money import format_minor
from authcore.decision.policy import CHANNELS, NO_LIMIT
from authcore.decision.reasons import CATALOGUE
from authcore.v1 import common_pb2 as c

R = c.Reason
CHANNEL_NAMES = {
    c.CHANNEL_WALLET: ("钱包", "wallet"),
    c.CHANNEL_SCAN_TO_PAY: ("扫码", "scan-to-pay"),
    c.CHANNEL_QUICK_PAY: ("闪付", "quick-pay"),
}
EPOCH = datetime.date(1970, 1, 1)
CERTIFICATE_BIT = 1 << (c.VERIFICATION_FACTOR_DIGITAL_CERTIFICATE - 1)


def timestamp(seconds: int) -> timestamp_pb2.Timestamp:
    return timestamp_pb2.Timestamp(seconds=seconds)


@dataclasses.dataclass(frozen=True, slots=True)
class Clock:
    """Where "today" and "this month" end for one account."""

    day: int
    month: int
    day_end_s: int
    month_end_s: int

    @classmethod
    def of(cls, now_s: int, utc_offset_s: int) -> "Clock":
        day, month = day_and_month(now_s, utc_offset_s)
        year, month0 = divmod(month + 1, 12)
        first_of_next = (datetime.date(year, month0 + 1, 1) - EPOCH).days
        return cls(day, month, (day + 1) * 86400 - utc_offset_s, first_of_next * 86400 - utc_offset_s)


def _window(scope, period, unit, limit, used, clock: Clock, channel=c.CHANNEL_UNSPECIFIED) -> c.LimitWindow:
    window = c.LimitWindow(scope=scope, channel=channel, period=period, unit=unit, limit=int(limit),
                           used=int(used), remaining=max(0, int(limit) - int(used)))
    if period == c.LIMIT_PERIOD_DAY:
        window.resets_at.CopyFrom(timestamp(clock.day_end_s))
    elif period == c.LIMIT_PERIOD_MONTH:
        window.resets_at.CopyFrom(timestamp(clock.month_end_s))
    return window


def reason_windows(row, prof, channel: int, clock: Clock) -> dict[int, c.LimitWindow | list]:
    """The window behind each limit reason for one channel (proto Channel value)."""
    i = CHANNELS.index(channel)
    today = row["day_index"] == clock.day
    month = row["month_index"] == clock.month
    used_day = lambda v: v if today else 0  # noqa: E731
    used_month = lambda v: v if month else 0  # noqa: E731
    S, P, U = c.LimitScope, c.LimitPeriod, c.LimitUnit
    acct, chan = S.LIMIT_SCOPE_ACCOUNT, S.LIMIT_SCOPE_CHANNEL
    txn, day, mon = P.LIMIT_PERIOD_TRANSACTION, P.LIMIT_PERIOD_DAY, P.LIMIT_PERIOD_MONTH
    minor, count = U.LIMIT_UNIT_MINOR, U.LIMIT_UNIT_COUNT
    scan_used = used_day(row["channel_day_amount"][CHANNELS.index(c.CHANNEL_SCAN_TO_PAY)])
    w = {
        R.REASON_TRANSACTION_LIMIT_EXCEEDED: _window(acct, txn, minor, prof["per_transaction"], 0, clock),
        R.REASON_DAILY_AMOUNT_LIMIT_EXCEEDED: _window(acct, day, minor, prof["daily_amount"],
                                                      used_day(row["day_amount"]), clock),
        R.REASON_DAILY_COUNT_LIMIT_EXCEEDED: _window(acct, day, count, prof["daily_count"],
                                                     used_day(row["day_count"]), clock),
        R.REASON_MONTHLY_AMOUNT_LIMIT_EXCEEDED: _window(acct, mon, minor, prof["monthly_amount"],
                                                        used_month(row["month_amount"]), clock),
        R.REASON_MONTHLY_COUNT_LIMIT_EXCEEDED: _window(acct, mon, count, prof["monthly_count"],
                                                       used_month(row["month_count"]), clock),
        R.REASON_CHANNEL_TRANSACTION_LIMIT_EXCEEDED: _window(chan, txn, minor, prof["channel_per_transaction"][i],
                                                             0, clock, channel),
        R.REASON_CHANNEL_DAILY_AMOUNT_LIMIT_EXCEEDED: _window(chan, day, minor, prof["channel_daily_amount"][i],
                                                              used_day(row["channel_day_amount"][i]), clock, channel),
        R.REASON_CHANNEL_DAILY_COUNT_LIMIT_EXCEEDED: _window(chan, day, count, prof["channel_daily_count"][i],
                                                             used_day(row["channel_day_count"][i]), clock, channel),
        R.REASON_CHANNEL_MONTHLY_AMOUNT_LIMIT_EXCEEDED: _window(
            chan, mon, minor, prof["channel_monthly_amount"][i], used_month(row["channel_month_amount"][i]),
            clock, channel),
        R.REASON_CHANNEL_MONTHLY_COUNT_LIMIT_EXCEEDED: _window(
            chan, mon, count, prof["channel_monthly_count"][i], used_month(row["channel_month_count"][i]),
            clock, channel),
    }
    if channel == c.CHANNEL_SCAN_TO_PAY:
        w[R.REASON_SCAN_STATIC_QR_DAILY_LIMIT_EXCEEDED] = _window(
            S.LIMIT_SCOPE_SCAN_STATIC_QR, day, minor, prof["static_qr_daily"], used_day(row["static_qr_day_amount"]),
            clock)
        w["levels"] = [
            _window(S.LIMIT_SCOPE_SCAN_DYNAMIC_QR_LEVEL_C, day, minor, prof["dynamic_qr_level_c_daily"], scan_used,
                    clock),
            _window(S.LIMIT_SCOPE_SCAN_DYNAMIC_QR_LEVEL_B, day, minor, prof["dynamic_qr_level_b_daily"], scan_used,
                    clock),
            _window(S.LIMIT_SCOPE_SCAN_DYNAMIC_QR_LEVEL_A, day, minor, prof["dynamic_qr_level_a_daily"], scan_used,
                    clock),
        ]
    if channel == c.CHANNEL_QUICK_PAY:
        w["quick"] = [
            _window(S.LIMIT_SCOPE_QUICK_PAY_NO_VERIFICATION, txn, minor, prof["quick_unverified_per_transaction"], 0,
                    clock),
            _window(S.LIMIT_SCOPE_QUICK_PAY_NO_VERIFICATION, day, minor, prof["quick_unverified_daily"],
                    used_day(row["quick_unverified_day_amount"]), clock),
        ]
    return w


def account_windows(row, prof, clock: Clock) -> list[c.LimitWindow]:
    """Every limited window of the account, account-wide first, then per channel."""
    out: list[c.LimitWindow] = []
    for position, channel in enumerate(CHANNELS):
        for key, value in reason_windows(row, prof, channel, clock).items():
            if position > 0 and key in ACCOUNT_WIDE:
                continue
            for window in value if isinstance(value, list) else [value]:
                if window.limit != NO_LIMIT:
                    out.append(window)
    return out


# The reasons that quote a limit window.
WINDOWED = frozenset({
    R.REASON_TRANSACTION_LIMIT_EXCEEDED, R.REASON_DAILY_AMOUNT_LIMIT_EXCEEDED, R.REASON_DAILY_COUNT_LIMIT_EXCEEDED,
    R.REASON_MONTHLY_AMOUNT_LIMIT_EXCEEDED, R.REASON_MONTHLY_COUNT_LIMIT_EXCEEDED,
    R.REASON_CHANNEL_TRANSACTION_LIMIT_EXCEEDED, R.REASON_CHANNEL_DAILY_AMOUNT_LIMIT_EXCEEDED,
    R.REASON_CHANNEL_DAILY_COUNT_LIMIT_EXCEEDED, R.REASON_CHANNEL_MONTHLY_AMOUNT_LIMIT_EXCEEDED,
    R.REASON_CHANNEL_MONTHLY_COUNT_LIMIT_EXCEEDED, R.REASON_SCAN_STATIC_QR_DAILY_LIMIT_EXCEEDED,
    R.REASON_SCAN_DYNAMIC_QR_DAILY_LIMIT_EXCEEDED, R.REASON_SCAN_QR_VERIFICATION_REQUIRED,
    R.REASON_QUICK_PAY_VERIFICATION_REQUIRED,
})

ACCOUNT_WIDE = {
    R.REASON_TRANSACTION_LIMIT_EXCEEDED, R.REASON_DAILY_AMOUNT_LIMIT_EXCEEDED, R.REASON_DAILY_COUNT_LIMIT_EXCEEDED,
    R.REASON_MONTHLY_AMOUNT_LIMIT_EXCEEDED, R.REASON_MONTHLY_COUNT_LIMIT_EXCEEDED,
}


@dataclasses.dataclass(slots=True)
class Situation:
    """Everything the explanation of one decision may quote."""

    row: object
    prof: object
    channel: int
    amount: int
    currency: str
    account_currency: str
    zone: str
    factors: int        # verification factor bits
    now_s: int
    stand_in_max_minor: int = 0


def _fill(template: str, values: dict) -> str:
    return template.format_map(values) if template else ""


def detail(reason: int, s: Situation | None, windows: dict | None = None) -> c.ReasonDetail:
    """One reason with its codes, messages, hint and (for a limit) the window it hit."""
    info = CATALOGUE[reason]
    out = c.ReasonDetail(reason=reason, iso8583_code=info.iso8583, retry_category=info.retry,
                         message_zh=info.message_zh, message_en=info.message_en)
    if reason == R.REASON_APPROVED:
        return out
    if s is None:  # a reason whose texts quote nothing of the account
        out.hint_zh, out.hint_en = info.hint_zh, info.hint_en
        return out
    money = lambda v: format_minor(int(v), s.account_currency)  # noqa: E731
    row, prof = s.row, s.prof
    available = int(row["limit"]) - int(row["posted"]) - int(row["held"])
    zh, en = CHANNEL_NAMES[s.channel]
    values = {
        "channel_zh": zh, "channel_en": en, "currency": s.currency, "account_currency": s.account_currency,
        "zone": s.zone, "overdue": money(row["overdue"]), "available": money(max(0, available)),
        "shortfall": money(max(0, s.amount - available)), "limit": "", "remaining": "", "next_cap": "",
        "level_b": "", "stand_in_limit": money(s.stand_in_max_minor),
    }
    window = None
    if reason in WINDOWED:
        if windows is None:
            windows = reason_windows(row, prof, s.channel, Clock.of(s.now_s, int(row["utc_offset_s"])))
        window = _reason_window(reason, s, windows, values, money)
    if window is not None:
        if window.unit == c.LIMIT_UNIT_MINOR:
            values["limit"] = values["limit"] or money(window.limit)
            values["remaining"] = money(window.remaining)
        else:
            values["limit"] = str(window.limit)
            values["remaining"] = str(window.remaining)
        out.window.CopyFrom(window)
    out.message_zh = _fill(info.message_zh, values)
    out.message_en = _fill(info.message_en, values)
    out.hint_zh = _fill(info.hint_zh, values)
    out.hint_en = _fill(info.hint_en, values)
    return out


def _reason_window(reason: int, s: Situation, windows: dict, values: dict, money) -> c.LimitWindow | None:
    """The window a limit reason quotes; fills the values its texts need beyond the window's."""
    if reason == R.REASON_SCAN_DYNAMIC_QR_DAILY_LIMIT_EXCEEDED:
        return max(windows["levels"], key=lambda w: w.limit)
    if reason == R.REASON_SCAN_QR_VERIFICATION_REQUIRED:
        c_, b_, a_ = windows["levels"]
        # The smallest step-up that lets this amount through: two factors (level B), else a
        # digital certificate and another factor (level A).
        values["next_cap"] = money(b_.remaining if s.amount <= b_.remaining else a_.remaining)
        values["level_b"] = money(b_.limit)
        two_factors = bin(s.factors).count("1") >= 2
        return a_ if (two_factors and s.factors & CERTIFICATE_BIT) else b_ if two_factors else c_
    if reason == R.REASON_QUICK_PAY_VERIFICATION_REQUIRED:
        per_txn, daily = windows["quick"]
        values["limit"] = money(per_txn.limit)
        return per_txn if s.amount > per_txn.limit else daily
    return windows.get(reason)
