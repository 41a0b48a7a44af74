"""Request validation: a flat list of checks per request, each adding a field violation.
A request with any violation is refused with INVALID_ARGUMENT and changes nothing."""

from __future__ import annotations

import functools
import math
import re
import socket
import zoneinfo
from collections.abc import Iterable

import numpy as np

from authcore._fast.path import identifiers_valid
from authcore.errors import FieldViolation, InvalidArgument
from authcore.decision.money import MAX_AMOUNT_MINOR, currency_numeric, is_country
from authcore.decision.policy import CHANNELS, TIERS, validate_policy, validate_profile
from authcore.v1 import common_pb2 as c

MAX_REQUEST_ID_LEN = 128
MAX_ID_LEN = 64
MAX_DEVICE_ID_LEN = 128
MAX_IP_LEN = 45
MAX_FACTORS = 8
MAX_ZONE_LEN = 64
MAX_BATCH = 1000
MAX_INSTALLMENT_TERM_MONTHS = 60
# An identifier: a letter or digit, then letters, digits and _ . : -
ID_FIRST, ID_REST = r"[A-Za-z0-9]", r"[A-Za-z0-9_.:\-]"
ID_PATTERN = re.compile(f"{ID_FIRST}{ID_REST}*")
MCC_PATTERN = re.compile(r"[0-9]{4}")
FACTORS = frozenset(v for v in c.VerificationFactor.values() if v)
# The factors as AuthorizeBulkRequest.verification_factor_bits has them: factor f is bit f - 1.
FACTOR_BITS = sum(1 << (f - 1) for f in FACTORS)
STATUSES = frozenset(v for v in c.AccountStatus.values() if v)


def packed_ip(text: str) -> bytes | None:
    """The address as 4 or 16 bytes, or None if it is not an IPv4 or IPv6 address (the C
    library's parser: a few microseconds faster per request than the ipaddress module)."""
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            return socket.inet_pton(family, text)
        except (OSError, ValueError):
            continue
    return None


# -- the rules of a payment ------------------------------------------------------------------------
# An AuthorizeRequest and a row of an AuthorizeBulkRequest carry the same payment, so one set of
# rules checks both: each rule names the request's field and the chunk's column that hold the
# value, and says once what it allows and what a violation says (problem). authorize_violations
# applies the rules to one request, columns.chunk_of to whole columns: rows() finds the rows that
# may break a rule at column speed, and problem() has the last word on each, so a chunk's row
# and a unary request with the same value get the same violation.


class PaymentRule:
    """A rule over one value of a payment: field in AuthorizeRequest, column in
    AuthorizeBulkRequest (None: a bulk chunk has no such column)."""

    __slots__ = ("field", "column")

    def __init__(self, field: str, column: str | None):
        self.field, self.column = field, column

    def problem(self, value) -> str | None:
        """The violation's message when value breaks the rule, else None."""
        raise NotImplementedError

    def rows(self, values, distinct=None) -> Iterable[int]:
        """The rows of a column that may break the rule (those that do are what problem() says
        of them): each distinct value checked once (distinct: the column's set, when at hand)."""
        bad = {value for value in (set(values) if distinct is None else distinct) if self.problem(value) is not None}
        return [i for i, value in enumerate(values) if value in bad] if bad else ()


def identifier_problem(value: str, max_len: int, required: bool = True) -> str | None:
    """What is wrong with an identifier of at most max_len characters, or None."""
    if not value:
        return "is required" if required else None
    if len(value) > max_len:
        return f"at most {max_len} characters"
    if not ID_PATTERN.fullmatch(value):
        return "letters, digits and _ . : - only, starting with a letter or digit"
    return None


