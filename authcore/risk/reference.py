"""The executable spec of the risk features and rules, in plain Python with its own state.
tests/test_risk_vs_reference.py drives it and the compiled kernel (authcore/_fast/risk.pyx) with
the same payments and demands the same feature vectors and rule findings."""

from __future__ import annotations

import dataclasses
import math
from typing import Callable

import numpy as np

from authcore.risk.features import INDEX, N_FEATURES
from authcore.v1 import common_pb2 as c

WINDOWS_S = (60, 3600, 86400)
KNOWN = 4
R = c.Reason
CHANGES_MAX = 65535   # device and IP change counts are uint16 in the row and saturate


def f32(x: float) -> float:
    """x as the behaviour row stores it: rounded to float32."""
    return float(np.float32(x))


def saturated(x: float) -> float:
    return min(x, float(CHANGES_MAX))


def fingerprint32(h: int) -> int:
    """The 32-bit fingerprint of a 64-bit device or network hash that the row keeps (0: none).
    Two hashes with the same fingerprint are the same device to the novelty features."""
    if h == 0:
        return 0
    f = (h ^ (h >> 32)) & 0xFFFFFFFF
    return f or 1


def _identity(x: float) -> float:
    return x


@dataclasses.dataclass
class Counter:
    """A sliding-window counter over fixed buckets: the current bucket and the previous one."""

    seconds: int
    bucket: int = 0
    current: float = 0.0
    previous: float = 0.0
    store: Callable[[float], float] = _identity   # how the row keeps a bucket's value

    def estimate(self, now_s: int) -> float:
        bucket = now_s // self.seconds
        elapsed = (now_s - bucket * self.seconds) / self.seconds
        if bucket == self.bucket:
            return self.current + self.previous * (1.0 - elapsed)
        if bucket == self.bucket + 1:
            return self.current * (1.0 - elapsed)
        return 0.0

    def add(self, now_s: int, value: float) -> None:
        bucket = now_s // self.seconds
        if bucket == self.bucket + 1:
            self.previous, self.current, self.bucket = self.current, self.store(value), bucket
        elif bucket > self.bucket + 1:
            self.previous, self.current, self.bucket = 0.0, self.store(value), bucket
        else:
            self.current = self.store(self.current + value)


@dataclasses.dataclass
class Behaviour:
    created_s: int
    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    last_s: int = 0
    last_lat: float = math.nan
    last_lon: float = math.nan
    devices: list = dataclasses.field(default_factory=list)
    ipnets: list = dataclasses.field(default_factory=list)
    last_device: int = 0
    last_ipnet: int = 0
    counts: list = dataclasses.field(default_factory=lambda: [Counter(s) for s in WINDOWS_S])
    amounts: list = dataclasses.field(default_factory=lambda: [Counter(s, store=f32) for s in WINDOWS_S])
    device_changes: Counter = dataclasses.field(default_factory=lambda: Counter(86400, store=saturated))
    ipnet_changes: Counter = dataclasses.field(default_factory=lambda: Counter(86400, store=saturated))
    overdue_events: int = 0


@dataclasses.dataclass(frozen=True)
class Payment:
    amount_minor: int
    channel: int          # proto Channel
    qr: int
    factors: int          # number of distinct factors
    device: int           # 0: none
    ipnet: int
    lat: float            # NaN: unknown
    lon: float
    mcc: int              # -1: unknown
    country: str          # "": unknown


def haversine_km(lat1, lon1, lat2, lon2) -> float:
    deg = 0.017453292519943295
    dlat, dlon = (lat2 - lat1) * deg, (lon2 - lon1) * deg
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1 * deg) * math.cos(lat2 * deg) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def _novelty(value: int, known: list) -> float:
    if value == 0:
        return math.nan
    if value in known:
        return 0.0
    return 1.0 if known else 0.0


