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


# The enum values the windows name, read once (each enum attribute is a Python lookup).
ACCOUNT_SCOPE, CHANNEL_SCOPE = c.LIMIT_SCOPE_ACCOUNT, c.LIMIT_SCOPE_CHANNEL
TXN, DAY, MONTH = c.LIMIT_PERIOD_TRANSACTION, c.LIMIT_PERIOD_DAY, c.LIMIT_PERIOD_MONTH
MINOR, COUNT = c.LIMIT_UNIT_MINOR, c.LIMIT_UNIT_COUNT
SCAN_INDEX = CHANNELS.index(c.CHANNEL_SCAN_TO_PAY)


def _window(scope, period, unit, limit, used, clock: Clock, channel=c.CHANNEL_UNSPECIFIED) -> c.LimitWindow:
    limit, used = int(limit), int(used)
    window = c.LimitWindow(scope=scope, channel=channel, period=period, unit=unit, limit=limit, used=used,
                           remaining=max(0, limit - used))
    if period == DAY:
        window.resets_at.seconds = clock.day_end_s
    elif period == MONTH:
        window.resets_at.seconds = clock.month_end_s
    return window


class Windows:
    """The window behind each limit reason for one channel (proto Channel value), each made when
    first asked for: a decline quotes one or two of them. Keys are reasons, and "levels" (the
    dynamic QR code levels C, B, A) and "quick" (quick-pay without verification: per payment,
    daily), which are lists."""

    __slots__ = ("row", "prof", "channel", "clock", "i", "today", "month", "_made")

    def __init__(self, row, prof, channel: int, clock: Clock):
        self.row, self.prof, self.channel, self.clock = row, prof, channel, clock
        self.i = CHANNELS.index(channel)
        self.today = row["day_index"] == clock.day
        self.month = row["month_index"] == clock.month
        self._made: dict = {}

    def keys(self) -> list:
        out = list(_ACCOUNT_BUILDERS) + list(_CHANNEL_BUILDERS)
        if self.channel == c.CHANNEL_SCAN_TO_PAY:
            out += [R.REASON_SCAN_STATIC_QR_DAILY_LIMIT_EXCEEDED, "levels"]
        if self.channel == c.CHANNEL_QUICK_PAY:
            out.append("quick")
        return out

    def get(self, key, default=None):
        made = self._made.get(key)
        if made is None:
            made = self._make(key)
            if made is None:
                return default
            self._made[key] = made
        return made

    def __getitem__(self, key):
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def items(self) -> list:
        return [(key, self[key]) for key in self.keys()]

    def _day(self, value) -> int:
        return value if self.today else 0

    def _month(self, value) -> int:
        return value if self.month else 0

    def _make(self, key):
        row, prof, clock = self.row, self.prof, self.clock
        built = _ACCOUNT_BUILDERS.get(key)
        if built is not None:
            period, unit, limit, used = built
            used = 0 if used is None else self._day(row[used]) if period == DAY else self._month(row[used])
            return _window(ACCOUNT_SCOPE, period, unit, prof[limit], used, clock)
        built = _CHANNEL_BUILDERS.get(key)
        if built is not None:
            period, unit, limit, used = built
            i = self.i
            used = 0 if used is None else self._day(row[used][i]) if period == DAY else self._month(row[used][i])
            return _window(CHANNEL_SCOPE, period, unit, prof[limit][i], used, clock, self.channel)
        if self.channel == c.CHANNEL_SCAN_TO_PAY:
            if key == R.REASON_SCAN_STATIC_QR_DAILY_LIMIT_EXCEEDED:
                return _window(c.LIMIT_SCOPE_SCAN_STATIC_QR, DAY, MINOR, prof["static_qr_daily"],
                               self._day(row["static_qr_day_amount"]), clock)
            if key == "levels":
                used = self._day(row["channel_day_amount"][SCAN_INDEX])
                return [_window(scope, DAY, MINOR, prof[limit], used, clock) for scope, limit in (
                    (c.LIMIT_SCOPE_SCAN_DYNAMIC_QR_LEVEL_C, "dynamic_qr_level_c_daily"),
                    (c.LIMIT_SCOPE_SCAN_DYNAMIC_QR_LEVEL_B, "dynamic_qr_level_b_daily"),
                    (c.LIMIT_SCOPE_SCAN_DYNAMIC_QR_LEVEL_A, "dynamic_qr_level_a_daily"))]
        if self.channel == c.CHANNEL_QUICK_PAY and key == "quick":
            return [
                _window(c.LIMIT_SCOPE_QUICK_PAY_NO_VERIFICATION, TXN, MINOR, prof["quick_unverified_per_transaction"],
                        0, clock),
                _window(c.LIMIT_SCOPE_QUICK_PAY_NO_VERIFICATION, DAY, MINOR, prof["quick_unverified_daily"],
                        self._day(row["quick_unverified_day_amount"]), clock),
            ]
        return None