class Identifier(PaymentRule):
    __slots__ = ("max_len", "required", "whole")

    def __init__(self, field: str, column: str | None, max_len: int, required: bool = True):
        super().__init__(field, column)
        self.max_len, self.required = max_len, required
        # The pattern and the length limit in one expression, so a column is checked by one C loop.
        self.whole = re.compile(f"{ID_FIRST}{ID_REST}{{0,{max_len - 1}}}")

    def problem(self, value: str) -> str | None:
        if self.whole.fullmatch(value) is not None:
            return None
        return identifier_problem(value, self.max_len, self.required)

    def rows(self, values) -> Iterable[int]:
        # The common case, every value valid, checked in C (authcore._fast.path).
        if identifiers_valid(values, self.max_len):
            return ()
        return super().rows(values)


class Bounded(PaymentRule):
    """low <= value <= high; NaN is neither."""

    __slots__ = ("low", "high", "below", "above")

    def __init__(self, field: str, column: str | None, low, high, below: str, above: str | None = None):
        super().__init__(field, column)
        self.low, self.high, self.below, self.above = low, high, below, above or below

    def problem(self, value) -> str | None:
        if not value >= self.low:
            return self.below
        if not value <= self.high:
            return self.above
        return None

    def rows(self, values) -> Iterable[int]:
        values = np.asarray(values)
        return np.flatnonzero(~((values >= self.low) & (values <= self.high)))


class OneOf(PaymentRule):
    __slots__ = ("allowed", "message")

    def __init__(self, field: str, column: str | None, allowed, message: str):
        super().__init__(field, column)
        self.allowed, self.message = frozenset(allowed), message

    def problem(self, value) -> str | None:
        return None if value in self.allowed else self.message

    def rows(self, values) -> Iterable[int]:
        values = np.asarray(values)
        bad = np.ones(len(values), bool)
        for allowed in self.allowed:  # a few values: cheaper than np.isin
            bad &= values != allowed
        return np.flatnonzero(bad)


class Matches(PaymentRule):
    __slots__ = ("pattern", "message")

    def __init__(self, field: str, column: str | None, pattern: re.Pattern, message: str):
        super().__init__(field, column)
        self.pattern, self.message = pattern, message

    def problem(self, value: str) -> str | None:
        return None if self.pattern.fullmatch(value) else self.message

    def rows(self, values) -> Iterable[int]:
        if all(map(self.pattern.fullmatch, values)):
            return ()
        return super().rows(values)


class Currency(PaymentRule):
    __slots__ = ()

    def problem(self, value: str) -> str | None:
        if not value:
            return "is required (ISO 4217, e.g. CNY)"
        if currency_numeric(value[:8]) is None:
            return f"unknown ISO 4217 currency {value[:8]!r}"
        return None


class Country(PaymentRule):
    """An ISO 3166-1 alpha-2 code, or empty."""

    __slots__ = ()

    def problem(self, value: str) -> str | None:
        return "ISO 3166-1 alpha-2 code" if value and not is_country(value[:4]) else None


class MaxLength(PaymentRule):
    __slots__ = ("max_len",)

    def __init__(self, field: str, column: str | None, max_len: int):
        super().__init__(field, column)
        self.max_len = max_len

    def problem(self, value: str) -> str | None:
        return f"at most {self.max_len} characters" if len(value) > self.max_len else None

    def rows(self, values) -> Iterable[int]:
        # The common case, every value short enough, in one pass of C over the lengths.
        if max(map(len, values), default=0) <= self.max_len:
            return ()
        return [i for i, value in enumerate(values) if len(value) > self.max_len]


class IpAddress(PaymentRule):
    """An IPv4 or IPv6 address, or empty."""

    __slots__ = ()

    def packed(self, value: str) -> bytes | None:
        """The address as 4 or 16 bytes; None when empty or not an address."""
        return packed_ip(value) if value and len(value) <= MAX_IP_LEN else None

    def problem(self, value: str) -> str | None:
        return "an IPv4 or IPv6 address" if value and self.packed(value) is None else None


