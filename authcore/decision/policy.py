"""The versioned policy: loading, validation, and resolving a tier's limits with an account's
overrides into the profile rows the kernel reads."""

from __future__ import annotations

import math
import pathlib
import re

import numpy as np
from google.protobuf import json_format

from authcore._fast.state import PROFILE_DTYPE
from authcore.errors import FieldViolation
from authcore.decision.money import MAX_AMOUNT_MINOR, MAX_COUNT, is_country
from authcore.v1 import common_pb2, policy_pb2

NO_LIMIT = np.iinfo(np.int64).max
CHANNELS = (common_pb2.CHANNEL_WALLET, common_pb2.CHANNEL_SCAN_TO_PAY, common_pb2.CHANNEL_QUICK_PAY)
TIERS = (common_pb2.TIER_NEW, common_pb2.TIER_STANDARD, common_pb2.TIER_PREMIUM)
MAX_VERSION_LEN = 64
MIN_HOLD_TTL_S = 60
MAX_HOLD_TTL_S = 90 * 86400
# Policy.refund_window_days: its bounds, and its value when unset.
MIN_REFUND_WINDOW_DAYS, MAX_REFUND_WINDOW_DAYS = 1, 3650
DEFAULT_REFUND_WINDOW_DAYS = 180

# Caps set by regulation: a policy or an override may lower them, never raise them.
# PBOC 《条码支付业务规范(试行)》 (银发〔2017〕296号) and UnionPay's no-PIN small-amount limit.
REGULATORY_CAPS_MINOR = {
    "scan_static_qr_daily_minor": 50_000,
    "scan_dynamic_qr_level_c_daily_minor": 100_000,
    "scan_dynamic_qr_level_b_daily_minor": 500_000,
    "quick_pay_no_verification_per_transaction_minor": 100_000,
}

AMOUNT_FIELDS = ("per_transaction_minor", "daily_amount_minor", "monthly_amount_minor")
COUNT_FIELDS = ("daily_count", "monthly_count")
RULE_FIELDS = (
    "scan_static_qr_daily_minor",
    "scan_dynamic_qr_level_c_daily_minor",
    "scan_dynamic_qr_level_b_daily_minor",
    "scan_dynamic_qr_level_a_daily_minor",
    "quick_pay_no_verification_per_transaction_minor",
    "quick_pay_no_verification_daily_minor",
)
CHANNEL_FIELDS = AMOUNT_FIELDS + COUNT_FIELDS


def default_policy() -> policy_pb2.Policy:
    """The policy shipped with the package."""
    # authcore/data, beside this module's folder (authcore is a namespace package shared with authcore-client).
    text = (pathlib.Path(__file__).parent.parent / "data" / "default_policy.json").read_text()
    return json_format.Parse(text, policy_pb2.Policy())


def refund_window_days(policy: policy_pb2.Policy) -> int:
    """How many days a closed hold is kept and a captured one can be refunded."""
    return policy.refund_window_days if policy.HasField("refund_window_days") else DEFAULT_REFUND_WINDOW_DAYS


def load_policy(path: str | pathlib.Path) -> policy_pb2.Policy:
    """A policy from a JSON file (the proto3 JSON mapping of authcore.v1.Policy)."""
    return json_format.Parse(pathlib.Path(path).read_text(), policy_pb2.Policy())


def _check_limit(violations: list[FieldViolation], path: str, value: int, maximum: int) -> None:
    if value < 0 or value > maximum:
        violations.append(FieldViolation(path, f"must be between 0 and {maximum}"))


def validate_profile(profile: common_pb2.LimitProfile, path: str) -> list[FieldViolation]:
    """Violations of one limit profile (a tier's or an account's overrides)."""
    violations: list[FieldViolation] = []
    for name in AMOUNT_FIELDS + RULE_FIELDS:
        if profile.HasField(name):
            cap = REGULATORY_CAPS_MINOR.get(name, MAX_AMOUNT_MINOR)
            _check_limit(violations, f"{path}.{name}", getattr(profile, name), cap)
    for name in COUNT_FIELDS:
        if profile.HasField(name):
            _check_limit(violations, f"{path}.{name}", getattr(profile, name), MAX_COUNT)
    if len(profile.channels) > len(CHANNELS):
        violations.append(FieldViolation(f"{path}.channels", f"at most {len(CHANNELS)} entries"))
    seen = set()
    for i, limits in enumerate(profile.channels[: len(CHANNELS)]):
        cpath = f"{path}.channels[{i}]"
        if limits.channel not in CHANNELS:
            violations.append(FieldViolation(f"{cpath}.channel", "must be a known channel"))
        elif limits.channel in seen:
            violations.append(FieldViolation(f"{cpath}.channel", "each channel at most once"))
        seen.add(limits.channel)
        for name in AMOUNT_FIELDS:
            if limits.HasField(name):
                _check_limit(violations, f"{cpath}.{name}", getattr(limits, name), MAX_AMOUNT_MINOR)
        for name in COUNT_FIELDS:
            if limits.HasField(name):
                _check_limit(violations, f"{cpath}.{name}", getattr(limits, name), MAX_COUNT)
    return violations


