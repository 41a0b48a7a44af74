"""The effects of journal records: authcore.v1.JournalEffect (proto/authcore/v1/journal.proto).

A record's effect is the change its request made to the state. The engine builds one with the
constructors here, the journal stores it serialized (authcore.journal.store, column `effect`), and on
start decode() reads it back for the engine to apply again. Anyone following the journal reads
it the same way: `decode(record.effect)` for every record of `Journal.records()` with an effect.

Journals written before the effects were typed hold each effect as JSON text, a dict with short
keys ({"t": "hold", "id": ..., "amt": ...}); decode() converts those (_effect_from_json) into the
same JournalEffect, so that such a journal starts with the same state. Nothing writes JSON any more.
"""

from __future__ import annotations

import base64
import json
import math

import numpy as np
from google.protobuf.message import DecodeError

from authcore.decision.money import currency_alpha
from authcore.decision.policy import CHANNELS
from authcore.journal.store import JournalCorrupt
from authcore.v1 import common_pb2 as c
from authcore.v1.journal_pb2 import (
    AccountSet, AccountsImported, AutoInstallmentSet, HoldCaptured, HoldExpired, HoldPlaced, HoldRefunded,
    HoldsDropped, HoldsPlaced, HoldVoided, JournalEffect, PolicySet, Repaid, RiskModelSet, ScorecardSet,
)

__all__ = [
    "FORMAT", "CHANNEL_INDEX", "channel_indexes", "JournalEffect", "decode", "hold_placed", "holds_placed", "hold_captured",
    "hold_voided", "hold_expired", "hold_refunded", "holds_dropped", "repaid", "account_set", "auto_installment_set",
    "policy_set", "risk_model_set", "scorecard_set", "accounts_imported",
    # The messages of each effect, for type annotations.
    "HoldPlaced", "HoldsPlaced", "HoldCaptured", "HoldVoided", "HoldExpired", "HoldRefunded", "HoldsDropped", "Repaid",
    "AccountSet", "AutoInstallmentSet", "PolicySet", "RiskModelSet", "ScorecardSet", "AccountsImported",
]

# JournalEffect.format of the effects this build writes and reads.
FORMAT = 1
# The ledger's channel index (0..2, the kernel's) of each Channel.
CHANNEL_INDEX = {channel: index for index, channel in enumerate(CHANNELS)}
# CHANNEL_INDEX as a table: -1 at a number that is no Channel.
_CHANNEL_TABLE = np.full(max(CHANNEL_INDEX) + 1, -1, np.int32)
_CHANNEL_TABLE[list(CHANNEL_INDEX)] = list(CHANNEL_INDEX.values())


def channel_indexes(channels) -> np.ndarray:
    """CHANNEL_INDEX of each of a column of Channels, at once (int32); KeyError on one that is no
    Channel, as the mapping raises."""
    values = np.asarray(channels, np.int64)
    known = (values >= 0) & (values < len(_CHANNEL_TABLE))
    indexes = np.where(known, _CHANNEL_TABLE[np.where(known, values, 0)], -1)
    if (indexes < 0).any():
        raise KeyError(int(values[int((indexes < 0).argmax())]))
    return indexes.astype(np.int32)
# The number columns of a bulk chunk's approvals in the JSON form ("ints", little-endian int64).
JSON_HOLD_COLUMNS = ("ch", "amt", "flags", "day", "month", "dev", "ip", "term", "rate")


# -- constructors ---------------------------------------------------------------------------------


def hold_placed(authorization_id: str, account_id: str, channel: c.Channel.ValueType, amount_minor: int, flags: int,
                day_index: int, month_index: int, expires_s: int, merchant_id: str, device_hash: int,
                ip_network_hash: int, latitude: float, longitude: float, term_months: int = 0,
                monthly_rate_bps: int = 0) -> JournalEffect:
    """One approved payment's hold; channel is a Channel, a NaN latitude or longitude is unknown."""
    effect = JournalEffect(format=FORMAT)
    hold = effect.hold_placed
    hold.authorization_id = authorization_id
    hold.account_id = account_id
    hold.channel = channel
    hold.amount_minor = amount_minor
    hold.flags = flags
    hold.day_index = day_index
    hold.month_index = month_index
    hold.expires_at.seconds = expires_s
    hold.merchant_id = merchant_id
    hold.device_hash = device_hash
    hold.ip_network_hash = ip_network_hash
    if not math.isnan(latitude):
        hold.latitude = latitude
    if not math.isnan(longitude):
        hold.longitude = longitude
    hold.installment_term_months = term_months
    hold.installment_monthly_rate_bps = monthly_rate_bps
    return effect