class QrCodeType(PaymentRule):
    """Scan-to-pay names its QR code type; no other channel has one. problem(qr_code_type, channel)."""

    __slots__ = ()

    def problem(self, value, channel=c.CHANNEL_UNSPECIFIED) -> str | None:
        if channel == c.CHANNEL_SCAN_TO_PAY:
            return None if value in (c.QR_CODE_TYPE_STATIC, c.QR_CODE_TYPE_DYNAMIC) else \
                "required for scan-to-pay: static or dynamic"
        return None if value == c.QR_CODE_TYPE_UNSPECIFIED else "only for CHANNEL_SCAN_TO_PAY"

    def rows(self, values, channels=None) -> Iterable[int]:
        values, channels = np.asarray(values), np.asarray(channels)
        named = (values == c.QR_CODE_TYPE_STATIC) | (values == c.QR_CODE_TYPE_DYNAMIC)
        return np.flatnonzero(np.where(channels == c.CHANNEL_SCAN_TO_PAY, ~named,
                                       values != c.QR_CODE_TYPE_UNSPECIFIED))


UNKNOWN_FACTOR = "unknown verification factor"


class Factors(PaymentRule):
    """The verification factors of a request: known ones, at most MAX_FACTORS."""

    __slots__ = ()

    def problem(self, value) -> str | None:
        if len(value) > MAX_FACTORS:
            return f"at most {MAX_FACTORS} entries"
        return None if FACTORS.issuperset(value) else UNKNOWN_FACTOR


class FactorBits(PaymentRule):
    """The verification factors of a chunk's payment as bits (factor f is bit f - 1): known ones."""

    __slots__ = ()

    def problem(self, value) -> str | None:
        return UNKNOWN_FACTOR if value & ~FACTOR_BITS else None

    def rows(self, values) -> Iterable[int]:
        return np.flatnonzero(np.asarray(values, np.int64) & ~FACTOR_BITS)


class Timestamp(PaymentRule):
    __slots__ = ()

    def problem(self, value) -> str | None:
        return None if 0 <= value.seconds <= 253402300799 and 0 <= value.nanos < 10**9 else "a valid timestamp"


REQUEST_ID = Identifier("request_id", "request_id", MAX_REQUEST_ID_LEN)
ACCOUNT_ID = Identifier("account_id", "account_ids", MAX_ID_LEN)
CHANNEL = OneOf("channel", "channels", CHANNELS, "must be CHANNEL_WALLET, CHANNEL_SCAN_TO_PAY or CHANNEL_QUICK_PAY")
AMOUNT = Bounded("amount_minor", "amounts_minor", 1, MAX_AMOUNT_MINOR, "must be greater than zero",
                 f"at most {MAX_AMOUNT_MINOR}")
CURRENCY = Currency("currency", "currency")
MERCHANT_ID = Identifier("merchant.merchant_id", "merchant_ids", MAX_ID_LEN)
MCC = Matches("merchant.mcc", "mccs", MCC_PATTERN, "four digits (ISO 18245)")
MERCHANT_COUNTRY = Country("merchant.country", "merchant_countries")
QR_CODE_TYPE = QrCodeType("qr_code_type", "qr_code_types")
VERIFICATION_FACTORS = Factors("verification.factors", None)
VERIFICATION_FACTOR_BITS = FactorBits("verification.factors", "verification_factor_bits")
DEVICE_ID = MaxLength("device.device_id", "device_ids", MAX_DEVICE_ID_LEN)
IP = IpAddress("device.ip", "ips")
LATITUDE = Bounded("device.latitude", "latitudes", -90.0, 90.0, "between -90 and 90")
LONGITUDE = Bounded("device.longitude", "longitudes", -180.0, 180.0, "between -180 and 180")
INSTALLMENT_TERM = Bounded("installment_term_months", None, 0, MAX_INSTALLMENT_TERM_MONTHS,
                           f"between 0 and {MAX_INSTALLMENT_TERM_MONTHS}")
