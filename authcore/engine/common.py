"""What the engine's parts share: constants, and the helpers that turn a request into the
kernel's inputs."""

from __future__ import annotations

import dataclasses
import datetime
import math
import logging
import threading
import zoneinfo

import numpy as np

from authcore.journal import effects
from authcore.decision import explain
from authcore.risk import features
from authcore.decision.columns import hash64, ipnet_hash
from authcore.errors import FieldViolation, InvalidArgument, RequestIdReused
from authcore.decision.money import currency_numeric
from authcore.decision.policy import CHANNELS, country_code
from authcore.journal.store import JournalCorrupt
from authcore.decision import validation
from authcore.v1 import admin_pb2, authorization_pb2 as authz, common_pb2 as c


log = logging.getLogger("authcore.engine")
# The Channel of each of the ledger's channel indices (a bulk chunk's matrix column 1).
CHANNEL_VALUES = np.asarray(CHANNELS, np.int64)
APPROVED_DETAIL = explain.detail(c.REASON_APPROVED, None)  # type: ignore[arg-type]
DEFAULT_ZONE = "Asia/Shanghai"
EPOCH_DATE = datetime.date(1970, 1, 1)
DEFAULT_CURRENCY = "CNY"
EXPIRY_BATCH = 1000
# Closed holds past their refund window dropped per sweep: one record each (HoldsDropped).
DROP_BATCH = 1000
# The snapshot is pickled plain data (numpy rows, bytes, tuples) in the journal's own database.
# Format 3 keeps the account ids as the compiled index's arrays; format 2 (lists of str) is read
# too. Format 4 keeps the remembered request ids as the request index's arrays (3 and 2: a tuple
# per request id with its answer). A build refuses a snapshot of a later format by its number.
SNAPSHOT_FORMAT = 4
SNAPSHOT_FORMATS_READ = (2, 3, 4)
MAX_LISTED_HOLDS = 200
TOP_FEATURES = 5



def fixed_utc_offset_s(zone_name: str) -> int:
    """The UTC offset of a zone without daylight saving; raises InvalidArgument otherwise."""
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidArgument([FieldViolation("time_zone", f"unknown IANA time zone {zone_name!r}")]) from None
    year = datetime.date.today().year
    offsets = {
        datetime.datetime(y, m, 1, tzinfo=zone).utcoffset() for y in (year, year + 1) for m in (1, 4, 7, 10)
    }
    if len(offsets) != 1:
        raise InvalidArgument([FieldViolation("time_zone", "zones with daylight saving time are not supported")])
    return int(offsets.pop().total_seconds())


def risk_inputs(req) -> tuple[int, int, float, float, int, int]:
    """(device, IP network, latitude, longitude, MCC, country) of a validated request, as the
    kernel reads them. A location of exactly (0, 0) counts as unknown."""
    device = hash64(req.device.device_id.encode()) if req.device.device_id else 0
    ipnet = 0
    if req.device.ip:
        ipnet = ipnet_hash(validation.packed_ip(req.device.ip))
    lat, lon = req.device.latitude, req.device.longitude
    if lat == 0.0 and lon == 0.0:
        lat = lon = math.nan
    return device, ipnet, lat, lon, int(req.merchant.mcc), country_code(req.merchant.country)


@dataclasses.dataclass(slots=True)
class _InFlight:
    """A request_id being served right now."""

    method: str
    digest: bytes
    # Made by the first caller that waits for it, under the idempotency lock (most requests have
    # none: an Event per request would cost more than the claim itself).
    done: threading.Event | None = None


def _signed64(value: int) -> int:
    """A uint64 hash as the int64 of the same bits (the kernel's request columns)."""
    return value - (1 << 64) if value >= 1 << 63 else value


def factor_bits(factors) -> int:
    bits = 0
    for f in factors:
        bits |= 1 << (f - 1)
    return bits


DEFAULT_MODEL_VERSION = "default-2026.1"
STAND_IN_MODEL_FAILED, STAND_IN_DEADLINE = authz.STAND_IN_CAUSE_MODEL_FAILED, authz.STAND_IN_CAUSE_DEADLINE


def _model_info(scorer) -> admin_pb2.RiskModelInfo:
    return admin_pb2.RiskModelInfo(version=scorer.version, feature_schema=features.SCHEMA_VERSION,
                                   kind="trees" if hasattr(scorer, "n_trees") else "linear",
                                   trees=getattr(scorer, "n_trees", 0), features=features.NAMES)


def default_model_bytes() -> bytes:
    """The transaction model shipped with the package (scripts/train_default_model.py), in
    authcore/data beside the package (authcore is a namespace package, so the file is found from
    here rather than through importlib.resources.files("authcore"))."""
    import pathlib

    return (pathlib.Path(__file__).parent.parent / "data" / "default_model.txt").read_bytes()


def _has_overrides(account: effects.AccountSet) -> bool:
    return account.HasField("limit_overrides") and account.limit_overrides.ByteSize() > 0


def _account_settings(account: effects.AccountSet, at_s: int) -> dict:
    """The keyword arguments of Ledger.upsert (and Ledger.preview) for an AccountSet effect."""
    overrides = None
    if _has_overrides(account):
        # A copy: the ledger keeps it, and the effect is the caller's.
        overrides = c.LimitProfile()
        overrides.CopyFrom(account.limit_overrides)
    currency = currency_numeric(account.currency)
    if currency is None:
        raise JournalCorrupt(f"account {account.account_id!r} has the unknown currency {account.currency!r}")
    return dict(limit=account.credit_limit_minor, status=account.status, tier=account.tier, overrides=overrides,
                overdue=account.overdue_minor, currency=currency, zone=account.time_zone,
                utc_offset_s=account.utc_offset_seconds, now_s=at_s)


def _reused_in_batch(request_id: str) -> RequestIdReused:
    return RequestIdReused(f"request_id {request_id!r} appears twice in the batch with different parameters",
                           {"request_id": request_id})
