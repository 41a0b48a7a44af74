"""Deciding payments: Authorize, AuthorizeBatch and AuthorizeBulk, with their answers, explanations and audit rows."""

from __future__ import annotations

import contextlib

import numpy as np

from authcore.journal import audit, effects
from authcore.decision import columns, explain, installments
from authcore.risk import features
from authcore.errors import AuthcoreError, InvalidArgument, NotFound
from authcore.state.idempotency import fingerprint
from authcore._fast.ledger import FLAG_STAND_IN
from authcore.decision.money import currency_numeric
from authcore.observability import decisions as observed
from authcore.journal.effects import JournalEffect
from authcore.decision.policy import CHANNELS
from authcore.decision.reasons import RULE_NAMES, first_reasons, reasons_of_mask
from authcore.decision import validation
from authcore.v1 import authorization_pb2 as authz, common_pb2 as c
from authcore.v1.authorization_pb2 import FeatureContribution
from authcore._fast.path import top_features
from authcore.engine.core import Core
from authcore.engine.requests import Requests
from authcore.engine.apply import Applier
from authcore.engine.accounts import Accounts
from authcore.engine.common import (
    APPROVED_DETAIL, CHANNEL_VALUES, factor_bits, _reused_in_batch, risk_inputs, _signed64, STAND_IN_DEADLINE,
    STAND_IN_MODEL_FAILED,
)


