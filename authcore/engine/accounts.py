"""Accounts: their settings (UpsertAccount, auto-installment), their view (GetAccount), installment quotes."""

from __future__ import annotations

import datetime

from authcore.journal import effects
from authcore.decision import explain, installments
from authcore.errors import (
    FailedPrecondition, FieldViolation, InstallmentRefused, InvalidArgument, ResourceExhausted,
)
from authcore.decision.money import currency_alpha, currency_numeric
from authcore.journal.effects import JournalEffect
from authcore.decision.policy import CHANNELS
from authcore.decision import validation
from authcore.v1 import account_pb2, admin_pb2, common_pb2 as c, installment_pb2 as inst
from authcore.engine.core import Core
from authcore.engine.requests import Requests
from authcore.engine.common import (
    _account_settings, DEFAULT_CURRENCY, DEFAULT_ZONE, EPOCH_DATE, fixed_utc_offset_s, _has_overrides,
    MAX_LISTED_HOLDS,
)


class Accounts:
    """UpsertAccount, GetAccount, QuoteInstallments, Set/GetAutoInstallment."""

    def __init__(self, core: Core, requests: Requests):
        self.core = core
        self.requests = requests

    @staticmethod
    def status(status: int, overdue: int) -> int:
        """The status a customer sees: an active account with an overdue repayment is frozen."""
        return c.ACCOUNT_STATUS_FROZEN if status == c.ACCOUNT_STATUS_ACTIVE and overdue > 0 else status

    def get_account(self, req: account_pb2.GetAccountRequest) -> account_pb2.GetAccountResponse:
        validation.validate_get_account(req)
        with self.core.state.shared():
            slot = self.core.slot(req.account_id)
            with self.core.stripes.of(slot):
                return account_pb2.GetAccountResponse(account=self._account_view(slot, self.core.now()),
                                                      policy_version=self.core.ledger.policy.version)

    def _account_view(self, slot: int | None, now_s: int, settings: effects.AccountSet | None = None
                      ) -> account_pb2.Account:
        """The account at slot; with settings, the account as applying them will leave it (slot
        None: an account they create), built from the decided settings with nothing applied."""
        ledger = self.core.ledger
        if settings is None:
            account_id, zone = ledger.account_ids[slot], ledger.zones[slot]
            row = ledger.row(slot)
            prof = ledger.profiles[int(row["profile"])]
            overrides, credit_score = ledger.overrides.get(slot), ledger.credit_scores.get(slot)
        else:
            account_id, zone = settings.account_id, settings.time_zone
            row, prof = ledger.preview(account_id, **_account_settings(settings, now_s))
            overrides = settings.limit_overrides if _has_overrides(settings) else None
            credit_score = settings.credit_score if settings.HasField("credit_score") else None
        currency = currency_alpha(int(row["currency"]))
        overdue = int(row["overdue"])
        view = account_pb2.Account(
            account_id=account_id, status=self.status(int(row["status"]), overdue),
            tier=int(row["tier"]), currency=currency, time_zone=zone, credit_limit_minor=int(row["limit"]),
            available_credit_minor=int(row["limit"]) - int(row["posted"]) - int(row["held"]),
            posted_balance_minor=int(row["posted"]), held_minor=int(row["held"]), overdue_minor=overdue)
        situation = explain.Situation(row=row, prof=prof, channel=c.CHANNEL_WALLET, amount=0, currency=currency,
                                      account_currency=currency, zone=zone, factors=0, now_s=now_s)
        blocking = []
        if row["status"] == c.ACCOUNT_STATUS_CLOSED:
            blocking.append(c.REASON_ACCOUNT_CLOSED)
        if row["status"] == c.ACCOUNT_STATUS_FROZEN:
            blocking.append(c.REASON_ACCOUNT_FROZEN)
        if overdue > 0:
            blocking.append(c.REASON_ACCOUNT_FROZEN_OVERDUE)
        view.blocking_reasons.extend(explain.detail(r, situation) for r in blocking)
        view.windows.extend(explain.account_windows(row, prof, explain.Clock.of(now_s, int(row["utc_offset_s"]))))
        view.open_hold_count, listed = ledger.open_holds_listed(slot, MAX_LISTED_HOLDS)
        for hold in listed:
            view.holds.add(authorization_id=hold.authorization_id, channel=CHANNELS[hold.channel],
                           amount_minor=hold.amount, merchant_id=hold.merchant_id,
                           created_at=explain.timestamp(hold.created_s), expires_at=explain.timestamp(hold.expires_s))
        if overrides is not None:
            view.limit_overrides.CopyFrom(overrides)
        if credit_score is not None:
            view.credit_score = credit_score
        view.auto_installment.CopyFrom(self._auto_setting(slot))
        offset = int(row["utc_offset_s"])
        for hold in sorted(ledger.plans_of(slot), key=lambda h: h.captured_s):
            principal = hold.captured - hold.refunded
            if principal > 0:
                captured_on = EPOCH_DATE + datetime.timedelta(days=(hold.captured_s + offset) // 86400)
                schedule = installments.schedule(principal, hold.term, hold.rate_bps,
                                                 installments.add_months(captured_on, 1))
                schedule.authorization_id = hold.authorization_id
                view.installments.append(schedule)
        return view

    def upsert_account(self, req: admin_pb2.UpsertAccountRequest) -> tuple[admin_pb2.UpsertAccountResponse, bool]:
        validation.validate_upsert(req)

        def decide(now_s: int):
            effect = self._account_effect(req)
            slot = self.core.ledger.slot_of.get(req.account_id)
            # The answer is the account as the effect will leave it, built before anything changes.
            account = self._account_view(slot, now_s, effect.account_set)
            return admin_pb2.UpsertAccountResponse(account=account, created=slot is None), effect

        # Exclusive (no account scope): creating an account or a limit profile may grow (and so
        # move) the tables that every other request's kernel call reads.
        return self.requests.mutate("UpsertAccount", req, admin_pb2.UpsertAccountResponse, decide)

    def _account_effect_of(self, slot: int) -> JournalEffect:
        """The AccountSet effect that sets an account as it is now (what an upsert changes)."""
        row = self.core.ledger.row(slot)
        return effects.account_set(
            self.core.ledger.account_ids[slot], int(row["limit"]), int(row["status"]), int(row["tier"]),
            self.core.ledger.overrides.get(slot), int(row["overdue"]), currency_alpha(int(row["currency"])),
            self.core.ledger.zones[slot], int(row["utc_offset_s"]), self.core.ledger.credit_scores.get(slot))

    def _account_effect(self, req: admin_pb2.UpsertAccountRequest) -> JournalEffect:
        """The account settings after the upsert, checked against the current state."""
        ledger = self.core.ledger
        slot = ledger.slot_of.get(req.account_id)
        overrides = None
        if req.HasField("limit_overrides") and req.limit_overrides.ByteSize():
            overrides = req.limit_overrides
        if slot is None:
            zone = req.time_zone or DEFAULT_ZONE
            currency = req.currency or DEFAULT_CURRENCY
            offset = fixed_utc_offset_s(zone)
            overdue = req.overdue_minor if req.HasField("overdue_minor") else 0
            if overdue > 0:
                raise InvalidArgument([FieldViolation("overdue_minor", "a new account has no balance to be overdue")])
            if ledger.n_accounts >= ledger.max_accounts:
                raise ResourceExhausted(f"at most {ledger.max_accounts} accounts")
            effect = effects.account_set(req.account_id, req.credit_limit_minor, req.status or c.ACCOUNT_STATUS_ACTIVE,
                                         req.tier or c.TIER_NEW, overrides, overdue, currency, zone, offset, None)
            account = effect.account_set
        else:
            effect = self._account_effect_of(slot)
            account = effect.account_set
            violations = []
            if req.currency and currency_numeric(req.currency) != int(ledger.row(slot)["currency"]):
                violations.append(FieldViolation("currency", "cannot change after the account is created"))
            if req.time_zone and req.time_zone != account.time_zone:
                violations.append(FieldViolation("time_zone", "cannot change after the account is created"))
            if violations:
                raise InvalidArgument(violations)
            account.credit_limit_minor = req.credit_limit_minor
            account.status = req.status or account.status
            account.tier = req.tier or account.tier
            if req.HasField("limit_overrides"):
                if overrides is not None:
                    account.limit_overrides.CopyFrom(overrides)
                else:
                    account.ClearField("limit_overrides")
            if req.HasField("overdue_minor"):
                posted = int(ledger.row(slot)["posted"])
                if req.overdue_minor > max(posted, 0):
                    raise FailedPrecondition("OVERDUE_EXCEEDS_BALANCE",
                                             f"overdue {req.overdue_minor} is above the posted balance {posted}",
                                             {"posted_balance_minor": str(posted)})
                account.overdue_minor = req.overdue_minor
        if req.HasField("credit_score"):
            account.credit_score = req.credit_score
        tier = account.tier
        key = (tier, overrides.SerializeToString(deterministic=True) if overrides is not None else b"")
        if key not in ledger.profile_index and len(ledger.profile_specs) >= ledger.max_profiles:
            raise ResourceExhausted(f"at most {ledger.max_profiles} distinct limit profiles")
        return effect

    def quote_installments(self, req: inst.QuoteInstallmentsRequest) -> inst.QuoteInstallmentsResponse:
        validation.validate_quote(req)
        with self.core.state.shared():
            slot = self.core.slot(req.account_id)
            with self.core.stripes.of(slot):
                self.core.check_currency(slot, req.currency)
                policy = self.core.ledger.policy.installments
                who = self.applicant(slot, req.channel, req.mcc)
                return inst.QuoteInstallmentsResponse(
                    quotes=[installments.quote(policy, plan, req.amount_minor, who)
                            for plan in sorted(policy.plans, key=lambda p: p.term_months)],
                    policy_version=self.core.ledger.policy.version)

    def set_auto_installment(self, req: inst.SetAutoInstallmentRequest) -> tuple[inst.SetAutoInstallmentResponse, bool]:
        validation.validate_set_auto(req)

        def decide(now_s: int):
            slot = self.core.slot(req.account_id)
            setting = req.setting
            if setting.enabled:
                refusals = installments.enable_refusals(self.core.ledger.policy.installments, setting, self.applicant(slot))
                if refusals:
                    raise InstallmentRefused(refusals)
            else:
                setting = inst.AutoInstallment(enabled=False)
            effect = effects.auto_installment_set(req.account_id, setting.enabled, setting.term_months,
                                                  setting.threshold_minor)
            return inst.SetAutoInstallmentResponse(setting=setting), effect

        return self.requests.mutate("SetAutoInstallment", req, inst.SetAutoInstallmentResponse, decide,
                            lambda: self.core.slot(req.account_id))

    def get_auto_installment(self, req: inst.GetAutoInstallmentRequest) -> inst.GetAutoInstallmentResponse:
        validation.validate_get_account(req)
        with self.core.state.shared():
            return inst.GetAutoInstallmentResponse(setting=self._auto_setting(self.core.slot(req.account_id)))

    def _auto_setting(self, slot: int) -> inst.AutoInstallment:
        enabled, term, threshold = self.core.ledger.auto_installment.get(slot, (False, 0, 0))
        return inst.AutoInstallment(enabled=enabled, term_months=term, threshold_minor=threshold)

    def hold_channel(self, authorization_id: str) -> int | None:
        """The channel index (0..2) an authorization was made on; None when unknown."""
        hold = self.core.ledger.hold(authorization_id)
        return None if hold is None else hold.channel

    def applicant(self, slot: int, channel: int = 0, mcc: str = "") -> installments.Applicant:
        row = self.core.ledger.row(slot)
        return installments.Applicant(int(row["status"]), int(row["overdue"]), int(row["tier"]),
                                      self.core.ledger.credit_scores.get(slot), self.core.ledger.available(slot), channel, mcc)