def features(b: Behaviour, p: Payment, now_s: int, utc_offset_s: int, posted: int, held: int, limit: int,
             mcc_risk: dict, home_country: str) -> list[float]:
    x = [math.nan] * N_FEATURES
    amount = p.amount_minor / 100.0
    x[INDEX["amount"]] = amount
    x[INDEX["log_amount"]] = math.log1p(amount)
    if b.n >= 2:
        sd = math.sqrt(b.m2 / (b.n - 1))
        x[INDEX["amount_zscore"]] = (amount - b.mean) / sd if sd > 0 else 0.0
    if b.n >= 1 and b.mean > 0:
        x[INDEX["amount_to_mean"]] = amount / b.mean
    for w, name in enumerate(("1m", "1h", "24h")):
        x[INDEX[f"count_{name}"]] = b.counts[w].estimate(now_s)
        x[INDEX[f"amount_{name}"]] = b.amounts[w].estimate(now_s)
    if b.n >= 1:
        since = float(now_s - b.last_s)
        x[INDEX["seconds_since_last"]] = since
        if not (math.isnan(p.lat) or math.isnan(b.last_lat)):
            # Both ends as the row keeps positions (float32): the same place is 0 km.
            distance = haversine_km(b.last_lat, b.last_lon, f32(p.lat), f32(p.lon))
            x[INDEX["distance_km"]] = distance
            x[INDEX["speed_kmh"]] = distance / (max(since, 1.0) / 3600.0)
    x[INDEX["new_device"]] = _novelty(fingerprint32(p.device), b.devices)
    x[INDEX["new_ip_network"]] = _novelty(fingerprint32(p.ipnet), b.ipnets)
    x[INDEX["device_changes_24h"]] = b.device_changes.estimate(now_s)
    x[INDEX["ip_changes_24h"]] = b.ipnet_changes.estimate(now_s)
    x[INDEX["mcc_risk"]] = mcc_risk.get(p.mcc, 0.0) if p.mcc >= 0 else 0.0
    x[INDEX["local_hour"]] = float((now_s + utc_offset_s) % 86400 // 3600)
    x[INDEX["channel"]] = float(p.channel)
    x[INDEX["qr_type"]] = float(p.qr)
    x[INDEX["verification_strength"]] = float(p.factors)
    x[INDEX["account_age_days"]] = (now_s - b.created_s) / 86400.0
    if limit > 0:
        x[INDEX["credit_utilisation"]] = (posted + held) / limit
    x[INDEX["overdue_events"]] = float(b.overdue_events)
    if p.country:
        x[INDEX["foreign_merchant"]] = 1.0 if p.country != home_country else 0.0
    return x


@dataclasses.dataclass(frozen=True)
class Rules:
    blocked_mccs: frozenset
    blocked_countries: frozenset
    max_per_minute: int
    max_per_hour: int
    max_speed_kmh: float
    min_distance_km: float
    new_device_minor: int
    challenge_score: float
    decline_score: float


def findings(x: list[float], p: Payment, rules: Rules, score: float, stand_in_max: int | None = None) -> list[int]:
    """The risk reasons of a payment, in precedence order. stand_in_max: decided by the stand-in
    (no score), which approves at most that amount."""
    out = []
    if stand_in_max is not None and p.amount_minor > stand_in_max:
        out.append(R.REASON_STAND_IN_LIMIT_EXCEEDED)
    if p.mcc in rules.blocked_mccs:
        out.append(R.REASON_MERCHANT_CATEGORY_BLOCKED)
    if p.country in rules.blocked_countries:
        out.append(R.REASON_MERCHANT_COUNTRY_BLOCKED)
    if (rules.max_per_minute and x[INDEX["count_1m"]] + 1 > rules.max_per_minute) or (
            rules.max_per_hour and x[INDEX["count_1h"]] + 1 > rules.max_per_hour):
        out.append(R.REASON_VELOCITY_LIMIT_EXCEEDED)
    distance = x[INDEX["distance_km"]]
    if not math.isnan(distance) and distance >= rules.min_distance_km and x[INDEX["speed_kmh"]] > rules.max_speed_kmh:
        out.append(R.REASON_IMPOSSIBLE_TRAVEL)
    strong = p.factors >= 2
    if not math.isnan(score):
        if score >= rules.decline_score:
            out.append(R.REASON_SUSPECTED_FRAUD)
        elif score >= rules.challenge_score and not strong:
            out.append(R.REASON_RISK_VERIFICATION_REQUIRED)
    if x[INDEX["new_device"]] == 1.0 and p.amount_minor >= rules.new_device_minor and not strong:
        out.append(R.REASON_NEW_DEVICE_VERIFICATION_REQUIRED)
    return sorted(out)


def remember(b: Behaviour, p: Payment, now_s: int) -> None:
    """Fold an approved payment into the behaviour. Amounts, mean, M2 and position are kept as
    float32, times as uint32 seconds, devices and networks as 32-bit fingerprints, as the row does."""
    amount = p.amount_minor / 100.0
    b.n += 1
    delta = amount - b.mean
    b.mean = f32(b.mean + delta / b.n)
    m2 = b.m2 + delta * (amount - b.mean)
    b.m2 = f32(m2 if m2 > 0.0 else 0.0)   # float32 rounding of the mean can leave it a hair below 0
    for w in range(3):
        b.amounts[w].add(now_s, amount)
        b.counts[w].add(now_s, 1)
    b.last_s = now_s % 2**32
    b.last_lat, b.last_lon = f32(p.lat), f32(p.lon)
    device, ipnet = fingerprint32(p.device), fingerprint32(p.ipnet)
    b.device_changes.add(now_s, 1 if (device and b.last_device and device != b.last_device) else 0)
    b.ipnet_changes.add(now_s, 1 if (ipnet and b.last_ipnet and ipnet != b.last_ipnet) else 0)
    for value, known, last in ((device, b.devices, "last_device"), (ipnet, b.ipnets, "last_ipnet")):
        if value:
            setattr(b, last, value)
            if value not in known:
                known.append(value)
                if len(known) > KNOWN:
                    known.pop(0)