OCCURRED_AT = Timestamp("occurred_at", None)
# Every rule of a payment, in the order their violations are listed.
PAYMENT_RULES = (REQUEST_ID, ACCOUNT_ID, CHANNEL, AMOUNT, CURRENCY, MERCHANT_ID, MCC, MERCHANT_COUNTRY, QR_CODE_TYPE,
                 VERIFICATION_FACTORS, VERIFICATION_FACTOR_BITS, DEVICE_ID, IP, LATITUDE, LONGITUDE, INSTALLMENT_TERM,
                 OCCURRED_AT)


# -- the rules of an imported account ---------------------------------------------------------------
# A row of an ImportAccountsRequest sets what an UpsertAccountRequest sets: the same limits, here
# over whole columns (columns.import_chunk_of), each rule naming the upsert's field and the
# chunk's column. 0 in the status and tier columns keeps the account's (UNSPECIFIED).


class Score(PaymentRule):
    """A credit score: finite, or NaN (a row that leaves the score on file as it is)."""

    __slots__ = ()

    def problem(self, value) -> str | None:
        return "must be finite (NaN leaves the score on file)" if math.isinf(value) else None

    def rows(self, values) -> Iterable[int]:
        return np.flatnonzero(np.isinf(np.asarray(values, np.float64)))


class Zone(PaymentRule):
    """An IANA time zone name this machine knows, or empty (the chunk's). Whether it has daylight
    saving is the engine's check (engine.common.fixed_utc_offset_s)."""

    __slots__ = ()

    def problem(self, value: str) -> str | None:
        if len(value) > MAX_ZONE_LEN:
            return f"at most {MAX_ZONE_LEN} characters"
        if value and value not in iana_zones():
            return f"unknown IANA time zone {value!r}"
        return None


class RowCurrency(PaymentRule):
    """An ISO 4217 code, or empty (the chunk's)."""

    __slots__ = ()

    def problem(self, value: str) -> str | None:
        return CURRENCY.problem(value) if value else None


CREDIT_LIMIT = Bounded("credit_limit_minor", "credit_limits_minor", 0, MAX_AMOUNT_MINOR,
                       f"between 0 and {MAX_AMOUNT_MINOR}")
OVERDUE = Bounded("overdue_minor", "overdue_minor", 0, MAX_AMOUNT_MINOR, f"between 0 and {MAX_AMOUNT_MINOR}")
STATUS = OneOf("status", "statuses", {c.ACCOUNT_STATUS_UNSPECIFIED, *STATUSES}, "unknown account status")
TIER = OneOf("tier", "tiers", {c.TIER_UNSPECIFIED, *TIERS}, "unknown tier")
CREDIT_SCORE = Score("credit_score", "credit_scores")
ROW_CURRENCY = RowCurrency("currency", "currencies")
ROW_ZONE = Zone("time_zone", "time_zones")


def _identifier(out: list[FieldViolation], field: str, value: str, max_len: int, required: bool = True) -> None:
    message = identifier_problem(value, max_len, required)
    if message is not None:
        out.append(FieldViolation(field, message))


def _amount(out: list[FieldViolation], field: str, value: int) -> None:
    message = AMOUNT.problem(value)
    if message is not None:
        out.append(FieldViolation(field, message))


def _currency(out: list[FieldViolation], field: str, value: str) -> None:
    message = CURRENCY.problem(value)
    if message is not None:
        out.append(FieldViolation(field, message))


def _raise(out: list[FieldViolation]) -> None:
    if out:
        raise InvalidArgument(out)


