"""The authorization engine: validation, idempotency, the compiled decision, the journal and
the answers, for every RPC. The gRPC servicers only hand requests to it.

Order of work for a mutating request, under its account's lock (see _scope):
  validate -> claim the request_id -> decide (no state change yet) -> append the journal record
  (effect + response, committed with whatever else is queued) -> apply the effect to memory -> answer.
Applying is the same code that replays the journal on start, so memory after a restart equals
memory before it. If the journal cannot be written, nothing was applied and the caller gets
UNAVAILABLE; retrying with the same request_id is safe.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import heapq
import itertools
import math
import logging
import pickle
import secrets
import threading
import time
import zoneinfo
from typing import Callable

import numpy as np

from authcore.journal import audit, effects
from authcore.decision import columns, explain, installments
from authcore.risk import features
from authcore.decision.columns import hash64, ipnet_hash
from authcore.errors import (
    AuthcoreError, FailedPrecondition, FieldViolation, InstallmentRefused, InvalidArgument, NotFound,
    RequestIdReused, RequestInFlight, ResourceExhausted, Unavailable,
)
from authcore.state.idempotency import Entry, IdempotencyIndex, fingerprint
from authcore._fast.ledger import FLAG_STAND_IN
from authcore.state.ledger import CAPTURED, EXPIRED, HELD, VOIDED, Hold, Ledger
from authcore.state.locks import RWLock, Stripes
from authcore.decision.money import currency_alpha, currency_numeric
from authcore.risk.models import ModelError, load_model
from authcore.observability import decisions as observed
from authcore.risk.scorecard import CompiledScorecard, ScorecardError
from authcore.risk.shadow import Shadow
from authcore.journal.effects import CHANNEL_INDEX, JournalEffect
from authcore.decision.policy import CHANNELS, country_code, default_policy, validate_policy
from authcore.decision.reasons import RULE_NAMES, reasons_of_mask
from authcore.journal.store import WRITE_ERRORS, GroupCommitter, Journal, JournalCorrupt
from authcore.decision import validation
from authcore.journal import versions
from authcore.v1 import (
    account_pb2, admin_pb2, authorization_pb2 as authz, common_pb2 as c, credit_pb2, installment_pb2 as inst,
    policy_pb2,
)

log = logging.getLogger("authcore.engine")
# The Channel of each of the ledger's channel indices (a bulk chunk's matrix column 1).
CHANNEL_VALUES = np.asarray(CHANNELS, np.int64)
APPROVED_DETAIL = explain.detail(c.REASON_APPROVED, None)  # type: ignore[arg-type]
DEFAULT_ZONE = "Asia/Shanghai"
EPOCH_DATE = datetime.date(1970, 1, 1)
DEFAULT_CURRENCY = "CNY"
EXPIRY_BATCH = 1000
# The snapshot is pickled plain data (numpy rows, bytes, tuples) in the journal's own database.
SNAPSHOT_FORMAT = 2
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
    done: threading.Event = dataclasses.field(default_factory=threading.Event)


def _signed64(value: int) -> int:
    """A uint64 hash as the int64 of the same bits (the kernel's request columns)."""
    return value - (1 << 64) if value >= 1 << 63 else value


def factor_bits(factors) -> int:
    bits = 0
    for f in factors:
        bits |= 1 << (f - 1)
    return bits


class Engine:
    """One node's authorization core over its journal."""

    def __init__(self, journal: Journal, policy: policy_pb2.Policy | None = None, *,
                 clock: Callable[[], float] = time.time, max_accounts: int = 1_000_000,
                 idempotency: IdempotencyIndex | None = None, default_model: bool = True, id_tag: str = "",
                 audit: bool = True, audit_retention_s: int = 400 * 86400):
        # Requests on different accounts run side by side: each holds the shared side of `state`
        # and its account's stripe; whole-state changes hold `state` exclusively.
        self.state = RWLock()
        self.stripes = Stripes()
        # Each effect of JournalEffect's oneof -> the method that applies it (_apply_<field name>).
        self._appliers: dict[str, Callable] = {
            field.name: getattr(self, f"_apply_{field.name}")
            for field in JournalEffect.DESCRIPTOR.oneofs_by_name["effect"].fields}
        self.idempotency_lock = threading.Lock()
        self.in_flight: dict[str, _InFlight] = {}
        self.journal = journal
        self.committer = GroupCommitter(journal)
        self._buffers = threading.local()
        # Ids: a random prefix per start and a counter (secrets per id costs a system call each).
        # A partition's engine puts its tag first ("au_p1x2_..."), so that the router can find
        # the owner of an id without asking anyone.
        self._id_prefix = f"{id_tag}_{secrets.token_hex(5)}" if id_tag else secrets.token_hex(5)
        self._id_counter = itertools.count()
        self.clock = clock
        self.idempotency = idempotency or IdempotencyIndex()
        self.ledger = Ledger(policy or default_policy(), max_accounts)
        self.model_info = admin_pb2.RiskModelInfo()
        self.model_source: tuple[bytes, str] | None = None
        self.scorecard: CompiledScorecard | None = None
        if default_model:
            self._use_model(default_model_bytes(), DEFAULT_MODEL_VERSION)
        self.max_accounts = max_accounts
        self.snapshot_seq = 0
        self.catalog = versions.Catalog(journal.versions())
        # Work the server's sweeper runs about once a second (file watchers): callables.
        self.periodic: list[Callable[[], object]] = [self.prune_audit]
        # Every decision is recorded with its inputs, features and account state (authcore.journal.audit);
        # off only to measure what that costs.
        self.audit = audit
        self.audit_retention_s = audit_retention_s
        self._views: tuple | None = None
        # A candidate policy and/or model deciding beside the active ones (authcore.risk.shadow).
        self.shadow: Shadow | None = None
        snapshot = journal.snapshot()
        digest = b""
        if snapshot is not None:
            self.snapshot_seq, digest, blob = snapshot
            self._restore(pickle.loads(blob))
        self.replayed_records = self._replay(self.snapshot_seq, digest)
        self._store_active_versions()

    # -- journal --------------------------------------------------------------------------

    def _replay(self, after_seq: int = 0, digest: bytes = b"") -> int:
        count = 0
        for record in self.journal.records(after_seq, digest):
            if record.effect:
                try:
                    effect = effects.decode(record.effect)
                except JournalCorrupt as exc:
                    raise JournalCorrupt(f"{self.journal.path}: journal record {record.seq}: {exc}; the server "
                                         "will not start on it") from exc
                self._apply(effect, record.at_s)
            if record.request_id:
                self.idempotency.put(record.request_id,
                                     Entry(record.at_s, record.method, record.fingerprint, record.response))
            count += 1
        self.idempotency.prune(self._now())
        return count

    # -- snapshots --------------------------------------------------------------------------

    def _state(self) -> dict:
        """Everything the journal has built, as plain data."""
        horizon = self._now() - self.idempotency.retention_s
        return {
            "format": SNAPSHOT_FORMAT,
            "ledger": self.ledger.dump(),
            "model": self.model_source,
            "scorecard": self.scorecard.card.SerializeToString(deterministic=True) if self.scorecard else None,
            # Only what the retention window still needs: this bounds the idempotency data on disk.
            "idempotency": self._retained(horizon),
        }

    def _retained(self, horizon: int) -> list:
        with self.idempotency_lock:  # the sweeper prunes under this lock alone
            return [(rid, dataclasses.astuple(entry)) for rid, entry in self.idempotency.items()
                    if entry.at_s >= horizon]

    def _restore(self, state: dict) -> None:
        if state.get("format") != SNAPSHOT_FORMAT:
            raise JournalCorrupt(f"snapshot format {state.get('format')!r}; this build reads {SNAPSHOT_FORMAT}")
        try:
            self.ledger = Ledger.load(state["ledger"], self.max_accounts)
        except ValueError as exc:
            raise JournalCorrupt(str(exc)) from exc
        if state["model"] is not None:
            self._use_model(*state["model"])
        else:
            self.model_info, self.model_source = admin_pb2.RiskModelInfo(), None
        if state["scorecard"] is not None:
            self.scorecard = CompiledScorecard(credit_pb2.Scorecard.FromString(state["scorecard"]))
        for request_id, fields in state["idempotency"]:
            self.idempotency.put(request_id, Entry(*fields))

    def snapshot(self) -> int:
        """Write a snapshot of the whole state and drop the journal records it includes, so that
        the journal (and the request_ids it remembers) stays bounded. Returns its seq."""
        with self.state.exclusive():
            blob = pickle.dumps(self._state(), protocol=pickle.HIGHEST_PROTOCOL)
            self.snapshot_seq = self.journal.write_snapshot(self._now(), blob)
            return self.snapshot_seq

    def maybe_snapshot(self, every_records: int) -> bool:
        """Snapshot once every_records records have accumulated since the last one."""
        if self.journal.last_seq - self.snapshot_seq < every_records:
            return False
        self.snapshot()
        return True

    def run_periodic(self) -> None:
        """The work registered in self.periodic (file watchers), each on its own: a failure is
        logged and tried again on the next run."""
        for task in list(self.periodic):
            try:
                task()
            except Exception:  # noqa: BLE001 - one task's failure must not stop the sweeper
                log.exception("periodic task %s failed; trying again on the next sweep",
                              getattr(task, "__qualname__", task))

    def _new_id(self, kind: str) -> str:
        return f"{kind}_{self._id_prefix}{next(self._id_counter):010x}"

    def _now(self) -> int:
        return int(self.clock())

    def _commit(self, records: list[tuple], now_s: int, side: list[tuple] = ()) -> None:
        """Journal (method, request_id, fingerprint, effect, response) records, each effect a
        JournalEffect or None, with the side rows in the same transaction
        (authcore.journal.store.SIDE_ROWS), then remember their responses for replays."""
        try:
            self.committer.commit([
                (now_s, method, request_id, digest, effect.SerializeToString() if effect is not None else None,
                 response)
                for method, request_id, digest, effect, response in records
            ], side)
        except WRITE_ERRORS as exc:
            raise Unavailable(f"the journal could not be written: {exc}") from exc
        with self.idempotency_lock:
            for method, request_id, digest, _, response in records:
                if request_id:
                    self.idempotency.put(request_id, Entry(now_s, method, digest, response))

    def _apply(self, effect: JournalEffect, at_s: int) -> None:
        """Apply one journaled effect to memory: live, after its journal write, and on replay, by
        the same code, so that memory after a restart is memory before it."""
        kind = effect.WhichOneof("effect")
        apply = self._appliers.get(kind)
        if apply is None:
            raise JournalCorrupt(f"journal holds an unknown effect {kind!r}; refusing to serve wrong balances")
        apply(getattr(effect, kind), at_s)

    def _apply_hold_placed(self, hold: effects.HoldPlaced, at_s: int) -> None:
        self.ledger.place_holds(
            [hold.authorization_id], [hold.account_id], [hold.merchant_id], hold.expires_at.seconds,
            [CHANNEL_INDEX[hold.channel]], [hold.amount_minor], [hold.flags], [hold.device_hash],
            [hold.ip_network_hash], [hold.latitude if hold.HasField("latitude") else math.nan],
            [hold.longitude if hold.HasField("longitude") else math.nan], [hold.installment_term_months],
            [hold.installment_monthly_rate_bps], at_s)

    def _apply_holds_placed(self, holds: effects.HoldsPlaced, at_s: int) -> None:
        """The approvals of a bulk chunk, in the order they were decided."""
        self.ledger.place_holds(
            holds.authorization_ids, holds.account_ids, holds.merchant_ids, holds.expires_at.seconds,
            [CHANNEL_INDEX[channel] for channel in holds.channels], holds.amounts_minor, holds.flags,
            holds.device_hashes, holds.ip_network_hashes, holds.latitudes, holds.longitudes,
            holds.installment_terms_months, holds.installment_monthly_rates_bps, at_s)

    def _apply_hold_captured(self, effect: effects.HoldCaptured, at_s: int) -> None:
        self.ledger.capture(self.ledger.holds[effect.authorization_id], effect.amount_minor, at_s)

    def _apply_hold_voided(self, effect: effects.HoldVoided, at_s: int) -> None:
        self.ledger.release(self.ledger.holds[effect.authorization_id], VOIDED)

    def _apply_hold_expired(self, effect: effects.HoldExpired, at_s: int) -> None:
        self.ledger.release(self.ledger.holds[effect.authorization_id], EXPIRED)

    def _apply_hold_refunded(self, effect: effects.HoldRefunded, at_s: int) -> None:
        self.ledger.refund(self.ledger.holds[effect.authorization_id], effect.amount_minor)

    def _apply_repaid(self, effect: effects.Repaid, at_s: int) -> None:
        self.ledger.repay(self.ledger.slot_of[effect.account_id], effect.amount_minor)

    def _apply_account_set(self, account: effects.AccountSet, at_s: int) -> None:
        ledger = self.ledger
        ledger.upsert(account.account_id, **_account_settings(account, at_s))
        if account.HasField("credit_score"):
            ledger.credit_scores[ledger.slot_of[account.account_id]] = account.credit_score

    def _apply_auto_installment_set(self, effect: effects.AutoInstallmentSet, at_s: int) -> None:
        setting = effect.setting
        self.ledger.auto_installment[self.ledger.slot_of[effect.account_id]] = (
            setting.enabled, setting.term_months, setting.threshold_minor)

    def _apply_policy_set(self, effect: effects.PolicySet, at_s: int) -> None:
        content = effect.policy
        self.ledger.set_policy(policy_pb2.Policy.FromString(content))
        self.catalog.note(versions.POLICY, self.ledger.policy.version, content, at_s)

    def _apply_risk_model_set(self, effect: effects.RiskModelSet, at_s: int) -> None:
        self._use_model(effect.model, effect.version)
        self.catalog.note(versions.MODEL, effect.version, effect.model, at_s)

    def _apply_scorecard_set(self, effect: effects.ScorecardSet, at_s: int) -> None:
        content = effect.scorecard
        self.scorecard = CompiledScorecard(credit_pb2.Scorecard.FromString(content))
        self.catalog.note(versions.SCORECARD, self.scorecard.version, content, at_s)

    def _claim(self, request_id: str, method: str, digest: bytes, wait: bool = True) -> bytes | None:
        """The stored response of a replay; otherwise None, and the request_id is this caller's
        until _release. A second caller with the same request_id waits for the first (or, with
        wait false, is refused) and then gets its stored answer."""
        while True:
            with self.idempotency_lock:
                prior = self.idempotency.lookup(request_id, method, digest)
                if prior is not None:
                    return prior
                flight = self.in_flight.get(request_id)
                if flight is None:
                    self.in_flight[request_id] = _InFlight(method, digest)
                    return None
                if flight.method != method or flight.digest != digest:
                    raise RequestIdReused(f"request_id {request_id!r} is in use by a different {flight.method} request",
                                          {"request_id": request_id, "original_method": flight.method})
            if not wait:
                raise RequestInFlight(f"request_id {request_id!r} is being served; retry it", {"request_id": request_id})
            flight.done.wait()

    def _release(self, request_id: str) -> None:
        with self.idempotency_lock:
            flight = self.in_flight.pop(request_id, None)
        if flight is not None:
            flight.done.set()

    @contextlib.contextmanager
    def _scope(self, slot_of):
        """The locks of a request: its account's stripe (slot_of() names the account, under the
        shared state lock), or the whole state exclusively when slot_of is None."""
        if slot_of is None:
            with self.state.exclusive():
                yield
            return
        with self.state.shared():
            with self.stripes.of(slot_of()):
                yield

    def _slot(self, account_id: str) -> int:
        slot = self.ledger.slot_of.get(account_id)
        if slot is None:
            raise NotFound("account", account_id)
        return slot

    def _hold(self, authorization_id: str) -> Hold:
        hold = self.ledger.holds.get(authorization_id)
        if hold is None:
            raise NotFound("authorization", authorization_id)
        return hold

    def hold_channel(self, authorization_id: str) -> int | None:
        """The channel index (0..2) an authorization was made on; None when unknown."""
        hold = self.ledger.holds.get(authorization_id)
        return None if hold is None else hold.channel

    def _currency_of(self, slot: int) -> str:
        return currency_alpha(int(self.ledger.row(slot)["currency"]))

    def _check_currency(self, slot: int, currency: str) -> None:
        expected = self._currency_of(slot)
        if currency != expected:
            raise FailedPrecondition("CURRENCY_MISMATCH", f"the account is in {expected}, not {currency}",
                                     {"account_currency": expected})

    def _mutate(self, method: str, request, response_cls, decide, slot_of=None) -> tuple:
        """The life of a mutating request: replay or conflict on its request_id; otherwise, under
        the locks of its scope (see _scope), decide(now_s) -> (response, effect or None) without
        touching state, journal, apply. Returns (response, replayed)."""
        digest = fingerprint(method, request)
        prior = self._claim(request.request_id, method, digest)
        if prior is not None:
            return response_cls.FromString(prior), True
        try:
            with self._scope(slot_of):
                now_s = self._now()
                # decide may add side rows for the record's transaction: (response, effect, side).
                response, effect, *side = decide(now_s)
                self._commit([(method, request.request_id, digest, effect, response.SerializeToString())], now_s,
                             side[0] if side else ())
                if effect is not None:
                    self._apply(effect, now_s)
                return response, False
        finally:
            self._release(request.request_id)

    # -- authorize ------------------------------------------------------------------------

    def authorize(self, req: authz.AuthorizeRequest, deadline_s: float | None = None
                  ) -> tuple[authz.AuthorizeResponse, bool]:
        """Decide one payment; with less than the policy's stand-in budget left of deadline_s (the
        call's remaining time), by the stand-in. Returns (response, replayed)."""
        validation.validate_authorize(req)
        shadowed: list = []

        def decide(now_s: int):
            slot = self._slot(req.account_id)
            risk = risk_inputs(req)
            x, contributions = self._feature_buffers()
            budget_ms = self.ledger.policy.risk.stand_in_budget_ms
            stand_in = STAND_IN_DEADLINE if deadline_s is not None and deadline_s * 1000 < budget_ms else 0
            before = self._rows_before(slot)
            outcome = self.ledger.book.authorize(
                slot, CHANNELS.index(req.channel), req.amount_minor, currency_numeric(req.currency),
                req.qr_code_type, factor_bits(req.verification.factors), now_s, *risk, False, x, contributions,
                stand_in)
            response, effect = self._answer(slot, req, outcome, now_s, risk, stand_in)
            self._explain_risk(response.risk, x, contributions)
            if effect is not None:
                effect = self._split(slot, req, response, effect)
            shadowed[:] = self._shadow_one(slot, req, risk, stand_in, outcome, now_s)
            return response, effect, self._audit_one(req, slot, risk, outcome, response, x, before, stand_in, now_s)

        response, replayed = self._mutate("Authorize", req, authz.AuthorizeResponse, decide,
                                          lambda: self._slot(req.account_id))
        if not replayed:
            observed.authorized(req, response)
            if shadowed:
                shadowed[0].record(*shadowed[1])
        return response, replayed

    def _applicant(self, slot: int, channel: int = 0, mcc: str = "") -> installments.Applicant:
        row = self.ledger.row(slot)
        return installments.Applicant(int(row["status"]), int(row["overdue"]), int(row["tier"]),
                                      self.ledger.credit_scores.get(slot), self.ledger.available(slot), channel, mcc)

    def _split(self, slot: int, req, response: authz.AuthorizeResponse, effect: JournalEffect) -> JournalEffect | None:
        """An approved purchase with an installment term asked for, or caught by auto-installment:
        the plan rides on the hold. A term asked for but not available declines the purchase;
        auto-installment that cannot apply leaves it paid in full, saying why."""
        plan, quote = self._installment_quote(slot, req.amount_minor, req.channel, req.merchant.mcc,
                                              req.installment_term_months)
        if quote is None:
            return effect
        response.installment.CopyFrom(quote)
        if quote.eligible:
            effect.hold_placed.installment_term_months = plan.term_months
            effect.hold_placed.installment_monthly_rate_bps = plan.monthly_rate_bps
            return effect
        if not req.installment_term_months:
            return effect
        response.decision = c.DECISION_DECLINED
        response.reason = c.REASON_INSTALLMENT_NOT_AVAILABLE
        response.ClearField("authorization_id")
        response.ClearField("hold_expires_at")
        response.available_credit_minor += req.amount_minor
        del response.reasons[:]
        response.reasons.append(explain.detail(c.REASON_INSTALLMENT_NOT_AVAILABLE, None))
        return None

    def _installment_quote(self, slot: int, amount_minor: int, channel: int, mcc: str, term: int = 0) -> tuple:
        """(plan, quote) of an approved purchase: for the term asked for, else auto-installment's
        when it catches the amount; (None, None) when neither applies."""
        auto = self.ledger.auto_installment.get(slot)
        if not term and not (auto and auto[0] and amount_minor >= auto[2]):
            return None, None
        term = term or auto[1]
        policy = self.ledger.policy.installments
        plan = installments.plan_for(policy, term)
        if plan is None:
            return None, installments.term_not_offered(term)
        # The limits already passed on the full amount: the credit check is not repeated.
        return plan, installments.quote(policy, plan, amount_minor, self._applicant(slot, channel, mcc),
                                        check_credit=False)

    def _feature_buffers(self) -> tuple[np.ndarray, np.ndarray]:
        """This thread's arrays for a decision's features and contributions."""
        buffers = getattr(self._buffers, "arrays", None)
        if buffers is None:
            buffers = self._buffers.arrays = (np.zeros(features.N_FEATURES), np.zeros(features.N_FEATURES))
        return buffers

    def _answer(self, slot: int, req, outcome: tuple, now_s: int, risk: tuple,
                stand_in: int = 0) -> tuple[authz.AuthorizeResponse, JournalEffect | None]:
        decision, failed, max_approvable, available, day, month, flags, score = outcome
        response = authz.AuthorizeResponse(decision=decision, available_credit_minor=available,
                                           policy_version=self.ledger.policy.version,
                                           max_approvable_minor=max_approvable)
        if flags & FLAG_STAND_IN:
            # Asked for (the deadline), or the kernel fell back because the model failed.
            response.stand_in = stand_in or STAND_IN_MODEL_FAILED
        assessment = response.risk
        assessment.score = score
        assessment.model_version = self.model_info.version
        assessment.feature_schema = features.SCHEMA_VERSION
        reasons = reasons_of_mask(failed) if failed else []
        assessment.rules_fired.extend(RULE_NAMES[r] for r in reasons if r in RULE_NAMES)
        if decision == c.DECISION_APPROVED:
            authorization_id = self._new_id("au")
            expires_s = now_s + self.ledger.policy.hold_ttl_seconds
            response.authorization_id = authorization_id
            response.reason = c.REASON_APPROVED
            response.reasons.append(APPROVED_DETAIL)
            response.hold_expires_at.seconds = expires_s
            effect = effects.hold_placed(authorization_id, req.account_id, req.channel, req.amount_minor, flags, day,
                                         month, expires_s, req.merchant.merchant_id, risk[0], risk[1], risk[2], risk[3])
            return response, effect
        response.reason = reasons[0]
        row = self.ledger.row(slot)
        situation = explain.Situation(
            row=row, prof=self.ledger.profiles[int(row["profile"])], channel=req.channel, amount=req.amount_minor,
            currency=req.currency, account_currency=self._currency_of(slot), zone=self.ledger.zones[slot],
            factors=factor_bits(req.verification.factors), now_s=now_s,
            stand_in_max_minor=self.ledger.policy.risk.stand_in_max_minor)
        windows = explain.reason_windows(situation.row, situation.prof, req.channel,
                                         explain.Clock.of(now_s, int(row["utc_offset_s"])))
        response.reasons.extend(explain.detail(r, situation, windows) for r in reasons)
        return response, None

    @staticmethod
    def _explain_risk(assessment, x, contributions) -> None:
        """The features that moved the score most, largest first."""
        order = np.argsort(-np.abs(contributions))[:TOP_FEATURES]
        for i in order:
            if contributions[i] == 0:
                break
            assessment.top_features.add(feature=features.NAMES[i], value=float(x[i]),
                                        contribution=float(contributions[i]))

    # -- audit ----------------------------------------------------------------------------

    def _row_bytes(self) -> tuple:
        """(accounts, behaviour, profiles, profile column) of the ledger, the tables as (rows,
        row size) uint8 views: a row's bytes cost a tenth of a structured row's copy. Rebuilt
        when the ledger's tables were reallocated."""
        ledger, views = self.ledger, self._views
        if views is None or views[0] is not ledger.accounts or views[1] is not ledger.behaviour \
                or views[2] is not ledger.profiles:
            views = self._views = (ledger.accounts, ledger.behaviour, ledger.profiles,
                                   *(t.view(np.uint8).reshape(len(t), -1)
                                     for t in (ledger.accounts, ledger.behaviour, ledger.profiles)),
                                   ledger.accounts["profile"])
        return views[3:]

    def _rows_before(self, slot: int) -> tuple | None:
        """The bytes of an account's rows (account, behaviour, limit profile) before a decision."""
        if not self.audit:
            return None
        accounts, behaviour, profiles, profile_of = self._row_bytes()
        return accounts[slot].tobytes(), behaviour[slot].tobytes(), profiles[profile_of[slot]].tobytes()

    def _audit_one(self, req, slot: int, risk: tuple, outcome: tuple, response, x: np.ndarray, before: tuple | None,
                   stand_in: int, now_s: int) -> list[tuple]:
        """The audit row of one Authorize decision, as a side row of its journal record."""
        if before is None:
            return []
        inputs = (slot, CHANNELS.index(req.channel), req.amount_minor, currency_numeric(req.currency), req.qr_code_type,
                  factor_bits(req.verification.factors), _signed64(risk[0]), _signed64(risk[1]), risk[4], risk[5])
        return [audit.row_for_one(now_s, req.request_id, req.account_id, req.merchant.merchant_id, inputs, risk[2:4],
                                  outcome, (response.decision, response.reason), x, *before, stand_in,
                                  self.ledger.policy.version, self.model_info.version)]

    def _audit_many(self, method: str, now_s: int, request_id: str, request_ids: list[str] | None,
                    rows: np.ndarray, matrix: np.ndarray, locations: np.ndarray, decided: np.ndarray,
                    scores: np.ndarray, answered, trail: tuple, account_ids: list[str],
                    merchant_ids: list[str]) -> list[tuple]:
        """The audit row of the decided rows of a batch or chunk (rows: their indices; answered,
        account_ids and merchant_ids: theirs only)."""
        if not trail or not len(rows):
            return []
        x, accounts, behaviour = trail
        answered = np.asarray(answered, np.int64).reshape(-1, 2)
        # Every row decided (the usual chunk): the columns as they are, not copies.
        pick = slice(None) if len(rows) == len(matrix) else rows
        return [audit.row_for_many(
            method, now_s, request_id, request_ids, rows, account_ids, merchant_ids, matrix[pick], locations[pick],
            decided[pick], scores[pick], answered, x[pick], accounts[pick], behaviour[pick], self._row_bytes()[2],
            np.zeros(len(rows), np.uint8), self.ledger.policy.version, self.model_info.version)]

    def prune_audit(self) -> int:
        """Drop audit rows past the retention, a bounded number per call (the sweeper's);
        returns how many rounds deleted."""
        cutoff_s = self._now() - self.audit_retention_s
        rounds = 0
        while rounds < audit.PRUNE_ROUNDS:
            oldest = self.journal.oldest_audit_s()
            if oldest is None or oldest >= cutoff_s:
                break
            # Through the committer: the delete is serialized with the journal's writes.
            self.committer.commit([], [("audit_prune", (cutoff_s, audit.PRUNE_BATCH))])
            rounds += 1
        return rounds

    # -- shadow -------------------------------------------------------------------------------

    def _shadow_one(self, slot: int, req, risk: tuple, stand_in: int, outcome: tuple, now_s: int) -> list:
        """[shadow, its record() arguments] of a payment decided by the shadow candidate on the
        same state; [] without a candidate."""
        shadow = self.shadow
        if shadow is None:
            return []
        theirs = shadow.sync(self.ledger).authorize(
            slot, CHANNELS.index(req.channel), req.amount_minor, currency_numeric(req.currency), req.qr_code_type,
            factor_bits(req.verification.factors), now_s, *risk, False, None, None, stand_in)
        return [shadow, (now_s, req.request_id, req.account_id, req.amount_minor, outcome, theirs)]

    def _shadow_versions(self, shadow: Shadow) -> tuple[str, str]:
        return (shadow.policy.version if shadow.policy is not None else self.ledger.policy.version,
                shadow.scorer.version if shadow.scorer is not None else self.model_info.version)

    def set_shadow(self, req: admin_pb2.SetShadowRequest) -> admin_pb2.SetShadowResponse:
        """Make a candidate policy and/or model decide every payment beside the active ones."""
        validation.validate_set_shadow(req)
        policy, scorer = None, None
        kind = req.WhichOneof("policy_candidate")
        if kind == "policy":
            policy = req.policy
        elif kind == "policy_version":
            policy = policy_pb2.Policy.FromString(self._stored_content(versions.POLICY, req.policy_version))
            problems = validate_policy(policy)
            if problems:
                raise FailedPrecondition("STORED_VERSION_INVALID", f"stored policy version {req.policy_version!r} "
                                         f"does not pass validation now: {problems[0].field}: {problems[0].description}")
        kind = req.WhichOneof("model_candidate")
        if kind is not None:
            content = req.model.model if kind == "model" else self._stored_content(versions.MODEL, req.model_version)
            version = (req.model.version or None) if kind == "model" else req.model_version
            try:
                scorer = load_model(content, schema=features.NAMES, version=version)
            except ModelError as exc:
                raise InvalidArgument([FieldViolation(f"{kind}", str(exc))]) from None
        with self.state.exclusive():
            self.shadow = Shadow(policy, scorer, self._now())
            return admin_pb2.SetShadowResponse(report=self.shadow.report(*self._shadow_versions(self.shadow)))

    def _stored_content(self, kind: str, version: str) -> bytes:
        if self.catalog.get(kind, version) is None:
            raise NotFound(f"{kind} version", version)
        return self.journal.version_content(kind, version)

    def clear_shadow(self) -> admin_pb2.ClearShadowResponse:
        """Stop shadow decisions; the final report."""
        with self.state.exclusive():
            shadow, self.shadow = self.shadow, None
            if shadow is None:
                return admin_pb2.ClearShadowResponse(report=admin_pb2.ShadowReport())
            return admin_pb2.ClearShadowResponse(report=shadow.report(*self._shadow_versions(shadow)))

    def get_shadow_report(self) -> admin_pb2.GetShadowReportResponse:
        with self.state.shared():
            shadow = self.shadow
            if shadow is None:
                return admin_pb2.GetShadowReportResponse(report=admin_pb2.ShadowReport())
            return admin_pb2.GetShadowReportResponse(report=shadow.report(*self._shadow_versions(shadow)))

    def authorize_batch(self, req: authz.AuthorizeBatchRequest) -> authz.AuthorizeBatchResponse:
        """Decide requests in order, as if each were sent after the previous one was answered.
        Each result is the response or the error the unary call would have given."""
        validation.validate_batch(req)
        requests = req.requests
        n = len(requests)
        results: list = [None] * n
        digests: list = [None] * n
        duplicates: dict[int, int] = {}
        matrix = np.zeros((n, 10), dtype=np.int64)
        matrix[:, 0] = -1
        locations = np.full((n, 2), np.nan)
        risks: list = [None] * n
        claimed: list[str] = []
        with contextlib.ExitStack() as cleanup, self.state.shared():
            cleanup.callback(lambda: [self._release(rid) for rid in claimed])
            first_of: dict[str, int] = {}
            pending: list[int] = []
            for i, r in enumerate(requests):
                try:
                    violations = validation.authorize_violations(r, f"requests[{i}].")
                    if violations:
                        raise InvalidArgument(violations)
                    digests[i] = fingerprint("Authorize", r)
                    j = first_of.get(r.request_id)
                    if j is not None:
                        if digests[j] != digests[i]:
                            raise _reused_in_batch(r.request_id)
                        duplicates[i] = j
                        continue
                    # Not waiting for a request_id in flight elsewhere: two batches waiting on
                    # each other's ids would never finish.
                    prior = self._claim(r.request_id, "Authorize", digests[i], wait=False)
                    if prior is not None:
                        results[i] = authz.AuthorizeResponse.FromString(prior)
                        continue
                    claimed.append(r.request_id)
                    slot = self._slot(r.account_id)
                except AuthcoreError as error:
                    results[i] = error.to_status()
                    continue
                first_of[r.request_id] = i
                risks[i] = risk = risk_inputs(r)
                matrix[i] = (slot, CHANNELS.index(r.channel), r.amount_minor, currency_numeric(r.currency),
                             r.qr_code_type, factor_bits(r.verification.factors),
                             np.uint64(risk[0]).view(np.int64), np.uint64(risk[1]).view(np.int64), risk[4], risk[5])
                locations[i] = risk[2:4]
                pending.append(i)
            if pending:
                with self.stripes.many(int(slot) for slot in matrix[pending, 0]):
                    self._decide_batch(requests, matrix, locations, risks, pending, digests, results, self._now())
            for i, j in duplicates.items():
                results[i] = results[j]
        out = authz.AuthorizeBatchResponse()
        for result in results:
            if isinstance(result, authz.AuthorizeResponse):
                out.results.add().response.CopyFrom(result)
            else:
                out.results.add().error.CopyFrom(result)
        return out

    def _run_batch(self, matrix: np.ndarray, locations: np.ndarray, slots: np.ndarray, now_s: int) -> tuple:
        """The batch kernel over matrix's rows (a negative slot: a row not decided), deciding
        without changing memory: it runs on copies of the rows of slots (every account the rows
        name, ascending), booking each approval into them before the next decision, so that the
        rows are decided in order as unary calls would be. The copies are then dropped: memory
        changes only when the journaled holds are applied. Returns (decided, scores, trail,
        shadowed); trail is, for the audit, each row's (features, account row bytes, behaviour row
        bytes) before its decision; shadowed, with a shadow candidate, (shadow, its outcomes, its
        scores)."""
        book = self.ledger.scratch(slots)
        # The kernel's rows name the copies: row i of the copies is the account of slots[i].
        rows = matrix.copy()
        decided_rows = rows[:, 0] >= 0
        rows[decided_rows, 0] = np.searchsorted(slots, rows[decided_rows, 0])
        n = len(matrix)
        decided = np.zeros((n, 7), dtype=np.int64)
        scores = np.full(n, np.nan)
        trail = ()
        if self.audit:
            trail = (np.empty((n, features.N_FEATURES)), np.empty((n, self.ledger.accounts.itemsize), np.uint8),
                     np.empty((n, self.ledger.behaviour.itemsize), np.uint8))
        shadow, shadowed, candidate = self.shadow, None, {}
        if shadow is not None:
            shadowed = (shadow, np.zeros((n, 7), np.int64), np.full(n, np.nan))
            # The candidate decides on the same copies, never booking.
            candidate = {"shadow": shadow.sync(self.ledger).over(book.accounts, book.behaviour),
                         "shadow_out": shadowed[1], "shadow_scores": shadowed[2]}
        book.authorize_batch(rows, locations, now_s, decided, scores, *trail, **candidate)
        return decided, scores, trail, shadowed

    def _decide_batch(self, requests, matrix, locations, risks, pending, digests, results, now_s) -> None:
        decided, scores, trail, shadowed = self._run_batch(matrix, locations, np.unique(matrix[pending, 0]), now_s)
        records, placed = [], []
        for i in pending:
            outcome = (*(int(v) for v in decided[i]), float(scores[i]))
            response, effect = self._answer(int(matrix[i, 0]), requests[i], outcome, now_s, risks[i])
            results[i] = response
            records.append(("Authorize", requests[i].request_id, digests[i], effect, response.SerializeToString()))
            if effect is not None:
                placed.append(effect)
        side = self._audit_many("AuthorizeBatch", now_s, requests[pending[0]].request_id,
                                [requests[i].request_id for i in pending], np.array(pending), matrix, locations,
                                decided, scores, [(results[i].decision, results[i].reason) for i in pending], trail,
                                [requests[i].account_id for i in pending],
                                [requests[i].merchant.merchant_id for i in pending])
        self._commit(records, now_s, side)
        if shadowed:
            shadowed[0].record_many(now_s, [requests[i].request_id for i in pending], np.array(pending),
                                    [requests[i].account_id for i in pending], matrix[pending, 2], decided[pending],
                                    scores[pending], shadowed[1][pending], shadowed[2][pending])
        observed.batch_decided(decided[pending], matrix[pending, 1], [results[i] for i in pending])
        for effect in placed:
            self._apply(effect, now_s)

    # -- bulk -----------------------------------------------------------------------------

    def authorize_bulk(self, req: authz.AuthorizeBulkRequest) -> tuple[authz.AuthorizeBulkResponse, bool]:
        """Decide a columnar chunk in order, as if each payment were sent after the previous one
        was answered; the chunk is one request: one request_id, one journal record. Returns
        (response, replayed)."""
        chunk = columns.chunk_of(req)
        digest = fingerprint("AuthorizeBulk", req)
        prior = self._claim(req.request_id, "AuthorizeBulk", digest)
        if prior is not None:
            return authz.AuthorizeBulkResponse.FromString(prior), True
        try:
            with self.state.shared():
                slot_of = self.ledger.slot_of
                slots = np.fromiter((slot_of.get(a, -1) for a in req.account_ids), np.int64, chunk.n)
                chunk.matrix[:, 0] = slots
                known = np.unique(slots[slots >= 0])
                with self.stripes.many(known.tolist()):
                    return self._decide_bulk(req, chunk, digest, known), False
        finally:
            self._release(req.request_id)

    def _decide_bulk(self, req, chunk: columns.Chunk, digest: bytes, slots: np.ndarray) -> authz.AuthorizeBulkResponse:
        ledger, n, matrix = self.ledger, chunk.n, chunk.matrix
        now_s = self._now()
        decided, scores, trail, shadowed = self._run_batch(matrix, chunk.locations, slots, now_s)
        decisions = decided[:, 0]
        approved = np.flatnonzero(decisions == c.DECISION_APPROVED)
        reasons = np.zeros(n, np.int64)
        reasons[approved] = c.REASON_APPROVED
        for i in np.flatnonzero((decisions != c.DECISION_APPROVED) & (decisions != 0)).tolist():
            reasons[i] = reasons_of_mask(int(decided[i, 1]))[0]
        ids = [self._new_id("au") for _ in range(len(approved))]
        id_column = [""] * n
        terms, rates = np.zeros(n, np.int64), np.zeros(n, np.int64)
        for i, authorization_id in zip(approved.tolist(), ids, strict=True):
            id_column[i] = authorization_id
            if ledger.auto_installment:
                plan, quote = self._installment_quote(int(matrix[i, 0]), int(matrix[i, 2]), int(matrix[i, 1]) + 1,
                                                      req.mccs[i])
                if quote is not None and quote.eligible:
                    terms[i], rates[i] = plan.term_months, plan.monthly_rate_bps

        policy = ledger.policy
        response = authz.AuthorizeBulkResponse(request_id=req.request_id, policy_version=policy.version,
                                               model_version=self.model_info.version)
        response.decisions.extend(decisions.tolist())
        response.reasons.extend(reasons.tolist())
        response.authorization_ids.extend(id_column)
        response.available_credit_minor.extend(decided[:, 3].tolist())
        response.max_approvable_minor.extend(decided[:, 2].tolist())
        response.risk_scores.extend(scores.tolist())
        response.installment_terms.extend(terms.tolist())
        stood_in = (decided[:, 6] & FLAG_STAND_IN) != 0
        if stood_in.any():
            response.stand_in.extend(np.where(stood_in, STAND_IN_MODEL_FAILED, 0).tolist())
        for i in np.flatnonzero(matrix[:, 0] < 0).tolist():
            response.errors.add(index=i).status.CopyFrom(NotFound("account", req.account_ids[i]).to_status())
        effect = None
        if len(approved):
            expires_s = now_s + policy.hold_ttl_seconds
            response.hold_expires_at.seconds = expires_s
            # The approvals' columns as lists: what the record's packed repeated fields take fastest.
            rows = approved.tolist()
            effect = effects.holds_placed(
                ids, [req.account_ids[i] for i in rows], [req.merchant_ids[i] for i in rows], expires_s,
                CHANNEL_VALUES[matrix[approved, 1]].tolist(), matrix[approved, 2].tolist(),
                decided[approved, 6].tolist(), decided[approved, 4].tolist(), decided[approved, 5].tolist(),
                matrix[approved, 6].view(np.uint64).tolist(), matrix[approved, 7].view(np.uint64).tolist(),
                chunk.locations[approved, 0].tolist(), chunk.locations[approved, 1].tolist(),
                terms[approved].tolist(), rates[approved].tolist())
        known = np.flatnonzero(matrix[:, 0] >= 0)
        side = self._audit_many("AuthorizeBulk", now_s, req.request_id, None, known, matrix, chunk.locations, decided,
                                scores, np.stack([decisions, reasons], axis=1)[known], trail,
                                [req.account_ids[i] for i in known.tolist()],
                                [req.merchant_ids[i] for i in known.tolist()] if req.merchant_ids else [""] * len(known))
        self._commit([("AuthorizeBulk", req.request_id, digest, effect, response.SerializeToString())], now_s, side)
        if shadowed:
            shadowed[0].record_many(now_s, [req.request_id] * len(known), known,
                                    [req.account_ids[i] for i in known.tolist()], matrix[known, 2], decided[known],
                                    scores[known], shadowed[1][known], shadowed[2][known])
        observed.count_decisions(decisions, reasons, matrix[:, 1] + 1)
        observed.stood_in(STAND_IN_MODEL_FAILED, int(stood_in.sum()))
        if effect is not None:
            self._apply(effect, now_s)
        return response

    # -- hold lifecycle -------------------------------------------------------------------

    def _open_hold(self, authorization_id: str, now_s: int) -> Hold:
        """The hold if it can still be captured or voided; otherwise a precise refusal."""
        hold = self._hold(authorization_id)
        if hold.state == HELD and now_s >= hold.expires_s:
            self._expire(hold, now_s)
        if hold.state == HELD:
            return hold
        meta = {"authorization_id": authorization_id, "state": hold.state}
        if hold.state == EXPIRED:
            raise FailedPrecondition("AUTHORIZATION_EXPIRED",
                                     f"authorization {authorization_id} expired at "
                                     f"{datetime.datetime.fromtimestamp(hold.expires_s, datetime.UTC):%Y-%m-%dT%H:%M:%SZ}"
                                     " and its hold was released", meta)
        if hold.state == CAPTURED:
            raise FailedPrecondition("AUTHORIZATION_ALREADY_CAPTURED",
                                     f"authorization {authorization_id} was already captured", meta)
        raise FailedPrecondition("AUTHORIZATION_VOIDED", f"authorization {authorization_id} was voided", meta)

    def capture(self, req: authz.CaptureRequest) -> tuple[authz.CaptureResponse, bool]:
        validation.validate_capture(req)

        def decide(now_s: int):
            hold = self._open_hold(req.authorization_id, now_s)
            self._check_currency(hold.slot, req.currency)
            amount = req.amount_minor if req.HasField("amount_minor") else hold.amount
            if amount > hold.amount:
                raise FailedPrecondition(
                    "CAPTURE_EXCEEDS_AUTHORIZATION",
                    f"capture of {amount} is above the authorized {hold.amount}",
                    {"authorized_minor": str(hold.amount)})
            response = authz.CaptureResponse(
                authorization_id=hold.authorization_id, captured_minor=amount, released_minor=hold.amount - amount,
                available_credit_minor=self.ledger.available(hold.slot) + hold.amount - amount)
            return response, effects.hold_captured(hold.authorization_id, amount)

        return self._mutate("Capture", req, authz.CaptureResponse, decide,
                            lambda: self._hold(req.authorization_id).slot)

    def void(self, req: authz.VoidRequest) -> tuple[authz.VoidResponse, bool]:
        validation.validate_void(req)

        def decide(now_s: int):
            hold = self._open_hold(req.authorization_id, now_s)
            response = authz.VoidResponse(authorization_id=hold.authorization_id, released_minor=hold.amount,
                                          available_credit_minor=self.ledger.available(hold.slot) + hold.amount)
            return response, effects.hold_voided(hold.authorization_id)

        return self._mutate("Void", req, authz.VoidResponse, decide, lambda: self._hold(req.authorization_id).slot)

    def refund(self, req: authz.RefundRequest) -> tuple[authz.RefundResponse, bool]:
        validation.validate_refund(req)

        def decide(now_s: int):
            hold = self._hold(req.authorization_id)
            if hold.state != CAPTURED:
                raise FailedPrecondition("AUTHORIZATION_NOT_CAPTURED",
                                         f"authorization {hold.authorization_id} is {hold.state}: only a captured "
                                         "payment can be refunded (void a hold instead)",
                                         {"state": hold.state})
            self._check_currency(hold.slot, req.currency)
            refundable = hold.captured - hold.refunded
            if req.amount_minor > refundable:
                raise FailedPrecondition("REFUND_EXCEEDS_CAPTURED", f"at most {refundable} can still be refunded",
                                         {"refundable_minor": str(refundable)})
            response = authz.RefundResponse(
                authorization_id=hold.authorization_id, refund_id=self._new_id("rf"),
                refunded_minor=req.amount_minor, refunded_total_minor=hold.refunded + req.amount_minor,
                available_credit_minor=self.ledger.available(hold.slot) + req.amount_minor)
            return response, effects.hold_refunded(hold.authorization_id, req.amount_minor)

        return self._mutate("Refund", req, authz.RefundResponse, decide,
                            lambda: self._hold(req.authorization_id).slot)

    def _expire(self, hold: Hold, now_s: int) -> None:
        effect = effects.hold_expired(hold.authorization_id)
        self._commit([("Expire", None, None, effect, None)], now_s)
        self._apply(effect, now_s)

    def expire_due(self) -> int:
        """Release holds whose time is up (run periodically). Returns how many."""
        now_s = self._now()
        expired = 0
        for hold in self.ledger.due_holds(now_s, EXPIRY_BATCH):
            try:
                with self.state.shared(), self.stripes.of(hold.slot):
                    if hold.state == HELD:
                        self._expire(hold, now_s)
                        expired += 1
            except Unavailable:
                self.ledger.requeue(hold)  # the next sweep tries it again
                raise
        with self.idempotency_lock:
            self.idempotency.prune(now_s)
        return expired

    # -- accounts -------------------------------------------------------------------------

    def repay(self, req: account_pb2.RepayRequest) -> tuple[account_pb2.RepayResponse, bool]:
        validation.validate_repay(req)

        def decide(now_s: int):
            slot = self._slot(req.account_id)
            self._check_currency(slot, req.currency)
            row = self.ledger.row(slot)
            posted, overdue = int(row["posted"]), int(row["overdue"])
            if req.amount_minor > posted:
                raise FailedPrecondition("REPAYMENT_EXCEEDS_BALANCE",
                                         f"the posted balance is {max(posted, 0)}; repay at most that",
                                         {"posted_balance_minor": str(max(posted, 0))})
            overdue_left = overdue - min(overdue, req.amount_minor)
            response = account_pb2.RepayResponse(
                repayment_id=self._new_id("rp"), repaid_minor=req.amount_minor,
                posted_balance_minor=posted - req.amount_minor, overdue_minor=overdue_left,
                available_credit_minor=self.ledger.available(slot) + req.amount_minor,
                status=self._status(int(row["status"]), overdue_left))
            return response, effects.repaid(req.account_id, req.amount_minor)

        return self._mutate("Repay", req, account_pb2.RepayResponse, decide, lambda: self._slot(req.account_id))

    @staticmethod
    def _status(status: int, overdue: int) -> int:
        """The status a customer sees: an active account with an overdue repayment is frozen."""
        return c.ACCOUNT_STATUS_FROZEN if status == c.ACCOUNT_STATUS_ACTIVE and overdue > 0 else status

    def get_account(self, req: account_pb2.GetAccountRequest) -> account_pb2.GetAccountResponse:
        validation.validate_get_account(req)
        with self.state.shared():
            slot = self._slot(req.account_id)
            with self.stripes.of(slot):
                return account_pb2.GetAccountResponse(account=self._account_view(slot, self._now()),
                                                      policy_version=self.ledger.policy.version)

    def _account_view(self, slot: int | None, now_s: int, settings: effects.AccountSet | None = None
                      ) -> account_pb2.Account:
        """The account at slot; with settings, the account as applying them will leave it (slot
        None: an account they create), built from the decided settings with nothing applied."""
        ledger = self.ledger
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
            account_id=account_id, status=self._status(int(row["status"]), overdue),
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
        open_holds = ledger.open_holds.get(slot, {})
        view.open_hold_count = len(open_holds)
        for hold in heapq.nsmallest(MAX_LISTED_HOLDS, open_holds.values(), key=lambda h: h.created_s):
            view.holds.add(authorization_id=hold.authorization_id, channel=CHANNELS[hold.channel],
                           amount_minor=hold.amount, merchant_id=hold.merchant_id,
                           created_at=explain.timestamp(hold.created_s), expires_at=explain.timestamp(hold.expires_s))
        if overrides is not None:
            view.limit_overrides.CopyFrom(overrides)
        if credit_score is not None:
            view.credit_score = credit_score
        view.auto_installment.CopyFrom(self._auto_setting(slot))
        offset = int(row["utc_offset_s"])
        for hold in sorted(ledger.plans.get(slot, {}).values(), key=lambda h: h.captured_s):
            principal = hold.captured - hold.refunded
            if principal > 0:
                captured_on = EPOCH_DATE + datetime.timedelta(days=(hold.captured_s + offset) // 86400)
                schedule = installments.schedule(principal, hold.term, hold.rate_bps,
                                                 installments.add_months(captured_on, 1))
                schedule.authorization_id = hold.authorization_id
                view.installments.append(schedule)
        return view

    # -- admin ----------------------------------------------------------------------------

    def upsert_account(self, req: admin_pb2.UpsertAccountRequest) -> tuple[admin_pb2.UpsertAccountResponse, bool]:
        validation.validate_upsert(req)

        def decide(now_s: int):
            effect = self._account_effect(req)
            slot = self.ledger.slot_of.get(req.account_id)
            # The answer is the account as the effect will leave it, built before anything changes.
            account = self._account_view(slot, now_s, effect.account_set)
            return admin_pb2.UpsertAccountResponse(account=account, created=slot is None), effect

        # Exclusive (no account scope): creating an account or a limit profile may grow (and so
        # move) the tables that every other request's kernel call reads.
        return self._mutate("UpsertAccount", req, admin_pb2.UpsertAccountResponse, decide)

    def _account_effect_of(self, slot: int) -> JournalEffect:
        """The AccountSet effect that sets an account as it is now (what an upsert changes)."""
        row = self.ledger.row(slot)
        return effects.account_set(
            self.ledger.account_ids[slot], int(row["limit"]), int(row["status"]), int(row["tier"]),
            self.ledger.overrides.get(slot), int(row["overdue"]), currency_alpha(int(row["currency"])),
            self.ledger.zones[slot], int(row["utc_offset_s"]), self.ledger.credit_scores.get(slot))

    def _account_effect(self, req: admin_pb2.UpsertAccountRequest) -> JournalEffect:
        """The account settings after the upsert, checked against the current state."""
        ledger = self.ledger
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

    def get_policy(self) -> admin_pb2.GetPolicyResponse:
        with self.state.shared():
            return admin_pb2.GetPolicyResponse(policy=self.ledger.policy)

    def set_policy(self, req: admin_pb2.SetPolicyRequest) -> tuple[admin_pb2.SetPolicyResponse, bool]:
        validation.validate_set_policy(req)

        def decide(now_s: int):
            content = req.policy.SerializeToString(deterministic=True)
            effect, side = self._activation(versions.POLICY, req.policy.version, content, effects.policy_set(content),
                                            now_s)
            return admin_pb2.SetPolicyResponse(policy=req.policy), effect, side

        return self._mutate("SetPolicy", req, admin_pb2.SetPolicyResponse, decide)

    # -- stored versions ----------------------------------------------------------------------

    def _active_version(self, kind: str) -> str:
        if kind == versions.POLICY:
            return self.ledger.policy.version
        if kind == versions.MODEL:
            return self.model_info.version
        return self.scorecard.version if self.scorecard is not None else ""

    def _activation(self, kind: str, version: str, content: bytes, effect: JournalEffect, now_s: int) -> tuple:
        """(effect, side rows) of making content active under version: (None, []) when it is
        active already. Refused when the version is stored with other content."""
        side = self.catalog.activation_rows(kind, version, content, now_s)
        if version == self._active_version(kind) and side[0][0] == "version_activated":
            return None, []
        return effect, side

    def _store_active_versions(self) -> None:
        """Store what is active at start without a record having brought it (the shipped
        defaults, a journal older than the versions table), so that a rollback can return to it."""
        active = [(versions.POLICY, self.ledger.policy.version, self.ledger.policy.SerializeToString(deterministic=True))]
        if self.model_source is not None:
            active.append((versions.MODEL, self.model_source[1], self.model_source[0]))
        if self.scorecard is not None:
            active.append((versions.SCORECARD, self.scorecard.version,
                           self.scorecard.card.SerializeToString(deterministic=True)))
        now_s = self._now()
        for kind, version, content in active:
            stored = self.catalog.get(kind, version)
            if stored is None:
                self.journal.put_version(kind, version, versions.content_digest(content), content, now_s)
                self.catalog.note(kind, version, content, now_s)
            elif stored.digest != versions.content_digest(content):
                log.warning("the active %s %r differs from the stored version of that name; ActivateVersion of it "
                            "would activate the stored content", kind, version)

    def _stored_effect(self, kind: str, version: str, content: bytes) -> JournalEffect:
        """The effect that activates a stored version, validated as Set* validate its kind."""
        if kind == versions.POLICY:
            problems = [f"{v.field}: {v.description}" for v in validate_policy(policy_pb2.Policy.FromString(content))]
            effect = effects.policy_set(content)
        elif kind == versions.MODEL:
            try:
                load_model(content, schema=features.NAMES, version=version)
                problems = []
            except ModelError as exc:
                problems = [str(exc)]
            effect = effects.risk_model_set(content, version)
        else:
            from authcore.risk.scorecard import validate

            problems = [f"{v.field}: {v.description}" for v in validate(credit_pb2.Scorecard.FromString(content))]
            effect = effects.scorecard_set(content)
        if problems:
            raise FailedPrecondition("STORED_VERSION_INVALID",
                                     f"stored {kind} version {version!r} does not pass validation now: "
                                     + "; ".join(problems[:5]), {"version": version})
        return effect

    def list_versions(self, req: admin_pb2.ListVersionsRequest) -> admin_pb2.ListVersionsResponse:
        validation.validate_list_versions(req)
        with self.state.shared():
            page, token = self.catalog.page(versions.KIND_NAMES.get(req.kind), req.page_size, req.page_token)
            return admin_pb2.ListVersionsResponse(
                versions=[s.message(s.version == self._active_version(s.kind)) for s in page], next_page_token=token)

    def get_version(self, req: admin_pb2.GetVersionRequest) -> admin_pb2.GetVersionResponse:
        validation.validate_get_version(req)
        kind = versions.KIND_NAMES[req.kind]
        with self.state.shared():
            stored = self.catalog.get(kind, req.version)
            if stored is None:
                raise NotFound(f"{kind} version", req.version)
            response = admin_pb2.GetVersionResponse(version=stored.message(req.version == self._active_version(kind)))
        content = self.journal.version_content(kind, req.version)
        if kind == versions.POLICY:
            response.policy.ParseFromString(content)
        elif kind == versions.MODEL:
            response.risk_model = content
        else:
            response.scorecard.ParseFromString(content)
        return response

    def activate_version(self, req: admin_pb2.ActivateVersionRequest) -> tuple[admin_pb2.ActivateVersionResponse, bool]:
        """Make a stored version active again, as its Set* call would."""
        validation.validate_activate_version(req)
        kind = versions.KIND_NAMES[req.kind]

        def decide(now_s: int):
            stored = self.catalog.get(kind, req.version)
            if stored is None:
                raise NotFound(f"{kind} version", req.version)
            content = self.journal.version_content(kind, req.version)
            effect, side = self._activation(kind, req.version, content, self._stored_effect(kind, req.version, content),
                                            now_s)
            info = stored.message(active=True)
            if effect is not None:
                info.activated_at.seconds = now_s
            return admin_pb2.ActivateVersionResponse(version=info), effect, side

        return self._mutate("ActivateVersion", req, admin_pb2.ActivateVersionResponse, decide)

    # -- risk model -----------------------------------------------------------------------

    def _use_model(self, content: bytes, version: str) -> None:
        scorer = load_model(content, schema=features.NAMES, version=version)
        self.model_source = (bytes(content), version)
        self.ledger.set_scorer(scorer)
        self.model_info = _model_info(scorer)

    def set_risk_model(self, req: admin_pb2.SetRiskModelRequest) -> tuple[admin_pb2.SetRiskModelResponse, bool]:
        validation.validate_set_risk_model(req)

        def decide(now_s: int):
            version = req.version or None
            try:
                scorer = load_model(req.model, schema=features.NAMES, version=version)
            except ModelError as exc:
                raise InvalidArgument([FieldViolation("model", str(exc))]) from None
            effect, side = self._activation(
                versions.MODEL, scorer.version, req.model, effects.risk_model_set(req.model, scorer.version), now_s)
            return admin_pb2.SetRiskModelResponse(model=_model_info(scorer)), effect, side

        return self._mutate("SetRiskModel", req, admin_pb2.SetRiskModelResponse, decide)

    def get_risk_model(self) -> admin_pb2.GetRiskModelResponse:
        with self.state.shared():
            return admin_pb2.GetRiskModelResponse(model=self.model_info)

    # -- installments -----------------------------------------------------------------------

    def quote_installments(self, req: inst.QuoteInstallmentsRequest) -> inst.QuoteInstallmentsResponse:
        validation.validate_quote(req)
        with self.state.shared():
            slot = self._slot(req.account_id)
            with self.stripes.of(slot):
                self._check_currency(slot, req.currency)
                policy = self.ledger.policy.installments
                who = self._applicant(slot, req.channel, req.mcc)
                return inst.QuoteInstallmentsResponse(
                    quotes=[installments.quote(policy, plan, req.amount_minor, who)
                            for plan in sorted(policy.plans, key=lambda p: p.term_months)],
                    policy_version=self.ledger.policy.version)

    def set_auto_installment(self, req: inst.SetAutoInstallmentRequest) -> tuple[inst.SetAutoInstallmentResponse, bool]:
        validation.validate_set_auto(req)

        def decide(now_s: int):
            slot = self._slot(req.account_id)
            setting = req.setting
            if setting.enabled:
                refusals = installments.enable_refusals(self.ledger.policy.installments, setting, self._applicant(slot))
                if refusals:
                    raise InstallmentRefused(refusals)
            else:
                setting = inst.AutoInstallment(enabled=False)
            effect = effects.auto_installment_set(req.account_id, setting.enabled, setting.term_months,
                                                  setting.threshold_minor)
            return inst.SetAutoInstallmentResponse(setting=setting), effect

        return self._mutate("SetAutoInstallment", req, inst.SetAutoInstallmentResponse, decide,
                            lambda: self._slot(req.account_id))

    def get_auto_installment(self, req: inst.GetAutoInstallmentRequest) -> inst.GetAutoInstallmentResponse:
        validation.validate_get_account(req)
        with self.state.shared():
            return inst.GetAutoInstallmentResponse(setting=self._auto_setting(self._slot(req.account_id)))

    def _auto_setting(self, slot: int) -> inst.AutoInstallment:
        enabled, term, threshold = self.ledger.auto_installment.get(slot, (False, 0, 0))
        return inst.AutoInstallment(enabled=enabled, term_months=term, threshold_minor=threshold)

    # -- credit -----------------------------------------------------------------------------

    def set_scorecard(self, req: admin_pb2.SetScorecardRequest) -> tuple[admin_pb2.SetScorecardResponse, bool]:
        validation.validate_set_scorecard(req)

        def decide(now_s: int):
            content = req.scorecard.SerializeToString(deterministic=True)
            effect, side = self._activation(versions.SCORECARD, req.scorecard.version, content,
                                            effects.scorecard_set(content), now_s)
            return admin_pb2.SetScorecardResponse(scorecard=req.scorecard), effect, side

        return self._mutate("SetScorecard", req, admin_pb2.SetScorecardResponse, decide)

    def get_scorecard(self) -> admin_pb2.GetScorecardResponse:
        with self.state.shared():
            card = self.scorecard.card if self.scorecard is not None else None
            return admin_pb2.GetScorecardResponse(scorecard=card)

    def assess_credit(self, req: credit_pb2.AssessCreditRequest) -> credit_pb2.AssessCreditResponse:
        values = validation.validate_assess_credit(req)
        with self.state.shared():
            card = self.scorecard
        if card is None:
            raise FailedPrecondition("NO_SCORECARD", "no credit scorecard is loaded; load one with SetScorecard")
        try:
            return card.assess(req.applicant_id, values)
        except ScorecardError as exc:
            raise InvalidArgument([FieldViolation("attributes", str(exc))]) from None

    def close(self) -> None:
        with self.state.exclusive():
            self.journal.close()


DEFAULT_MODEL_VERSION = "default-2026.1"
STAND_IN_MODEL_FAILED, STAND_IN_DEADLINE = authz.STAND_IN_CAUSE_MODEL_FAILED, authz.STAND_IN_CAUSE_DEADLINE


def _model_info(scorer) -> admin_pb2.RiskModelInfo:
    return admin_pb2.RiskModelInfo(version=scorer.version, feature_schema=features.SCHEMA_VERSION,
                                   kind="trees" if hasattr(scorer, "n_trees") else "linear",
                                   trees=getattr(scorer, "n_trees", 0), features=features.NAMES)


def default_model_bytes() -> bytes:
    """The transaction model shipped with the package (scripts/train_default_model.py), in
    authcore/data beside this module (authcore is a namespace package, so the file is found from
    here rather than through importlib.resources.files("authcore"))."""
    import pathlib

    return (pathlib.Path(__file__).parent / "data" / "default_model.txt").read_bytes()


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