def validate_policy(policy: policy_pb2.Policy) -> list[FieldViolation]:
    """Every reason the policy cannot be made active; empty when it can."""
    violations: list[FieldViolation] = []
    if not policy.version or len(policy.version) > MAX_VERSION_LEN or not policy.version.isprintable():
        violations.append(FieldViolation("policy.version", f"1 to {MAX_VERSION_LEN} printable characters"))
    if not MIN_HOLD_TTL_S <= policy.hold_ttl_seconds <= MAX_HOLD_TTL_S:
        violations.append(
            FieldViolation("policy.hold_ttl_seconds", f"must be between {MIN_HOLD_TTL_S} and {MAX_HOLD_TTL_S}")
        )
    if policy.HasField("refund_window_days") and not (
            MIN_REFUND_WINDOW_DAYS <= policy.refund_window_days <= MAX_REFUND_WINDOW_DAYS):
        violations.append(FieldViolation(
            "policy.refund_window_days", f"must be between {MIN_REFUND_WINDOW_DAYS} and {MAX_REFUND_WINDOW_DAYS}"))
    if len(policy.tiers) > len(TIERS):
        violations.append(FieldViolation("policy.tiers", f"at most {len(TIERS)} entries, one per tier"))
    tiers = [t.tier for t in policy.tiers[: len(TIERS)]]
    for i, tier in enumerate(policy.tiers[: len(TIERS)]):
        if tier.tier not in TIERS:
            violations.append(FieldViolation(f"policy.tiers[{i}].tier", "must be a known tier"))
        elif tiers.count(tier.tier) > 1:
            violations.append(FieldViolation(f"policy.tiers[{i}].tier", "each tier at most once"))
        violations.extend(validate_profile(tier.limits, f"policy.tiers[{i}].limits"))
    for tier in TIERS:
        if tier not in tiers:
            name = common_pb2.Tier.Name(tier)
            violations.append(FieldViolation("policy.tiers", f"{name} is missing"))
    violations.extend(validate_risk(policy.risk))
    violations.extend(validate_installments(policy.installments))
    return violations


def validate_installments(policy: policy_pb2.InstallmentPolicy, path: str = "policy.installments") -> list[FieldViolation]:
    out: list[FieldViolation] = []
    terms = [p.term_months for p in policy.plans]
    if len(policy.plans) > 12:
        out.append(FieldViolation(f"{path}.plans", "at most 12 plans"))
    for i, plan in enumerate(policy.plans[:12]):
        ppath = f"{path}.plans[{i}]"
        if not 1 <= plan.term_months <= 60 or terms.count(plan.term_months) > 1:
            out.append(FieldViolation(f"{ppath}.term_months", "1 to 60, each term once"))
        if not 0 <= plan.monthly_rate_bps <= 1_000:
            out.append(FieldViolation(f"{ppath}.monthly_rate_bps", "between 0 and 1,000 (10 % a month)"))
        if not 0 <= plan.min_amount_minor <= MAX_AMOUNT_MINOR:
            out.append(FieldViolation(f"{ppath}.min_amount_minor", f"between 0 and {MAX_AMOUNT_MINOR}"))
        if not 0 <= plan.max_period_payment_minor <= MAX_AMOUNT_MINOR:
            out.append(FieldViolation(f"{ppath}.max_period_payment_minor", f"between 0 and {MAX_AMOUNT_MINOR}"))
        if len(plan.tiers) > len(TIERS) or any(t not in TIERS for t in plan.tiers) or len(set(plan.tiers)) < len(
                plan.tiers):
            out.append(FieldViolation(f"{ppath}.tiers", "known tiers, each at most once"))
        if not (math.isfinite(plan.min_credit_score) and plan.min_credit_score >= 0):
            out.append(FieldViolation(f"{ppath}.min_credit_score", "a finite score, 0 for none"))
    if len(policy.excluded_mccs) > MAX_LISTED or any(not MCC_PATTERN.fullmatch(m) for m in policy.excluded_mccs):
        out.append(FieldViolation(f"{path}.excluded_mccs", f"at most {MAX_LISTED} four-digit codes"))
    if len(policy.channels) > len(CHANNELS) or any(ch not in CHANNELS for ch in policy.channels) or len(
            set(policy.channels)) < len(policy.channels):
        out.append(FieldViolation(f"{path}.channels", "known channels, each at most once"))
    if not 0 <= policy.auto_min_threshold_minor <= MAX_AMOUNT_MINOR:
        out.append(FieldViolation(f"{path}.auto_min_threshold_minor", f"between 0 and {MAX_AMOUNT_MINOR}"))
    return out