def authorize_violations(req, prefix: str = "") -> list[FieldViolation]:
    """The violations of an AuthorizeRequest, each field named after prefix (e.g. "requests[3].")."""
    m, d = req.merchant, req.device
    out: list[FieldViolation] = []
    rule: PaymentRule
    for rule, value in ((REQUEST_ID, req.request_id), (ACCOUNT_ID, req.account_id), (CHANNEL, req.channel),
                        (AMOUNT, req.amount_minor), (CURRENCY, req.currency), (MERCHANT_ID, m.merchant_id),
                        (MCC, m.mcc), (MERCHANT_COUNTRY, m.country)):
        message = rule.problem(value)
        if message is not None:
            out.append(FieldViolation(prefix + rule.field, message))
    message = QR_CODE_TYPE.problem(req.qr_code_type, req.channel)
    if message is not None:
        out.append(FieldViolation(prefix + QR_CODE_TYPE.field, message))
    for rule, value in ((VERIFICATION_FACTORS, req.verification.factors), (DEVICE_ID, d.device_id), (IP, d.ip),
                        (LATITUDE, d.latitude), (LONGITUDE, d.longitude),
                        (INSTALLMENT_TERM, req.installment_term_months)):
        message = rule.problem(value)
        if message is not None:
            out.append(FieldViolation(prefix + rule.field, message))
    if req.HasField("occurred_at"):
        message = OCCURRED_AT.problem(req.occurred_at)
        if message is not None:
            out.append(FieldViolation(prefix + OCCURRED_AT.field, message))
    return out


def validate_authorize(req) -> None:
    _raise(authorize_violations(req))


def validate_batch(req) -> None:
    if not req.requests:
        _raise([FieldViolation("requests", "at least one request")])
    if len(req.requests) > MAX_BATCH:
        _raise([FieldViolation("requests", f"at most {MAX_BATCH} requests")])


def validate_capture(req) -> None:
    out: list[FieldViolation] = []
    _identifier(out, "request_id", req.request_id, MAX_REQUEST_ID_LEN)
    _identifier(out, "authorization_id", req.authorization_id, MAX_ID_LEN)
    if req.HasField("amount_minor"):
        _amount(out, "amount_minor", req.amount_minor)
    _currency(out, "currency", req.currency)
    _raise(out)


def validate_void(req) -> None:
    out: list[FieldViolation] = []
    _identifier(out, "request_id", req.request_id, MAX_REQUEST_ID_LEN)
    _identifier(out, "authorization_id", req.authorization_id, MAX_ID_LEN)
    _raise(out)


def validate_refund(req) -> None:
    out: list[FieldViolation] = []
    _identifier(out, "request_id", req.request_id, MAX_REQUEST_ID_LEN)
    _identifier(out, "authorization_id", req.authorization_id, MAX_ID_LEN)
    _amount(out, "amount_minor", req.amount_minor)
    _currency(out, "currency", req.currency)
    _raise(out)


def validate_repay(req) -> None:
    out: list[FieldViolation] = []
    _identifier(out, "request_id", req.request_id, MAX_REQUEST_ID_LEN)
    _identifier(out, "account_id", req.account_id, MAX_ID_LEN)
    _amount(out, "amount_minor", req.amount_minor)
    _currency(out, "currency", req.currency)
    _raise(out)


def validate_get_account(req) -> None:
    out: list[FieldViolation] = []
    _identifier(out, "account_id", req.account_id, MAX_ID_LEN)
    _raise(out)


def validate_upsert(req) -> None:
    out: list[FieldViolation] = []
    _identifier(out, "request_id", req.request_id, MAX_REQUEST_ID_LEN)
    _identifier(out, "account_id", req.account_id, MAX_ID_LEN)
    if not 0 <= req.credit_limit_minor <= MAX_AMOUNT_MINOR:
        out.append(FieldViolation("credit_limit_minor", f"between 0 and {MAX_AMOUNT_MINOR}"))
    if req.status and req.status not in STATUSES:
        out.append(FieldViolation("status", "unknown account status"))
    if req.tier and req.tier not in TIERS:
        out.append(FieldViolation("tier", "unknown tier"))
    if req.HasField("limit_overrides"):
        out.extend(validate_profile(req.limit_overrides, "limit_overrides"))
    if req.HasField("overdue_minor") and not 0 <= req.overdue_minor <= MAX_AMOUNT_MINOR:
        out.append(FieldViolation("overdue_minor", f"between 0 and {MAX_AMOUNT_MINOR}"))
    if req.currency:
        _currency(out, "currency", req.currency)
    if req.HasField("credit_score") and not math.isfinite(req.credit_score):
        out.append(FieldViolation("credit_score", "must be finite"))
    if len(req.time_zone) > MAX_ZONE_LEN:
        out.append(FieldViolation("time_zone", f"at most {MAX_ZONE_LEN} characters"))
    elif req.time_zone and req.time_zone not in iana_zones():
        out.append(FieldViolation("time_zone", f"unknown IANA time zone {req.time_zone!r}"))
    _raise(out)


