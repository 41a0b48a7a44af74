"""Applying a journaled effect to memory: the one dispatcher, live and on replay."""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from authcore.journal import effects
from authcore.state.ledger import EXPIRED, VOIDED
from authcore.risk.scorecard import CompiledScorecard
from authcore.journal.effects import CHANNEL_INDEX, JournalEffect
from authcore.journal.store import JournalCorrupt
from authcore.journal import versions
from authcore.decision.money import currency_numeric
from authcore.v1 import credit_pb2, policy_pb2
from authcore.engine.core import Core
from authcore.engine.common import _account_settings


class Applier:
    """Each effect of JournalEffect's oneof -> the method that applies it (_apply_<field name>):
    after its record is written, and again on replay, by the same code, so that memory after a
    restart is memory before it."""

    def __init__(self, core: Core):
        self.core = core
        self.appliers: dict[str, Callable] = {
            field.name: getattr(self, f"_apply_{field.name}")
            for field in JournalEffect.DESCRIPTOR.oneofs_by_name["effect"].fields}

    def apply(self, effect: JournalEffect, at_s: int) -> None:
        """Apply one journaled effect to memory: live, after its journal write, and on replay, by
        the same code, so that memory after a restart is memory before it."""
        kind = effect.WhichOneof("effect")
        apply = self.appliers.get(kind)
        if apply is None:
            raise JournalCorrupt(f"journal holds an unknown effect {kind!r}; refusing to serve wrong balances")
        apply(getattr(effect, kind), at_s)

    def _apply_hold_placed(self, hold: effects.HoldPlaced, at_s: int) -> None:
        ledger = self.core.ledger
        ledger.place_hold(
            hold.authorization_id, ledger.slot_of[hold.account_id], hold.merchant_id, hold.expires_at.seconds,
            CHANNEL_INDEX[hold.channel], hold.amount_minor, hold.flags, hold.device_hash, hold.ip_network_hash,
            hold.latitude if hold.HasField("latitude") else math.nan,
            hold.longitude if hold.HasField("longitude") else math.nan, hold.installment_term_months,
            hold.installment_monthly_rate_bps, at_s)

    def _apply_holds_placed(self, holds: effects.HoldsPlaced, at_s: int) -> None:
        """The approvals of a bulk chunk, in the order they were decided."""
        self.core.ledger.place_holds(
            holds.authorization_ids, holds.account_ids, holds.merchant_ids, holds.expires_at.seconds,
            effects.channel_indexes(holds.channels), holds.amounts_minor, holds.flags,
            holds.device_hashes, holds.ip_network_hashes, holds.latitudes, holds.longitudes,
            holds.installment_terms_months, holds.installment_monthly_rates_bps, at_s)

    def _apply_hold_captured(self, effect: effects.HoldCaptured, at_s: int) -> None:
        self.core.ledger.capture(self.core.ledger.holds[effect.authorization_id], effect.amount_minor, at_s)

    def _apply_hold_voided(self, effect: effects.HoldVoided, at_s: int) -> None:
        self.core.ledger.release(self.core.ledger.holds[effect.authorization_id], VOIDED, at_s)

    def _apply_hold_expired(self, effect: effects.HoldExpired, at_s: int) -> None:
        self.core.ledger.release(self.core.ledger.holds[effect.authorization_id], EXPIRED, at_s)

    def _apply_hold_refunded(self, effect: effects.HoldRefunded, at_s: int) -> None:
        self.core.ledger.refund(self.core.ledger.holds[effect.authorization_id], effect.amount_minor)

    def _apply_holds_dropped(self, effect: effects.HoldsDropped, at_s: int) -> None:
        """Closed holds past their refund window leave memory (their ids stay known as dropped)."""
        self.core.ledger.drop(effect.authorization_ids)

    def _apply_repaid(self, effect: effects.Repaid, at_s: int) -> None:
        self.core.ledger.repay(self.core.ledger.slot_of[effect.account_id], effect.amount_minor)

    def _apply_account_set(self, account: effects.AccountSet, at_s: int) -> None:
        ledger = self.core.ledger
        ledger.upsert(account.account_id, **_account_settings(account, at_s))
        if account.HasField("credit_score"):
            ledger.credit_scores[ledger.slot_of[account.account_id]] = account.credit_score

    def _apply_accounts_imported(self, accounts: effects.AccountsImported, at_s: int) -> None:
        """An ImportAccounts chunk's accounts, in bulk (Ledger.upsert_many)."""
        numeric = [currency_numeric(alpha) for alpha in accounts.currencies]
        if None in numeric:
            raise JournalCorrupt(f"imported accounts in an unknown currency ({list(accounts.currencies)})")
        zones, zone_of = list(accounts.time_zones), np.array(accounts.time_zone_indexes, np.int64)
        self.core.ledger.upsert_many(
            list(accounts.account_ids), limits=np.array(accounts.credit_limits_minor, np.int64),
            statuses=np.array(accounts.statuses, np.int64), tiers=np.array(accounts.tiers, np.int64),
            overdue=np.array(accounts.overdue_minor, np.int64),
            currencies=np.array(numeric, np.int64)[np.array(accounts.currency_indexes, np.int64)],
            zones=zones * len(zone_of) if len(zones) == 1 else [zones[k] for k in zone_of.tolist()],
            utc_offsets_s=np.array(accounts.utc_offsets_seconds, np.int64)[zone_of],
            credit_scores=np.array(accounts.credit_scores, np.float64) if len(accounts.credit_scores) else None,
            now_s=at_s)

    def _apply_auto_installment_set(self, effect: effects.AutoInstallmentSet, at_s: int) -> None:
        setting = effect.setting
        self.core.ledger.auto_installment[self.core.ledger.slot_of[effect.account_id]] = (
            setting.enabled, setting.term_months, setting.threshold_minor)

    def _apply_policy_set(self, effect: effects.PolicySet, at_s: int) -> None:
        content = effect.policy
        self.core.ledger.set_policy(policy_pb2.Policy.FromString(content))
        self.core.catalog.note(versions.POLICY, self.core.ledger.policy.version, content, at_s)

    def _apply_risk_model_set(self, effect: effects.RiskModelSet, at_s: int) -> None:
        self.core.use_model(effect.model, effect.version)
        self.core.catalog.note(versions.MODEL, effect.version, effect.model, at_s)

    def _apply_scorecard_set(self, effect: effects.ScorecardSet, at_s: int) -> None:
        content = effect.scorecard
        self.core.scorecard = CompiledScorecard(credit_pb2.Scorecard.FromString(content))
        self.core.catalog.note(versions.SCORECARD, self.core.scorecard.version, content, at_s)