MAX_LISTED = 1000
MAX_STAND_IN_BUDGET_MS = 60_000
MCC_PATTERN = re.compile(r"[0-9]{4}")


def country_code(alpha2: str) -> int:
    """The kernel's number for an ISO 3166-1 alpha-2 code: 1 + 26 * first + second (0: unknown)."""
    if len(alpha2) != 2 or not ("A" <= alpha2[0] <= "Z" and "A" <= alpha2[1] <= "Z"):
        return 0
    return 1 + (ord(alpha2[0]) - 65) * 26 + (ord(alpha2[1]) - 65)


def validate_risk(risk: policy_pb2.RiskPolicy, path: str = "policy.risk") -> list[FieldViolation]:
    """Violations of the risk policy. Zero disables a threshold or a rule."""
    out: list[FieldViolation] = []
    for name in ("challenge_score", "decline_score"):
        value = getattr(risk, name)
        if not (math.isfinite(value) and 0 <= value <= 1):
            out.append(FieldViolation(f"{path}.{name}", "between 0 and 1 (0 disables)"))
    if risk.challenge_score and risk.decline_score and risk.challenge_score > risk.decline_score:
        out.append(FieldViolation(f"{path}.challenge_score", "at most decline_score"))
    for name in ("max_payments_per_minute", "max_payments_per_hour"):
        if not 0 <= getattr(risk, name) <= MAX_COUNT:
            out.append(FieldViolation(f"{path}.{name}", f"between 0 and {MAX_COUNT}"))
    for name in ("max_travel_speed_kmh", "min_travel_distance_km"):
        value = getattr(risk, name)
        if not (math.isfinite(value) and 0 <= value <= 1e6):
            out.append(FieldViolation(f"{path}.{name}", "between 0 and 1,000,000"))
    if not 0 <= risk.new_device_challenge_minor <= MAX_AMOUNT_MINOR:
        out.append(FieldViolation(f"{path}.new_device_challenge_minor", f"between 0 and {MAX_AMOUNT_MINOR}"))
    if not 0 <= risk.stand_in_max_minor <= MAX_AMOUNT_MINOR:
        out.append(FieldViolation(f"{path}.stand_in_max_minor", f"between 0 and {MAX_AMOUNT_MINOR}"))
    if not 0 <= risk.stand_in_budget_ms <= MAX_STAND_IN_BUDGET_MS:
        out.append(FieldViolation(f"{path}.stand_in_budget_ms", f"between 0 and {MAX_STAND_IN_BUDGET_MS}"))
    if len(risk.blocked_mccs) > MAX_LISTED or any(not MCC_PATTERN.fullmatch(m) for m in risk.blocked_mccs):
        out.append(FieldViolation(f"{path}.blocked_mccs", f"at most {MAX_LISTED} four-digit codes"))
    if len(risk.blocked_countries) > MAX_LISTED or any(not is_country(c) for c in risk.blocked_countries):
        out.append(FieldViolation(f"{path}.blocked_countries", "ISO 3166-1 alpha-2 codes"))
    if len(risk.mcc_risk) > 10_000 or any(
            not MCC_PATTERN.fullmatch(k) or not (math.isfinite(v) and 0 <= v <= 1) for k, v in risk.mcc_risk.items()):
        out.append(FieldViolation(f"{path}.mcc_risk", "four-digit codes with weights between 0 and 1"))
    if risk.home_country and not is_country(risk.home_country):
        out.append(FieldViolation(f"{path}.home_country", "an ISO 3166-1 alpha-2 code"))
    return out