class Payments:
    """Authorize, AuthorizeBatch and AuthorizeBulk: the kernel's decision, the answer built from it
    (reasons, risk, installment plan), the hold as an effect, the audit row, the shadow
    candidate's decision beside it."""

    def __init__(self, core: Core, requests: Requests, applier: Applier, accounts: Accounts):
        self.core = core
        self.requests = requests
        self.applier = applier
        self.accounts = accounts

    def authorize(self, req: authz.AuthorizeRequest, deadline_s: float | None = None
                  ) -> tuple[authz.AuthorizeResponse, bool]:
        """Decide one payment; with less than the policy's stand-in budget left of deadline_s (the
        call's remaining time), by the stand-in. Returns (response, replayed)."""
        validation.validate_authorize(req)
        shadowed: list = []

        def decide(now_s: int):
            slot = self.core.slot(req.account_id)
            risk = risk_inputs(req)
            x, contributions = self.core.feature_buffers()
            budget_ms = self.core.ledger.policy.risk.stand_in_budget_ms
            stand_in = STAND_IN_DEADLINE if deadline_s is not None and deadline_s * 1000 < budget_ms else 0
            before = self._rows_before(slot)
            outcome = self.core.ledger.book.authorize(
                slot, CHANNELS.index(req.channel), req.amount_minor, currency_numeric(req.currency),
                req.qr_code_type, factor_bits(req.verification.factors), now_s, *risk, False, x, contributions,
                stand_in)
            response, effect = self.answer(slot, req, outcome, now_s, risk, stand_in, x, contributions)
            shadowed[:] = self._shadow_one(slot, req, risk, stand_in, outcome, now_s)
            return response, effect, self._audit_one(req, slot, risk, outcome, response, x, before, stand_in, now_s)

        response, replayed = self.requests.mutate("Authorize", req, authz.AuthorizeResponse, decide,
                                          lambda: self.core.slot(req.account_id))
        if not replayed:
            observed.authorized(req, response)
            if shadowed:
                shadowed[0].record(*shadowed[1])
        return response, replayed

    def answer(self, slot: int, req, outcome: tuple, now_s: int, risk: tuple, stand_in: int, x, contributions
               ) -> tuple[authz.AuthorizeResponse, JournalEffect | None]:
        """The answer to a decided payment and its effect (None: nothing held): the reasons, the
        risk assessment with the features that moved the score, and an installment plan. The
        compiled path (authcore._fast.path) writes a plain approval itself and asks this for
        every other answer."""
        response, effect = self._answer(slot, req, outcome, now_s, risk, stand_in)
        self._explain_risk(response.risk, x, contributions)
        if effect is not None:
            effect = self._split(slot, req, response, effect)
        return response, effect

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
        auto = self.core.ledger.auto_installment.get(slot)
        if not term and not (auto and auto[0] and amount_minor >= auto[2]):
            return None, None
        term = term or auto[1]
        policy = self.core.ledger.policy.installments
        plan = installments.plan_for(policy, term)
        if plan is None:
            return None, installments.term_not_offered(term)
        # The limits already passed on the full amount: the credit check is not repeated.
        return plan, installments.quote(policy, plan, amount_minor, self.accounts.applicant(slot, channel, mcc),
                                        check_credit=False)

    def _answer(self, slot: int, req, outcome: tuple, now_s: int, risk: tuple,
                stand_in: int = 0) -> tuple[authz.AuthorizeResponse, JournalEffect | None]:
        decision, failed, max_approvable, available, day, month, flags, score = outcome
        response = authz.AuthorizeResponse(decision=decision, available_credit_minor=available,
                                           policy_version=self.core.ledger.policy.version,
                                           max_approvable_minor=max_approvable)
        if flags & FLAG_STAND_IN:
            # Asked for (the deadline), or the kernel fell back because the model failed.
            response.stand_in = stand_in or STAND_IN_MODEL_FAILED
        assessment = response.risk
        assessment.score = score
        assessment.model_version = self.core.model_info.version
        assessment.feature_schema = features.SCHEMA_VERSION
        reasons = reasons_of_mask(failed) if failed else []
        assessment.rules_fired.extend(RULE_NAMES[r] for r in reasons if r in RULE_NAMES)
        if decision == c.DECISION_APPROVED:
            authorization_id = self.core.new_id("au")
            expires_s = now_s + self.core.ledger.policy.hold_ttl_seconds
            response.authorization_id = authorization_id
            response.reason = c.REASON_APPROVED
            response.reasons.append(APPROVED_DETAIL)
            response.hold_expires_at.seconds = expires_s
            effect = effects.hold_placed(authorization_id, req.account_id, req.channel, req.amount_minor, flags, day,
                                         month, expires_s, req.merchant.merchant_id, risk[0], risk[1], risk[2], risk[3])
            return response, effect
        response.reason = reasons[0]
        row = self.core.ledger.row(slot)
        situation = explain.Situation(
            row=row, prof=self.core.ledger.profiles[int(row["profile"])], channel=req.channel, amount=req.amount_minor,
            currency=req.currency, account_currency=self.core.currency_of(slot), zone=self.core.ledger.zones[slot],
            factors=factor_bits(req.verification.factors), now_s=now_s,
            stand_in_max_minor=self.core.ledger.policy.risk.stand_in_max_minor)
        windows = explain.reason_windows(situation.row, situation.prof, req.channel,
                                         explain.Clock.of(now_s, int(row["utc_offset_s"])))
        response.reasons.extend(explain.detail(r, situation, windows) for r in reasons)
        return response, None

    @staticmethod
    def _explain_risk(assessment, x, contributions) -> None:
        """The features that moved the score most, largest first (chosen in C, in numpy's
        argsort order of -|contribution|, up to the first zero)."""
        xs, cs = x.tolist(), contributions.tolist()
        assessment.top_features.extend([
            FeatureContribution(feature=features.NAMES[i], value=xs[i], contribution=cs[i])
            for i in top_features(contributions)])

    def _row_bytes(self) -> tuple:
        """(accounts, behaviour, profiles, profile column) of the ledger, the tables as (rows,
        row size) uint8 views: a row's bytes cost a tenth of a structured row's copy. Rebuilt
        when the ledger's tables were reallocated."""
        ledger, views = self.core.ledger, self.core._views
        if views is None or views[0] is not ledger.accounts or views[1] is not ledger.behaviour \
                or views[2] is not ledger.profiles:
            views = self.core._views = (ledger.accounts, ledger.behaviour, ledger.profiles,
                                   *(t.view(np.uint8).reshape(len(t), -1)
                                     for t in (ledger.accounts, ledger.behaviour, ledger.profiles)),
                                   ledger.accounts["profile"])
        return views[3:]

    def _rows_before(self, slot: int) -> tuple | None:
        """The bytes of an account's rows (account, behaviour, limit profile) before a decision."""
        if not self.core.audit:
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
                                  self.core.ledger.policy.version, self.core.model_info.version)]

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
            np.zeros(len(rows), np.uint8), self.core.ledger.policy.version, self.core.model_info.version)]

    def _shadow_one(self, slot: int, req, risk: tuple, stand_in: int, outcome: tuple, now_s: int) -> list:
        """[shadow, its record() arguments] of a payment decided by the shadow candidate on the
        same state; [] without a candidate."""
        shadow = self.core.shadow
        if shadow is None:
            return []
        theirs = shadow.sync(self.core.ledger).authorize(
            slot, CHANNELS.index(req.channel), req.amount_minor, currency_numeric(req.currency), req.qr_code_type,
            factor_bits(req.verification.factors), now_s, *risk, False, None, None, stand_in)
        return [shadow, (now_s, req.request_id, req.account_id, req.amount_minor, outcome, theirs)]

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
        with contextlib.ExitStack() as cleanup, self.core.state.shared():
            cleanup.callback(lambda: [self.requests.release(rid) for rid in claimed])
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
                    prior = self.requests.claim(r.request_id, "Authorize", digests[i], wait=False)
                    if prior is not None:
                        results[i] = authz.AuthorizeResponse.FromString(prior)
                        continue
                    claimed.append(r.request_id)
                    slot = self.core.slot(r.account_id)
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
                with self.core.stripes.many(int(slot) for slot in matrix[pending, 0]):
                    self._decide_batch(requests, matrix, locations, risks, pending, digests, results, self.core.now())
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
        book = self.core.ledger.scratch(slots)
        # The kernel's rows name the copies: row i of the copies is the account of slots[i].
        rows = matrix.copy()
        decided_rows = rows[:, 0] >= 0
        rows[decided_rows, 0] = np.searchsorted(slots, rows[decided_rows, 0])
        n = len(matrix)
        decided = np.zeros((n, 7), dtype=np.int64)
        scores = np.full(n, np.nan)
        trail = ()
        if self.core.audit:
            trail = (np.empty((n, features.N_FEATURES)), np.empty((n, self.core.ledger.accounts.itemsize), np.uint8),
                     np.empty((n, self.core.ledger.behaviour.itemsize), np.uint8))
        shadow, shadowed, candidate = self.core.shadow, None, {}
        if shadow is not None:
            shadowed = (shadow, np.zeros((n, 7), np.int64), np.full(n, np.nan))
            # The candidate decides on the same copies, never booking.
            candidate = {"shadow": shadow.sync(self.core.ledger).over(book.accounts, book.behaviour),
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
        self.requests.commit(records, now_s, side)
        if shadowed:
            shadowed[0].record_many(now_s, [requests[i].request_id for i in pending], np.array(pending),
                                    [requests[i].account_id for i in pending], matrix[pending, 2], decided[pending],
                                    scores[pending], shadowed[1][pending], shadowed[2][pending])
        observed.batch_decided(decided[pending], matrix[pending, 1], [results[i] for i in pending])
        for effect in placed:
            self.applier.apply(effect, now_s)

    def authorize_bulk(self, req: authz.AuthorizeBulkRequest) -> tuple[authz.AuthorizeBulkResponse, bool]:
        """Decide a columnar chunk in order, as if each payment were sent after the previous one
        was answered; the chunk is one request: one request_id, one journal record. Returns
        (response, replayed)."""
        chunk = columns.chunk_of(req)
        digest = fingerprint("AuthorizeBulk", req)
        prior = self.requests.claim(req.request_id, "AuthorizeBulk", digest)
        if prior is not None:
            return authz.AuthorizeBulkResponse.FromString(prior), True
        try:
            with self.core.state.shared():
                # The chunk's ids looked up at once, in C without the GIL (-1: no such account).
                slots = self.core.ledger.slot_of.slots_of(chunk.account_ids)
                chunk.matrix[:, 0] = slots
                known = np.unique(slots[slots >= 0])
                with self.core.stripes.many(known.tolist()):
                    return self._decide_bulk(req, chunk, digest, known), False
        finally:
            self.requests.release(req.request_id)

    def _decide_bulk(self, req, chunk: columns.Chunk, digest: bytes, slots: np.ndarray) -> authz.AuthorizeBulkResponse:
        ledger, n, matrix = self.core.ledger, chunk.n, chunk.matrix
        now_s = self.core.now()
        decided, scores, trail, shadowed = self._run_batch(matrix, chunk.locations, slots, now_s)
        decisions = decided[:, 0]
        approved = np.flatnonzero(decisions == c.DECISION_APPROVED)
        # Every row's first reason from its failure mask at once (0: not decided).
        reasons = np.where(decisions == c.DECISION_APPROVED, c.REASON_APPROVED,
                           np.where(decisions != 0, first_reasons(decided[:, 1]), 0))
        ids = self.core.new_ids("au", len(approved))
        account_ids, merchant_ids = chunk.account_ids, chunk.merchant_ids
        id_column = np.full(n, "", object)
        id_column[approved] = ids
        terms, rates = np.zeros(n, np.int64), np.zeros(n, np.int64)
        if ledger.auto_installment:
            for i in approved.tolist():
                plan, quote = self._installment_quote(int(matrix[i, 0]), int(matrix[i, 2]), int(matrix[i, 1]) + 1,
                                                      req.mccs[i])
                if quote is not None and quote.eligible:
                    terms[i], rates[i] = plan.term_months, plan.monthly_rate_bps

        policy = ledger.policy
        response = authz.AuthorizeBulkResponse(request_id=req.request_id, policy_version=policy.version,
                                               model_version=self.core.model_info.version)
        response.decisions.extend(decisions.tolist())
        response.reasons.extend(reasons.tolist())
        response.authorization_ids.extend(id_column.tolist())
        response.available_credit_minor.extend(decided[:, 3].tolist())
        response.max_approvable_minor.extend(decided[:, 2].tolist())
        response.risk_scores.extend(scores.tolist())
        response.installment_terms.extend(terms.tolist())
        stood_in = (decided[:, 6] & FLAG_STAND_IN) != 0
        if stood_in.any():
            response.stand_in.extend(np.where(stood_in, STAND_IN_MODEL_FAILED, 0).tolist())
        for i in np.flatnonzero(matrix[:, 0] < 0).tolist():
            response.errors.add(index=i).status.CopyFrom(NotFound("account", account_ids[i]).to_status())
        effect = None
        if len(approved):
            expires_s = now_s + policy.hold_ttl_seconds
            response.hold_expires_at.seconds = expires_s
            # The approvals' columns as lists: what the record's packed repeated fields take fastest.
            effect = effects.holds_placed(
                ids, _picked(account_ids, approved, n), _picked(merchant_ids, approved, n), expires_s,
                CHANNEL_VALUES[matrix[approved, 1]].tolist(), matrix[approved, 2].tolist(),
                decided[approved, 6].tolist(), decided[approved, 4].tolist(), decided[approved, 5].tolist(),
                matrix[approved, 6].view(np.uint64).tolist(), matrix[approved, 7].view(np.uint64).tolist(),
                chunk.locations[approved, 0].tolist(), chunk.locations[approved, 1].tolist(),
                terms[approved].tolist(), rates[approved].tolist())
        known = np.flatnonzero(matrix[:, 0] >= 0)
        known_account_ids = _picked(account_ids, known, n)
        side = self._audit_many("AuthorizeBulk", now_s, req.request_id, None, known, matrix, chunk.locations, decided,
                                scores, np.stack([decisions, reasons], axis=1)[known], trail, known_account_ids,
                                _picked(merchant_ids, known, n) if merchant_ids else [""] * len(known))
        self.requests.commit([("AuthorizeBulk", req.request_id, digest, effect, response.SerializeToString())], now_s, side)
        if shadowed:
            shadowed[0].record_many(now_s, [req.request_id] * len(known), known,
                                    known_account_ids, matrix[known, 2], decided[known],
                                    scores[known], shadowed[1][known], shadowed[2][known])
        observed.count_decisions(decisions, reasons, matrix[:, 1] + 1)
        observed.stood_in(STAND_IN_MODEL_FAILED, int(stood_in.sum()))
        if effect is not None:
            self.applier.apply(effect, now_s)
        return response


def _picked(values: list, rows: np.ndarray, n: int) -> list:
    """values (a chunk's column of n) at rows (ascending): the list itself when rows are all n."""
    return values if len(rows) == n else [values[i] for i in rows.tolist()]
