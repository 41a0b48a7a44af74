"""Bulk chunks: an AuthorizeBulkRequest's columns validated as a whole and turned into the
kernel's input matrix, column by column rather than payment by payment.

The rules are a unary AuthorizeRequest's, the same objects (validation.PAYMENT_RULES), applied to
whole columns; a chunk with any violation is refused whole, listing at most MAX_LISTED
violations, and changes nothing."""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np

from authcore._fast.path import four_digit_codes, network_hashes, text_hashes
from authcore.errors import FieldViolation, InvalidArgument
from authcore.decision.money import currency_numeric
from authcore.decision.policy import country_code
from authcore.v1 import authorization_pb2 as authz
from authcore.decision import validation

MAX_BULK = 10_000
MAX_LISTED = 50
# The kernel's input columns (ledger.pyx C_*): slot, channel index, amount, currency, QR type,
# factor bits, device hash, IP network hash, MCC, country.
N_INPUTS = 10
# Columns every payment must fill, and the optional ones (empty, or one entry per payment).
REQUIRED = ("account_ids", "amounts_minor", "channels", "merchant_ids", "mccs")
OPTIONAL = ("qr_code_types", "verification_factor_bits", "merchant_countries", "device_ids", "ips", "latitudes",
            "longitudes")


def hash64(data: bytes) -> int:
    """A stable, non-zero 64-bit digest (0 means "none" to the kernel)."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little") or 1


def ipnet_hash(packed: bytes) -> int:
    """The network of a packed address, hashed: the /24 of IPv4, the /48 of IPv6."""
    return hash64(network_of(packed))


def network_of(packed: bytes) -> bytes:
    return packed[:3] if len(packed) == 4 else packed[:6]


@dataclasses.dataclass(slots=True)
class Chunk:
    """A valid chunk as the kernel reads it. matrix[:, 0] (the slots) is left for the engine."""

    n: int
    matrix: np.ndarray      # (n, N_INPUTS) int64
    locations: np.ndarray   # (n, 2) float64, NaN when unknown (an empty column reads as 0)
    account_ids: list[str]  # the id columns as lists, read from the request once
    merchant_ids: list[str]


def _listed(out: list[FieldViolation], rule: validation.PaymentRule, rows, values, *more) -> None:
    """The violations of rule at rows of its column values (more: the other columns the rule
    reads, e.g. the channels for the QR code types), each as problem() says it of the value."""
    for i in rows:
        if len(out) >= MAX_LISTED:
            return
        message = rule.problem(values[i], *(column[i] for column in more))
        if message is not None:
            out.append(FieldViolation(f"{rule.column}[{i}]", message))


def _check(out: list[FieldViolation], rule: validation.PaymentRule, values, *more) -> None:
    _listed(out, rule, rule.rows(values, *more), values, *more)


def _scalar(out: list[FieldViolation], rule: validation.PaymentRule, value) -> None:
    """A rule over a value the chunk has once, for all of its payments (request_id, currency)."""
    message = rule.problem(value)
    if message is not None:
        out.append(FieldViolation(rule.column or rule.field, message))


def chunk_of(req) -> Chunk:
    """Validate a bulk request and build its columns; raises InvalidArgument. Each payment's
    values are checked by the rules of a unary AuthorizeRequest (validation.PAYMENT_RULES)."""
    out: list[FieldViolation] = []
    _scalar(out, validation.REQUEST_ID, req.request_id)
    n = len(req.account_ids)
    if n == 0:
        out.append(FieldViolation("account_ids", "at least one payment"))
    elif n > MAX_BULK:
        out.append(FieldViolation("account_ids", f"at most {MAX_BULK} payments per chunk"))
    for column in REQUIRED[1:]:
        if len(getattr(req, column)) != n:
            out.append(FieldViolation(column, f"one entry per payment ({n})"))
    for column in OPTIONAL:
        if len(getattr(req, column)) not in (0, n):
            out.append(FieldViolation(column, f"empty, or one entry per payment ({n})"))
    _scalar(out, validation.CURRENCY, req.currency)
    if out:
        raise InvalidArgument(out)

    # The id columns as lists once: every later pass over a list is cheaper than over a repeated field.
    account_ids, merchant_ids = list(req.account_ids), list(req.merchant_ids)
    _check(out, validation.ACCOUNT_ID, account_ids)
    _check(out, validation.MERCHANT_ID, merchant_ids)
    amounts = np.array(req.amounts_minor, np.int64)
    _check(out, validation.AMOUNT, amounts)
    channels = np.array(req.channels, np.int64)
    _check(out, validation.CHANNEL, channels)
    qr = np.array(req.qr_code_types, np.int64) if len(req.qr_code_types) else np.zeros(n, np.int64)
    _check(out, validation.QR_CODE_TYPE, qr, channels)
    factors = (np.array(req.verification_factor_bits, np.int64) if len(req.verification_factor_bits)
               else np.zeros(n, np.int64))
    _check(out, validation.VERIFICATION_FACTOR_BITS, factors)
    # In C, the common case: every MCC four ASCII digits, read as numbers in the same pass.
    mccs = four_digit_codes(req.mccs, n)
    if mccs is None:
        _check(out, validation.MCC, req.mccs)
    countries = np.zeros(n, np.int64)
    if len(req.merchant_countries):
        codes = {value: country_code(value) if value else 0 for value in set(req.merchant_countries)}
        rule = validation.MERCHANT_COUNTRY
        _listed(out, rule, rule.rows(req.merchant_countries, codes.keys()), req.merchant_countries)
        if len(codes) == 1:
            countries[:] = next(iter(codes.values()))
        else:
            countries = np.fromiter(map(codes.__getitem__, req.merchant_countries), np.int64, n)
    devices = np.zeros(n, np.int64)
    if len(req.device_ids):
        too_long = validation.DEVICE_ID.rows(req.device_ids)
        _listed(out, validation.DEVICE_ID, too_long, req.device_ids)
        if not too_long:
            # In C, each distinct id hashed once by the compiled hash64 (authcore._fast.path).
            devices = text_hashes(req.device_ids, None, n)
    ipnets = np.zeros(n, np.int64)
    if len(req.ips):
        # In C: each address parsed, its network hashed by the compiled hash64 (the unary request's ipnet_hash).
        ipnets, bad = network_hashes(req.ips, None, n)
        if bad:
            _listed(out, validation.IP, bad, req.ips)
    locations = np.zeros((n, 2))
    for rule, axis in ((validation.LATITUDE, 0), (validation.LONGITUDE, 1)):
        if len(getattr(req, rule.column)):
            values = np.array(getattr(req, rule.column), np.float64)
            _check(out, rule, values)
            locations[:, axis] = values
    if out:
        raise InvalidArgument(out[:MAX_LISTED])
    # A location of exactly (0, 0) counts as unknown, as in a unary request.
    locations[(locations[:, 0] == 0.0) & (locations[:, 1] == 0.0)] = np.nan

    matrix = np.empty((n, N_INPUTS), np.int64)
    matrix[:, 0] = -1
    matrix[:, 1] = channels - 1
    matrix[:, 2] = amounts
    matrix[:, 3] = currency_numeric(req.currency)
    matrix[:, 4] = qr
    matrix[:, 5] = factors
    matrix[:, 6] = devices
    matrix[:, 7] = ipnets
    matrix[:, 8] = mccs if mccs is not None else np.fromiter(map(int, req.mccs), np.int64, n)
    matrix[:, 9] = countries
    return Chunk(n, matrix, locations, account_ids, merchant_ids)


def bulk_request(request_id: str, payments) -> authz.AuthorizeBulkRequest:
    """An AuthorizeBulkRequest of unary AuthorizeRequests (one currency; their request_ids and
    installment terms are not carried: the chunk has its own request_id)."""
    payments = list(payments)
    currencies = {p.currency for p in payments}
    if len(currencies) > 1:
        raise ValueError(f"a chunk has one currency, not {sorted(currencies)}")
    out = authz.AuthorizeBulkRequest(request_id=request_id, currency=currencies.pop() if currencies else "")
    out.account_ids.extend(p.account_id for p in payments)
    out.amounts_minor.extend(p.amount_minor for p in payments)
    out.channels.extend(p.channel for p in payments)
    out.qr_code_types.extend(p.qr_code_type for p in payments)
    out.verification_factor_bits.extend(sum(1 << (f - 1) for f in set(p.verification.factors)) for p in payments)
    out.merchant_ids.extend(p.merchant.merchant_id for p in payments)
    out.mccs.extend(p.merchant.mcc for p in payments)
    out.merchant_countries.extend(p.merchant.country for p in payments)
    out.device_ids.extend(p.device.device_id for p in payments)
    out.ips.extend(p.device.ip for p in payments)
    out.latitudes.extend(p.device.latitude for p in payments)
    out.longitudes.extend(p.device.longitude for p in payments)
    return out


COLUMNS = REQUIRED + OPTIONAL


def take(req, indices: list[int]) -> authz.AuthorizeBulkRequest:
    """The chunk of req's payments at indices (same request_id and currency; empty columns stay
    empty)."""
    out = authz.AuthorizeBulkRequest(request_id=req.request_id, currency=req.currency)
    for name in COLUMNS:
        values = getattr(req, name)
        if len(values):
            getattr(out, name).extend([values[i] for i in indices])
    return out


# -- ImportAccounts chunks ------------------------------------------------------------------------

MAX_IMPORT_ROWS = 10_000
# Columns an import chunk may leave empty (every account then keeps that setting), or fill one
# entry per row.
IMPORT_OPTIONAL = ("credit_limits_minor", "statuses", "tiers", "overdue_minor", "currencies", "time_zones",
                   "credit_scores")


@dataclasses.dataclass(slots=True)
class ImportChunk:
    """A valid import chunk's columns; None for a column the chunk left empty. currencies and
    zones hold "" where a row names none (the chunk's, then the default, apply to a new account)."""

    n: int
    account_ids: list[str]
    limits: np.ndarray | None       # int64
    statuses: np.ndarray | None     # int64, 0: keep
    tiers: np.ndarray | None        # int64, 0: keep
    overdue: np.ndarray | None      # int64
    currencies: list[str] | None
    zones: list[str] | None
    scores: np.ndarray | None       # float64, NaN: keep


def import_chunk_of(req) -> ImportChunk:
    """Validate an ImportAccountsRequest's columns, as an UpsertAccount's fields are validated but
    a column at a time; raises InvalidArgument naming each bad row (`account_ids[17]`). What
    depends on the accounts already there (a currency or zone that cannot change, an overdue
    amount above the balance) is the engine's to check."""
    out: list[FieldViolation] = []
    _scalar(out, validation.REQUEST_ID, req.request_id)
    n = len(req.account_ids)
    if n == 0:
        out.append(FieldViolation("account_ids", "at least one account"))
    elif n > MAX_IMPORT_ROWS:
        out.append(FieldViolation("account_ids", f"at most {MAX_IMPORT_ROWS} accounts per chunk"))
    for column in IMPORT_OPTIONAL:
        if len(getattr(req, column)) not in (0, n):
            out.append(FieldViolation(column, f"empty, or one entry per account ({n})"))
    if req.currency:
        _scalar(out, validation.CURRENCY, req.currency)
    message = validation.ROW_ZONE.problem(req.time_zone)
    if message is not None:
        out.append(FieldViolation("time_zone", message))
    if out:
        raise InvalidArgument(out)

    ids = list(req.account_ids)
    _check(out, validation.ACCOUNT_ID, ids)
    if len(set(ids)) != n:
        first: dict[str, int] = {}
        for i, account_id in enumerate(ids):
            j = first.setdefault(account_id, i)
            if j != i and len(out) < MAX_LISTED:
                out.append(FieldViolation(f"account_ids[{i}]", f"appears twice in the chunk (first at account_ids[{j}])"))

    def numbers(rule: validation.PaymentRule, dtype) -> np.ndarray | None:
        values = getattr(req, rule.column)
        if not len(values):
            return None
        column = np.array(values, dtype)
        _check(out, rule, column)
        return column

    limits = numbers(validation.CREDIT_LIMIT, np.int64)
    statuses = numbers(validation.STATUS, np.int64)
    tiers = numbers(validation.TIER, np.int64)
    overdue = numbers(validation.OVERDUE, np.int64)
    scores = numbers(validation.CREDIT_SCORE, np.float64)
    currencies = list(req.currencies) or None
    if currencies is not None:
        _check(out, validation.ROW_CURRENCY, currencies)
    zones = list(req.time_zones) or None
    if zones is not None:
        _check(out, validation.ROW_ZONE, zones)
    if out:
        raise InvalidArgument(out[:MAX_LISTED])
    return ImportChunk(n, ids, limits, statuses, tiers, overdue, currencies, zones, scores)


def import_take(req, indices: list[int]):
    """The import chunk of req's rows at indices (same request_id, currency and time zone; empty
    columns stay empty)."""
    out = type(req)(request_id=req.request_id, currency=req.currency, time_zone=req.time_zone)
    for name in ("account_ids", *IMPORT_OPTIONAL):
        values = getattr(req, name)
        if len(values):
            getattr(out, name).extend([values[i] for i in indices])
    return out