def risk_tables(risk: policy_pb2.RiskPolicy) -> tuple:
    """The arguments of Book.set_risk for a validated risk policy."""
    mcc_risk = np.zeros(10_000)
    for mcc, weight in risk.mcc_risk.items():
        mcc_risk[int(mcc)] = weight
    mcc_blocked = np.zeros(10_000, dtype=np.uint8)
    for mcc in risk.blocked_mccs:
        mcc_blocked[int(mcc)] = 1
    country_blocked = np.zeros(677, dtype=np.uint8)
    for country in risk.blocked_countries:
        country_blocked[country_code(country)] = 1
    off = math.inf
    return (mcc_risk, mcc_blocked, country_blocked, risk.challenge_score or off, risk.decline_score or off,
            risk.max_travel_speed_kmh or off, risk.min_travel_distance_km if risk.max_travel_speed_kmh else off,
            risk.new_device_challenge_minor or int(NO_LIMIT), risk.max_payments_per_minute,
            risk.max_payments_per_hour, country_code(risk.home_country or "CN"), risk.stand_in_max_minor)


def tier_limits(policy: policy_pb2.Policy, tier: int) -> common_pb2.LimitProfile:
    for entry in policy.tiers:
        if entry.tier == tier:
            return entry.limits
    raise KeyError(tier)


def resolve(tier: common_pb2.LimitProfile, overrides: common_pb2.LimitProfile | None) -> common_pb2.LimitProfile:
    """The tier's profile with the overrides' set fields on top, and the regulatory fields
    filled in where neither sets them. Unset ordinary limits mean "no limit"."""
    merged = common_pb2.LimitProfile()
    merged.CopyFrom(tier)
    if overrides is not None:
        for name in AMOUNT_FIELDS + COUNT_FIELDS + RULE_FIELDS:
            if overrides.HasField(name):
                setattr(merged, name, getattr(overrides, name))
        for limits in overrides.channels:
            target = next((c for c in merged.channels if c.channel == limits.channel), None)
            if target is None:
                target = merged.channels.add(channel=limits.channel)
            if limits.HasField("allowed"):
                target.allowed = limits.allowed
            for name in CHANNEL_FIELDS:
                if limits.HasField(name):
                    setattr(target, name, getattr(limits, name))
    for name, cap in REGULATORY_CAPS_MINOR.items():
        if not merged.HasField(name):
            setattr(merged, name, cap)
    if not merged.HasField("scan_dynamic_qr_level_a_daily_minor"):
        merged.scan_dynamic_qr_level_a_daily_minor = merged.scan_dynamic_qr_level_b_daily_minor
    return merged


def _or_no_limit(message, name: str) -> int:
    return getattr(message, name) if message.HasField(name) else NO_LIMIT


def profile_row(profile: common_pb2.LimitProfile) -> np.void:
    """A resolved profile as one PROFILE_DTYPE record."""
    row = np.zeros((), dtype=PROFILE_DTYPE)
    row["per_transaction"] = _or_no_limit(profile, "per_transaction_minor")
    row["daily_amount"] = _or_no_limit(profile, "daily_amount_minor")
    row["daily_count"] = _or_no_limit(profile, "daily_count")
    row["monthly_amount"] = _or_no_limit(profile, "monthly_amount_minor")
    row["monthly_count"] = _or_no_limit(profile, "monthly_count")
    for index, channel in enumerate(CHANNELS):
        limits = next((c for c in profile.channels if c.channel == channel), common_pb2.ChannelLimits())
        row["channel_allowed"][index] = 0 if (limits.HasField("allowed") and not limits.allowed) else 1
        row["channel_per_transaction"][index] = _or_no_limit(limits, "per_transaction_minor")
        row["channel_daily_amount"][index] = _or_no_limit(limits, "daily_amount_minor")
        row["channel_daily_count"][index] = _or_no_limit(limits, "daily_count")
        row["channel_monthly_amount"][index] = _or_no_limit(limits, "monthly_amount_minor")
        row["channel_monthly_count"][index] = _or_no_limit(limits, "monthly_count")
    row["static_qr_daily"] = _or_no_limit(profile, "scan_static_qr_daily_minor")
    row["dynamic_qr_level_c_daily"] = _or_no_limit(profile, "scan_dynamic_qr_level_c_daily_minor")
    row["dynamic_qr_level_b_daily"] = _or_no_limit(profile, "scan_dynamic_qr_level_b_daily_minor")
    row["dynamic_qr_level_a_daily"] = _or_no_limit(profile, "scan_dynamic_qr_level_a_daily_minor")
    row["quick_unverified_per_transaction"] = _or_no_limit(profile, "quick_pay_no_verification_per_transaction_minor")
    row["quick_unverified_daily"] = _or_no_limit(profile, "quick_pay_no_verification_daily_minor")
    return row
