"""Accounts: their settings (UpsertAccount, auto-installment), their view (GetAccount), installment quotes."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import numpy as np

from authcore.journal import effects
from authcore.decision import columns, explain, installments
from authcore.errors import (
    AuthcoreError, FailedPrecondition, FieldViolation, InstallmentRefused, InvalidArgument, ResourceExhausted,
)
from authcore.observability import events
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


# Chunks of one ImportAccounts stream (10,000 accounts each): the answer stays well within a message.
MAX_IMPORT_CHUNKS = 10_000


class Accounts:
    """UpsertAccount, ImportAccounts, GetAccount, QuoteInstallments, Set/GetAutoInstallment."""

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

    def import_accounts(self, chunks: Iterable) -> admin_pb2.ImportAccountsResponse:
        """An ImportAccounts stream: each chunk applied (or answered from the journal) in order,
        up to MAX_IMPORT_CHUNKS; the first refused chunk is the last one read, its error in its
        result. chunks may raise an AuthcoreError in place of a chunk (one that did not decode)."""
        response = admin_pb2.ImportAccountsResponse()
        chunks = iter(chunks)
        while True:
            req = None
            try:
                req = next(chunks, None)
                if req is None:
                    return response
                if len(response.chunks) >= MAX_IMPORT_CHUNKS:
                    raise InvalidArgument([FieldViolation("request_id", f"at most {MAX_IMPORT_CHUNKS} chunks per "
                                                                        "stream: send the rest on another")])
                result, replayed = self.import_chunk(req)
            except AuthcoreError as error:
                events.refused("ImportAccounts", error, req)
                response.chunks.add(request_id=getattr(req, "request_id", ""), error=error.to_status())
                return response
            result.replayed = replayed
            response.chunks.append(result)
            response.created += result.created
            response.updated += result.updated

    def import_chunk(self, req: admin_pb2.ImportAccountsRequest) -> tuple[admin_pb2.ImportChunkResult, bool]:
        """One ImportAccounts chunk: its columns validated (columns.import_chunk_of), then, under
        the whole state, decided against the accounts there (every row or none), journaled as
        one AccountsImported record and applied in bulk. Returns (result, replayed)."""
        chunk = columns.import_chunk_of(req)

        def decide(now_s: int):
            effect, created = self._import_effect(chunk, req)
            result = admin_pb2.ImportChunkResult(request_id=req.request_id, created=created, updated=chunk.n - created)
            return result, effect

        # Exclusive (no account scope): new accounts may grow (and so move) the tables that every
        # other request's kernel call reads.
        return self.requests.mutate("ImportAccounts", req, admin_pb2.ImportChunkResult, decide)

    def _import_effect(self, chunk: columns.ImportChunk, req: admin_pb2.ImportAccountsRequest
                       ) -> tuple[JournalEffect, int]:
        """The AccountsImported effect of a valid chunk, every account's settings as a whole after
        it, and how many accounts it opens; refuses the chunk whole (InvalidArgument naming each
        row) where a row cannot apply to the account as it is: a currency or zone that cannot
        change, an overdue amount on a new account or above the posted balance."""
        ledger, n = self.core.ledger, chunk.n
        slots = ledger.slot_of.slots_of(chunk.account_ids)
        old = slots >= 0
        created = n - int(old.sum())
        if ledger.n_accounts + created > ledger.max_accounts:
            raise ResourceExhausted(f"at most {ledger.max_accounts} accounts: the chunk opens {created}, "
                                    f"{ledger.max_accounts - ledger.n_accounts} more fit")
        # take, not fancy indexing (a tenth of the time on these rows); row 0 (or a spare one)
        # stands in for a new account.
        rows = ledger.accounts.take(np.maximum(slots, 0))
        out: list[FieldViolation] = []

        def kept(given, column: str, default: int) -> np.ndarray:
            """given where set (non-zero for enums), else the account's, else the default."""
            own = np.where(old, rows[column].astype(np.int64), default)
            return own if given is None else np.where(given != 0, given, own)

        limits = np.where(old, rows["limit"], 0) if chunk.limits is None else chunk.limits
        statuses = kept(chunk.statuses, "status", c.ACCOUNT_STATUS_ACTIVE)
        tiers = kept(chunk.tiers, "tier", c.TIER_NEW)
        if chunk.overdue is None:
            overdue = np.where(old, rows["overdue"], 0)
        else:
            overdue = chunk.overdue
            posted = np.maximum(rows["posted"], 0)
            for i in np.flatnonzero((overdue > 0) & ~old).tolist()[:columns.MAX_LISTED]:
                out.append(FieldViolation(f"overdue_minor[{i}]", "a new account has no balance to be overdue"))
            for i in np.flatnonzero(old & (overdue > posted)).tolist()[:columns.MAX_LISTED]:
                out.append(FieldViolation(f"overdue_minor[{i}]", f"above the posted balance {int(posted[i])}"))
        currencies, currency_indexes = self._import_currencies(chunk, req, old, rows, out)
        zones, offsets, zone_indexes = self._import_zones(chunk, req, slots, rows, out)
        if out:
            raise InvalidArgument(out[:columns.MAX_LISTED])
        self._check_import_profiles(slots, tiers)
        effect = effects.accounts_imported(
            chunk.account_ids, limits.tolist(), statuses.tolist(), tiers.tolist(), overdue.tolist(), currencies,
            currency_indexes, zones, offsets, zone_indexes, [] if chunk.scores is None else chunk.scores.tolist())
        return effect, created

    @staticmethod
    def _import_currencies(chunk: columns.ImportChunk, req, old: np.ndarray, rows: np.ndarray,
                           out: list[FieldViolation]) -> tuple[list[str], list[int]]:
        """(the chunk's currencies, each once; each row's index into them): an existing account's
        own, a new one's as named (the row's, else the chunk's, else the default). Naming another
        currency for an existing account is a violation."""
        chunk_numeric = currency_numeric(req.currency) if req.currency else 0
        if chunk.currencies is None:
            named = np.full(chunk.n, chunk_numeric, np.int64)
        else:
            table = {value: currency_numeric(value) if value else chunk_numeric for value in set(chunk.currencies)}
            named = np.fromiter((table[value] for value in chunk.currencies), np.int64, chunk.n)
        own = rows["currency"].astype(np.int64)
        for i in np.flatnonzero(old & (named != 0) & (named != own)).tolist()[:columns.MAX_LISTED]:
            field = f"currencies[{i}]" if chunk.currencies is not None and chunk.currencies[i] else "currency"
            out.append(FieldViolation(field, f"{chunk.account_ids[i]} is in {currency_alpha(int(own[i]))}: the "
                                             "currency is fixed when an account is created"))
        numeric = np.where(old, own, np.where(named != 0, named, currency_numeric(DEFAULT_CURRENCY)))
        distinct, indexes = np.unique(numeric, return_inverse=True)
        return [currency_alpha(int(code)) for code in distinct], indexes.tolist()

    def _import_zones(self, chunk: columns.ImportChunk, req, slots: np.ndarray, rows: np.ndarray,
                      out: list[FieldViolation]) -> tuple[list[str], list[int], list[int]]:
        """(the chunk's (zone, UTC offset) pairs, each once, as two lists; each row's index into
        them): an existing account's own, a new one's as named (the row's, else the chunk's, else
        the default), which must have no daylight saving. Naming another zone for an existing
        account is a violation."""
        ledger, n = self.core.ledger, chunk.n
        chunk_zone = req.time_zone
        # The zone each row names ("": none); each distinct zone a new account would take, once.
        if chunk.zones is None:
            named, distinct = [chunk_zone] * n, {chunk_zone or DEFAULT_ZONE}
        else:
            named = [zone or chunk_zone for zone in chunk.zones] if chunk_zone else chunk.zones
            distinct = {zone or DEFAULT_ZONE for zone in set(named)}
        offsets: dict[str, int] = {}
        problems: dict[str, str] = {}
        for zone in distinct:
            try:
                offsets[zone] = fixed_utc_offset_s(zone)
            except InvalidArgument as error:
                problems[zone] = error.violations[0].description
        old = np.flatnonzero(slots >= 0).tolist()
        if problems:  # zones with daylight saving, refused for the new accounts that name them
            for i in np.flatnonzero(slots < 0).tolist():
                problem = problems.get(named[i] or DEFAULT_ZONE)
                if problem is not None and len(out) < columns.MAX_LISTED:
                    out.append(FieldViolation(self._zone_field(chunk, i), problem))
        elif not old and len(distinct) == 1:  # new accounts all in one zone: the common import
            zone = distinct.pop()
            return [zone], [offsets[zone]], [0] * n
        zone_of_row = [zone or DEFAULT_ZONE for zone in named]
        offset_of_row = [offsets.get(zone, 0) for zone in zone_of_row]
        if old:
            own_offsets = rows["utc_offset_s"].tolist()
            for i in old:
                own = ledger.zones[slots[i]]
                if named[i] and named[i] != own and len(out) < columns.MAX_LISTED:
                    out.append(FieldViolation(self._zone_field(chunk, i),
                                              f"{chunk.account_ids[i]} is in {own}: the time zone is fixed when an "
                                              "account is created"))
                zone_of_row[i], offset_of_row[i] = own, own_offsets[i]
        pairs: dict[tuple[str, int], int] = {}
        indexes = [pairs.setdefault(key, len(pairs)) for key in zip(zone_of_row, offset_of_row)]
        return [zone for zone, _ in pairs], [offset for _, offset in pairs], indexes

    @staticmethod
    def _zone_field(chunk: columns.ImportChunk, i: int) -> str:
        """The field that named row i's zone: its own entry, or the chunk's time_zone."""
        return f"time_zones[{i}]" if chunk.zones is not None and chunk.zones[i] else "time_zone"

    def _check_import_profiles(self, slots: np.ndarray, tiers: np.ndarray) -> None:
        """A changed tier on an account with limit overrides may need a new limit profile: refused
        (RESOURCE_EXHAUSTED) when that would pass max_profiles."""
        ledger = self.core.ledger
        if not ledger.overrides:
            return
        needed = set()
        for i in np.flatnonzero(slots >= 0).tolist():
            overrides = ledger.overrides.get(int(slots[i]))
            if overrides is not None:
                key = (int(tiers[i]), overrides.SerializeToString(deterministic=True))
                if key not in ledger.profile_index:
                    needed.add(key)
        if len(ledger.profile_specs) + len(needed) > ledger.max_profiles:
            raise ResourceExhausted(f"at most {ledger.max_profiles} distinct limit profiles")

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