@functools.cache
def iana_zones() -> frozenset[str]:
    """The IANA zone names this machine has. A name outside them is refused before the zone
    database is opened: a folder of it ("Asia") is no zone, and opening it is an OSError."""
    return frozenset(zoneinfo.available_timezones())


MAX_MODEL_BYTES = 4 * 1024 * 1024 - 64 * 1024


def validate_set_risk_model(req) -> None:
    out: list[FieldViolation] = []
    _identifier(out, "request_id", req.request_id, MAX_REQUEST_ID_LEN)
    if not req.model:
        out.append(FieldViolation("model", "is required"))
    elif len(req.model) > MAX_MODEL_BYTES:
        out.append(FieldViolation("model", f"at most {MAX_MODEL_BYTES} bytes"))
    if len(req.version) > 64 or not req.version.isprintable():
        out.append(FieldViolation("version", "at most 64 printable characters"))
    _raise(out)


MAX_ATTRIBUTES = 200


def validate_set_scorecard(req) -> None:
    from authcore.risk.scorecard import validate

    out: list[FieldViolation] = []
    _identifier(out, "request_id", req.request_id, MAX_REQUEST_ID_LEN)
    if not req.HasField("scorecard"):
        out.append(FieldViolation("scorecard", "is required"))
    else:
        out.extend(validate(req.scorecard))
    _raise(out)


def validate_assess_credit(req) -> dict[str, object]:
    """The applicant's attributes by name (None for a missing value)."""
    out: list[FieldViolation] = []
    _identifier(out, "applicant_id", req.applicant_id, MAX_ID_LEN)
    if len(req.attributes) > MAX_ATTRIBUTES:
        out.append(FieldViolation("attributes", f"at most {MAX_ATTRIBUTES}"))
    values: dict[str, object] = {}
    for i, attribute in enumerate(req.attributes[:MAX_ATTRIBUTES]):
        if not attribute.name or len(attribute.name) > 128:
            out.append(FieldViolation(f"attributes[{i}].name", "1 to 128 characters"))
        elif attribute.name in values:
            out.append(FieldViolation(f"attributes[{i}].name", "each attribute at most once"))
        kind = attribute.WhichOneof("value")
        if kind == "number" and not math.isfinite(attribute.number):
            out.append(FieldViolation(f"attributes[{i}].number", "must be finite (leave it unset if missing)"))
        if kind == "category" and len(attribute.category) > 256:
            out.append(FieldViolation(f"attributes[{i}].category", "at most 256 characters"))
        values[attribute.name] = getattr(attribute, kind) if kind else None
    _raise(out)
    return values


def validate_quote(req) -> None:
    out: list[FieldViolation] = []
    _identifier(out, "account_id", req.account_id, MAX_ID_LEN)
    _amount(out, "amount_minor", req.amount_minor)
    _currency(out, "currency", req.currency)
    if req.channel and req.channel not in CHANNELS:
        out.append(FieldViolation("channel", "a known channel, or unset"))
    if req.mcc and not MCC_PATTERN.fullmatch(req.mcc):
        out.append(FieldViolation("mcc", "four digits, or unset"))
    _raise(out)