# reason -> (period, unit, the profile's limit column, the row's used column or None), in the
# order GetAccount lists them.
_ACCOUNT_BUILDERS = {
    R.REASON_TRANSACTION_LIMIT_EXCEEDED: (TXN, MINOR, "per_transaction", None),
    R.REASON_DAILY_AMOUNT_LIMIT_EXCEEDED: (DAY, MINOR, "daily_amount", "day_amount"),
    R.REASON_DAILY_COUNT_LIMIT_EXCEEDED: (DAY, COUNT, "daily_count", "day_count"),
    R.REASON_MONTHLY_AMOUNT_LIMIT_EXCEEDED: (MONTH, MINOR, "monthly_amount", "month_amount"),
    R.REASON_MONTHLY_COUNT_LIMIT_EXCEEDED: (MONTH, COUNT, "monthly_count", "month_count"),
}
_CHANNEL_BUILDERS = {
    R.REASON_CHANNEL_TRANSACTION_LIMIT_EXCEEDED: (TXN, MINOR, "channel_per_transaction", None),
    R.REASON_CHANNEL_DAILY_AMOUNT_LIMIT_EXCEEDED: (DAY, MINOR, "channel_daily_amount", "channel_day_amount"),
    R.REASON_CHANNEL_DAILY_COUNT_LIMIT_EXCEEDED: (DAY, COUNT, "channel_daily_count", "channel_day_count"),
    R.REASON_CHANNEL_MONTHLY_AMOUNT_LIMIT_EXCEEDED: (MONTH, MINOR, "channel_monthly_amount", "channel_month_amount"),
    R.REASON_CHANNEL_MONTHLY_COUNT_LIMIT_EXCEEDED: (MONTH, COUNT, "channel_monthly_count", "channel_month_count"),
}


def reason_windows(row, prof, channel: int, clock: Clock) -> Windows:
    """The window behind each limit reason for one channel (proto Channel value), made as asked."""
    return Windows(row, prof, channel, clock)


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


class _Values(dict):
    """What a reason's texts may quote, each made when a text first asks for it (a text quotes
    two or three of them)."""

    def __init__(self, s: Situation, money):
        zh, en = CHANNEL_NAMES[s.channel]
        super().__init__(channel_zh=zh, channel_en=en, currency=s.currency, account_currency=s.account_currency,
                         zone=s.zone, limit="", remaining="", next_cap="", level_b="")
        self.s, self.money = s, money

    def __missing__(self, key: str) -> str:
        s, row = self.s, self.s.row
        available = int(row["limit"]) - int(row["posted"]) - int(row["held"])
        if key == "overdue":
            value = self.money(row["overdue"])
        elif key == "available":
            value = self.money(max(0, available))
        elif key == "shortfall":
            value = self.money(max(0, s.amount - available))
        elif key == "stand_in_limit":
            value = self.money(s.stand_in_max_minor)
        else:
            raise KeyError(key)
        self[key] = value
        return value


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
    values = _Values(s, money)
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