def holds_placed(authorization_ids: list[str], account_ids: list[str], merchant_ids: list[str], expires_s: int,
                 channels: list[c.Channel.ValueType], amounts_minor: list[int], flags: list[int],
                 day_indexes: list[int], month_indexes: list[int], device_hashes: list[int],
                 ip_network_hashes: list[int], latitudes: list[float], longitudes: list[float], terms_months: list[int],
                 monthly_rates_bps: list[int]) -> JournalEffect:
    """The approvals of a bulk chunk as columns (plain lists: numpy's .tolist(), which the
    repeated fields take fastest); channels are Channel values, hashes unsigned, NaN unknown."""
    effect = JournalEffect(format=FORMAT)
    holds = effect.holds_placed
    holds.authorization_ids.extend(authorization_ids)
    holds.account_ids.extend(account_ids)
    holds.merchant_ids.extend(merchant_ids)
    holds.expires_at.seconds = expires_s
    holds.channels.extend(channels)
    holds.amounts_minor.extend(amounts_minor)
    holds.flags.extend(flags)
    holds.day_indexes.extend(day_indexes)
    holds.month_indexes.extend(month_indexes)
    holds.device_hashes.extend(device_hashes)
    holds.ip_network_hashes.extend(ip_network_hashes)
    holds.latitudes.extend(latitudes)
    holds.longitudes.extend(longitudes)
    holds.installment_terms_months.extend(terms_months)
    holds.installment_monthly_rates_bps.extend(monthly_rates_bps)
    return effect


def hold_captured(authorization_id: str, amount_minor: int) -> JournalEffect:
    return JournalEffect(format=FORMAT, hold_captured=HoldCaptured(authorization_id=authorization_id,
                                                                   amount_minor=amount_minor))


def hold_voided(authorization_id: str) -> JournalEffect:
    return JournalEffect(format=FORMAT, hold_voided=HoldVoided(authorization_id=authorization_id))


def hold_expired(authorization_id: str) -> JournalEffect:
    return JournalEffect(format=FORMAT, hold_expired=HoldExpired(authorization_id=authorization_id))


def hold_refunded(authorization_id: str, amount_minor: int) -> JournalEffect:
    return JournalEffect(format=FORMAT, hold_refunded=HoldRefunded(authorization_id=authorization_id,
                                                                   amount_minor=amount_minor))


def holds_dropped(authorization_ids: list[str]) -> JournalEffect:
    """Closed holds past their refund window, dropped from memory."""
    effect = JournalEffect(format=FORMAT)
    effect.holds_dropped.authorization_ids.extend(authorization_ids)
    return effect


def repaid(account_id: str, amount_minor: int) -> JournalEffect:
    return JournalEffect(format=FORMAT, repaid=Repaid(account_id=account_id, amount_minor=amount_minor))


def account_set(account_id: str, credit_limit_minor: int, status: c.AccountStatus.ValueType, tier: c.Tier.ValueType,
                overrides: c.LimitProfile | None, overdue_minor: int, currency: str, time_zone: str, utc_offset_s: int,
                credit_score: float | None) -> JournalEffect:
    """An account's settings as a whole (overrides copied; credit_score None: unchanged)."""
    effect = JournalEffect(format=FORMAT)
    account = effect.account_set
    account.account_id = account_id
    account.credit_limit_minor = credit_limit_minor
    account.status = status
    account.tier = tier
    if overrides is not None:
        account.limit_overrides.CopyFrom(overrides)
    account.overdue_minor = overdue_minor
    account.currency = currency
    account.time_zone = time_zone
    account.utc_offset_seconds = utc_offset_s
    if credit_score is not None:
        account.credit_score = credit_score
    return effect


def accounts_imported(account_ids: list[str], limits_minor: list[int], statuses: list[int], tiers: list[int],
                      overdue_minor: list[int], currencies: list[str], currency_indexes: list[int],
                      time_zones: list[str], utc_offsets_s: list[int], time_zone_indexes: list[int],
                      credit_scores: list[float]) -> JournalEffect:
    """The accounts of an import chunk as columns (plain lists), each account's settings as a
    whole; currencies and zones as tables of distinct values with a row's index into them;
    credit_scores empty when the chunk set none (NaN: a row that keeps the score on file)."""
    effect = JournalEffect(format=FORMAT)
    accounts = effect.accounts_imported
    accounts.account_ids.extend(account_ids)
    accounts.credit_limits_minor.extend(limits_minor)
    accounts.statuses.extend(statuses)
    accounts.tiers.extend(tiers)
    accounts.overdue_minor.extend(overdue_minor)
    accounts.currencies.extend(currencies)
    accounts.currency_indexes.extend(currency_indexes)
    accounts.time_zones.extend(time_zones)
    accounts.utc_offsets_seconds.extend(utc_offsets_s)
    accounts.time_zone_indexes.extend(time_zone_indexes)
    accounts.credit_scores.extend(credit_scores)
    return effect


def auto_installment_set(account_id: str, enabled: bool, term_months: int, threshold_minor: int) -> JournalEffect:
    effect = JournalEffect(format=FORMAT)
    setting = effect.auto_installment_set
    setting.account_id = account_id
    setting.setting.enabled = enabled
    setting.setting.term_months = term_months
    setting.setting.threshold_minor = threshold_minor
    return effect