def validate_set_auto(req) -> None:
    out: list[FieldViolation] = []
    _identifier(out, "request_id", req.request_id, MAX_REQUEST_ID_LEN)
    _identifier(out, "account_id", req.account_id, MAX_ID_LEN)
    if not req.HasField("setting"):
        out.append(FieldViolation("setting", "is required"))
    elif req.setting.enabled:
        if not 1 <= req.setting.term_months <= 60:
            out.append(FieldViolation("setting.term_months", "between 1 and 60"))
        _amount(out, "setting.threshold_minor", req.setting.threshold_minor)
    else:
        # Turning it off ignores term and threshold, but a value no setting can have is still an error.
        if not 0 <= req.setting.term_months <= 60:
            out.append(FieldViolation("setting.term_months", "between 0 and 60"))
        if not 0 <= req.setting.threshold_minor <= MAX_AMOUNT_MINOR:
            out.append(FieldViolation("setting.threshold_minor", f"between 0 and {MAX_AMOUNT_MINOR}"))
    _raise(out)


def validate_set_policy(req) -> None:
    out: list[FieldViolation] = []
    _identifier(out, "request_id", req.request_id, MAX_REQUEST_ID_LEN)
    if not req.HasField("policy"):
        out.append(FieldViolation("policy", "is required"))
    else:
        out.extend(validate_policy(req.policy))
    _raise(out)


def validate_list_versions(req) -> None:
    from authcore.journal.versions import KIND_NAMES

    if req.kind and req.kind not in KIND_NAMES:
        _raise([FieldViolation("kind", "a known VersionKind, or unset for every kind")])


def validate_get_version(req) -> None:
    from authcore.journal.versions import KIND_NAMES

    out: list[FieldViolation] = []
    if req.kind not in KIND_NAMES:
        out.append(FieldViolation("kind", "a known VersionKind"))
    if not req.version or len(req.version) > 64 or not req.version.isprintable():
        out.append(FieldViolation("version", "1 to 64 printable characters"))
    _raise(out)


def validate_activate_version(req) -> None:
    out: list[FieldViolation] = []
    _identifier(out, "request_id", req.request_id, MAX_REQUEST_ID_LEN)
    try:
        validate_get_version(req)
    except InvalidArgument as error:
        out.extend(error.violations)
    _raise(out)


# Enough to mirror the largest AuthorizeBulk chunk and its answer.
MAX_ECHO_BYTES = 1024 * 1024


def validate_echo(req) -> None:
    out: list[FieldViolation] = []
    if len(req.payload) > MAX_ECHO_BYTES:
        out.append(FieldViolation("payload", f"at most {MAX_ECHO_BYTES} bytes"))
    if not 0 <= req.response_bytes <= MAX_ECHO_BYTES:
        out.append(FieldViolation("response_bytes", f"between 0 and {MAX_ECHO_BYTES}"))
    _raise(out)


def validate_set_shadow(req) -> None:
    out: list[FieldViolation] = []
    policy, model = req.WhichOneof("policy_candidate"), req.WhichOneof("model_candidate")
    if policy is None and model is None:
        out.append(FieldViolation("policy_candidate", "a candidate policy or model (or both) is required"))
    if policy == "policy":
        out.extend(validate_policy(req.policy))
    if policy == "policy_version" and not 1 <= len(req.policy_version) <= 64:
        out.append(FieldViolation("policy_version", "1 to 64 characters"))
    if model == "model":
        if not req.model.model:
            out.append(FieldViolation("model.model", "is required"))
        elif len(req.model.model) > MAX_MODEL_BYTES:
            out.append(FieldViolation("model.model", f"at most {MAX_MODEL_BYTES} bytes"))
        if len(req.model.version) > 64 or not req.model.version.isprintable():
            out.append(FieldViolation("model.version", "at most 64 printable characters"))
    if model == "model_version" and not 1 <= len(req.model_version) <= 64:
        out.append(FieldViolation("model_version", "1 to 64 characters"))
    _raise(out)