def policy_set(content: bytes) -> JournalEffect:
    """A policy made active: content is the serialized Policy, as stored under its version."""
    return JournalEffect(format=FORMAT, policy_set=PolicySet(policy=content))


def risk_model_set(content: bytes, version: str) -> JournalEffect:
    return JournalEffect(format=FORMAT, risk_model_set=RiskModelSet(model=content, version=version))


def scorecard_set(content: bytes) -> JournalEffect:
    """A scorecard made active: content is the serialized Scorecard, as stored under its version."""
    return JournalEffect(format=FORMAT, scorecard_set=ScorecardSet(scorecard=content))


# -- reading --------------------------------------------------------------------------------------


def decode(raw: bytes | str) -> JournalEffect:
    """The effect of a journal record's `effect` column: a serialized JournalEffect, or the JSON
    text of a journal written before the effects were typed. Raises JournalCorrupt for what
    this build cannot read (a format it does not know, bytes that are no JournalEffect)."""
    if isinstance(raw, str) or raw[:1] == b"{":
        # A serialized JournalEffect starts with the tag of `format` (0x08), never with "{".
        try:
            return _effect_from_json(json.loads(raw))
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise JournalCorrupt(f"an effect in the JSON form that cannot be read ({exc!r})") from exc
    try:
        effect = JournalEffect.FromString(raw)
    except DecodeError as exc:
        raise JournalCorrupt(f"an effect that is no authcore.v1.JournalEffect ({exc})") from exc
    if effect.format != FORMAT:
        raise JournalCorrupt(f"an effect of format {effect.format}; this build reads format {FORMAT} "
                             "(a journal written by a newer authcore?)")
    return effect


def _effect_from_json(effect: dict) -> JournalEffect:
    """The JournalEffect of an effect in the JSON form (a dict, keyed "t" by kind): the same
    change, applied by the same code."""
    kind = effect["t"]
    if kind == "hold":
        # "ch" is the channel's index; "lat"/"lon" None when unknown; the keys read with get()
        # came later than the others.
        return hold_placed(
            effect["id"], effect["acct"], CHANNELS[effect["ch"]], effect["amt"], effect["flags"], effect.get("day", 0),
            effect.get("month", 0), effect["exp"], effect["m"], effect.get("dev", 0), effect.get("ip", 0),
            _float_or_nan(effect.get("lat")), _float_or_nan(effect.get("lon")), effect.get("term", 0),
            effect.get("rate", 0))
    if kind == "holds":
        ints = np.frombuffer(base64.b64decode(effect["ints"]), "<i8").reshape(-1, len(JSON_HOLD_COLUMNS))
        locations = np.frombuffer(base64.b64decode(effect["locations"]), "<f8").reshape(-1, 2)
        column = {name: ints[:, k] for k, name in enumerate(JSON_HOLD_COLUMNS)}
        return holds_placed(
            effect["id"], effect["acct"], effect["m"], effect["exp"],
            np.asarray(CHANNELS, np.int64)[column["ch"]].tolist(), column["amt"].tolist(), column["flags"].tolist(),
            column["day"].tolist(), column["month"].tolist(), column["dev"].view(np.uint64).tolist(),
            column["ip"].view(np.uint64).tolist(), locations[:, 0].tolist(), locations[:, 1].tolist(),
            column["term"].tolist(), column["rate"].tolist())
    if kind == "capture":
        return hold_captured(effect["id"], effect["amt"])
    if kind == "void":
        return hold_voided(effect["id"])
    if kind == "expire":
        return hold_expired(effect["id"])
    if kind == "refund":
        return hold_refunded(effect["id"], effect["amt"])
    if kind == "repay":
        return repaid(effect["acct"], effect["amt"])
    if kind == "account":
        # "overrides": base64 of the LimitProfile's bytes, or None; "currency" the ISO 4217 number.
        overrides = c.LimitProfile.FromString(base64.b64decode(effect["overrides"])) if effect["overrides"] else None
        return account_set(effect["acct"], effect["limit"], effect["status"], effect["tier"], overrides,
                           effect["overdue"], currency_alpha(effect["currency"]), effect["zone"], effect["offset"],
                           effect.get("score"))
    if kind == "auto":
        return auto_installment_set(effect["acct"], effect["on"], effect["term"], effect["threshold"])
    if kind == "policy":
        return policy_set(base64.b64decode(effect["policy"]))
    if kind == "model":
        return risk_model_set(base64.b64decode(effect["model"]), effect["version"])
    if kind == "scorecard":
        return scorecard_set(base64.b64decode(effect["card"]))
    raise JournalCorrupt(f"an effect of the unknown kind {kind!r} in the JSON form")


def _float_or_nan(value: float | None) -> float:
    return math.nan if value is None else float(value)
