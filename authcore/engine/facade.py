"""The engine's facade: starting from the journal, snapshots, and each RPC handed to its part
(authcore.engine.payments, holds, accounts, rollout)."""

from __future__ import annotations

import pickle
import time
from typing import Callable

import numpy as np

from authcore.journal import audit, effects
from authcore.state.idempotency import IdempotencyIndex
from authcore.state.ledger import Ledger
from authcore.risk.scorecard import CompiledScorecard
from authcore.journal.store import Journal, JournalCorrupt
from authcore.v1 import admin_pb2, credit_pb2, policy_pb2
from authcore.decision import columns, money, validation
from authcore.journal.audit import one_prefix as one_row_prefix
from authcore.observability import decisions as observed
from authcore.risk import features
from authcore.engine.common import (
    APPROVED_DETAIL, DEFAULT_MODEL_VERSION, SNAPSHOT_FORMAT, SNAPSHOT_FORMATS_READ, default_model_bytes, log,
)
from authcore.engine.accounts import Accounts
from authcore.engine.apply import Applier
from authcore.engine.core import Core
from authcore.engine.holds import Holds
from authcore.engine.payments import Payments
from authcore.engine.requests import Requests
from authcore.engine.rollout import Rollout
from authcore._fast import wire
from authcore._fast.path import AuthorizePath
from authcore.v1 import authorization_pb2 as authz


# Channel value -> the ledger's channel index, for the compiled replay (-1: not a channel).
_CHANNEL_INDEX = np.full(max(effects.CHANNEL_INDEX) + 1, -1, np.int32)
for _channel, _index in effects.CHANNEL_INDEX.items():
    _CHANNEL_INDEX[_channel] = _index


class Engine:
    """One node's authorization core over its journal: a facade over parts with one job each.

      core      (authcore.engine.core)      the state they share: ledger, model, versions, locks, journal
      applier   (authcore.engine.apply)     a journaled effect -> memory, live and on replay
      requests  (authcore.engine.requests)  request ids, locks, and every mutation's order:
                                             decide -> journal -> apply
      payments  (authcore.engine.payments)  Authorize, AuthorizeBatch, AuthorizeBulk
      holds     (authcore.engine.holds)     Capture, Void, Refund, expiry, Repay
      accounts  (authcore.engine.accounts)  UpsertAccount, ImportAccounts, GetAccount, installments settings
                                             and quotes
      rollout   (authcore.engine.rollout)   policy, model, scorecard, stored versions, shadow, AssessCredit

    The engine itself starts them (the last snapshot, then the records after it), writes
    snapshots, runs the sweeper's periodic work, and hands each RPC to its part."""

    def __init__(self, journal: Journal, policy: policy_pb2.Policy | None = None, *,
                 clock: Callable[[], float] = time.time, max_accounts: int = 1_000_000,
                 idempotency: IdempotencyIndex | None = None, default_model: bool = True, id_tag: str = "",
                 audit: bool = True, audit_retention_s: int = 400 * 86400):
        self.core = Core(journal, policy, clock, max_accounts, idempotency, id_tag, audit, audit_retention_s)
        if default_model:
            self.core.use_model(default_model_bytes(), DEFAULT_MODEL_VERSION)
        self.core.periodic.append(self.prune_audit)
        self.applier = Applier(self.core)
        self.requests = Requests(self.core, self.applier)
        self.accounts = Accounts(self.core, self.requests)
        self.payments = Payments(self.core, self.requests, self.applier, self.accounts)
        self.holds = Holds(self.core, self.requests, self.applier, self.accounts)
        self.rollout = Rollout(self.core, self.requests)
        # Authorize's compiled path (authcore._fast.path), over the same parts.
        self.path = AuthorizePath(
            self.core, self.requests, self.payments, self.applier, validate=validation.validate_authorize,
            hash64=columns.hash64, currency_numeric=money.currency_numeric, is_country=money.is_country,
            approved=observed.approved, authorized=observed.authorized, feature_names=features.NAMES,
            feature_schema=features.SCHEMA_VERSION, approved_detail=APPROVED_DETAIL.SerializeToString(),
            audit_prefix=one_row_prefix())
        # Each RPC, straight to its part's method (bound once: no call in between).
        self.authorize_batch = self.payments.authorize_batch
        self.authorize_bulk = self.payments.authorize_bulk
        self.capture = self.holds.capture
        self.void = self.holds.void
        self.refund = self.holds.refund
        self.expire_due = self.holds.expire_due
        self.repay = self.holds.repay
        self.get_account = self.accounts.get_account
        self.upsert_account = self.accounts.upsert_account
        self.import_accounts = self.accounts.import_accounts
        self.quote_installments = self.accounts.quote_installments
        self.set_auto_installment = self.accounts.set_auto_installment
        self.get_auto_installment = self.accounts.get_auto_installment
        self.hold_channel = self.accounts.hold_channel
        self.get_policy = self.rollout.get_policy
        self.set_policy = self.rollout.set_policy
        self.list_versions = self.rollout.list_versions
        self.get_version = self.rollout.get_version
        self.activate_version = self.rollout.activate_version
        self.set_risk_model = self.rollout.set_risk_model
        self.get_risk_model = self.rollout.get_risk_model
        self.set_scorecard = self.rollout.set_scorecard
        self.get_scorecard = self.rollout.get_scorecard
        self.assess_credit = self.rollout.assess_credit
        self.set_shadow = self.rollout.set_shadow
        self.clear_shadow = self.rollout.clear_shadow
        self.get_shadow_report = self.rollout.get_shadow_report
        # A replay reads its answer back from the journal record it was given in.
        self.core.idempotency.reader = journal.read_record
        snapshot = journal.snapshot_stream()
        digest = b""
        if snapshot is not None:
            self.core.snapshot_seq, digest, stream = snapshot
            self._restore(pickle.load(stream))
            # The files a snapshot dropped past the answers' byte budget: their answers are gone.
            self.core.idempotency.forget_answers_before(journal.first_seq())
        self.replayed_records = self._replay(self.core.snapshot_seq, digest)
        # Whether this engine may write its journal now: a cluster node's standby may not (its
        # replication sets this), so its sweeper leaves hold expiry to the owner.
        self.owns_writes: Callable[[], bool] = lambda: True
        self.rollout.store_active_versions()

    def authorize(self, req: authz.AuthorizeRequest, deadline_s: float | None = None
                  ) -> tuple[authz.AuthorizeResponse, bool]:
        """Decide one payment; with less than the policy's stand-in budget left of deadline_s (the
        call's remaining time), by the stand-in. Returns (response, replayed)."""
        data, message, replayed = self.path.authorize(req, deadline_s)
        return (message if message is not None else authz.AuthorizeResponse.FromString(data)), replayed

    def authorize_bytes(self, req: authz.AuthorizeRequest, deadline_s: float | None = None) -> tuple[bytes, bool]:
        """authorize, the response as its bytes (what the server sends)."""
        data, _, replayed = self.path.authorize(req, deadline_s)
        return data, replayed

    @property
    def ledger(self):
        return self.core.ledger

    @property
    def journal(self):
        return self.core.journal

    @property
    def committer(self):
        return self.core.committer

    @property
    def model_info(self):
        return self.core.model_info

    @property
    def model_source(self):
        return self.core.model_source

    @property
    def scorecard(self):
        return self.core.scorecard

    @property
    def catalog(self):
        return self.core.catalog

    @property
    def shadow(self):
        return self.core.shadow

    @property
    def clock(self):
        return self.core.clock

    @property
    def idempotency(self):
        return self.core.idempotency

    @property
    def state(self):
        return self.core.state

    @property
    def stripes(self):
        return self.core.stripes

    @property
    def snapshot_seq(self):
        return self.core.snapshot_seq

    @property
    def periodic(self):
        return self.core.periodic

    @property
    def audit(self):
        return self.core.audit

    @property
    def in_flight(self):
        return self.core.in_flight

    @property
    def max_accounts(self):
        return self.core.max_accounts

    @property
    def _appliers(self) -> dict:
        return self.applier.appliers

    @property
    def _apply(self):
        return self.applier.apply

    def _replay(self, after_seq: int = 0, digest: bytes = b"") -> int:
        """Apply the records after the snapshot, in order: runs of approvals (HoldPlaced) and of
        records without an effect from their bytes in C (Journal.tail: the hold table and the
        request ring filled per run), every other record by the applier, as it was applied live."""
        count = 0
        idempotency = self.core.idempotency
        ledger = self.core.ledger
        for item in self.core.journal.tail(after_seq, digest, _CHANNEL_INDEX):
            if type(item) is tuple:
                record, offset = item
                if record.effect:
                    self.applier.apply(self._decoded(record), record.at_s)
                if record.request_id:
                    idempotency.put_position(record.request_id, record.at_s, record.method,
                                             record.fingerprint or b"", record.seq, offset)
                count += 1
                continue
            n = item.count
            holds = np.flatnonzero(item.kind[:n] == wire.TAIL_HOLD_PLACED)
            if len(holds):
                # The rows between them carry no effect: the holds are placed in one call.
                ledger.place_hold_rows(item, holds)
            asked = np.flatnonzero(item.has_request[:n])
            if len(asked):
                idempotency.put_positions(item, asked)
            count += n
        self.core.idempotency.prune(self.core.now())
        return count

    def _decoded(self, record) -> effects.JournalEffect:
        try:
            return effects.decode(record.effect)
        except JournalCorrupt as exc:
            raise JournalCorrupt(f"{self.core.journal.path}: journal record {record.seq}: {exc}; the server "
                                 "will not start on it") from exc

    def follow(self, frames: list[bytes]) -> int:
        """Append and apply records another journal wrote (a cluster's owner of this partition):
        to memory as a replay would, their answers remembered for retries. Returns how many."""
        with self.core.state.exclusive():
            appended = self.core.journal.append_frames(frames)
            for record, _ in appended:
                if record.effect:
                    self.applier.apply(effects.decode(record.effect), record.at_s)
            with self.core.idempotency_lock:
                for record, offset in appended:
                    if record.request_id:
                        self.core.idempotency.put_position(record.request_id, record.at_s, record.method,
                                                           record.fingerprint or b"", record.seq, offset)
            return len(appended)

    def _state(self) -> dict:
        """Everything the journal has built, as plain data."""
        return {
            "format": SNAPSHOT_FORMAT,
            "ledger": self.core.ledger.dump(),
            "model": self.core.model_source,
            "scorecard": self.core.scorecard.card.SerializeToString(deterministic=True) if self.core.scorecard else None,
            # Only what the retention window still needs: this bounds the idempotency data on disk.
            "idempotency": self._retained(),
        }

    def _retained(self) -> dict:
        """The request index's arrays (authcore.state.idempotency), past the retention pruned."""
        with self.core.idempotency_lock:  # the sweeper prunes under this lock alone
            self.core.idempotency.prune(self.core.now())
            return self.core.idempotency.to_state()

    def _restore(self, state: dict) -> None:
        if state.get("format") not in SNAPSHOT_FORMATS_READ:
            raise JournalCorrupt(f"snapshot format {state.get('format')!r}; this build reads formats "
                                 f"{', '.join(map(str, SNAPSHOT_FORMATS_READ))}")
        try:
            self.core.ledger = Ledger.load(state["ledger"], self.core.max_accounts)
        except ValueError as exc:
            raise JournalCorrupt(str(exc)) from exc
        if state["model"] is not None:
            self.core.use_model(*state["model"])
        else:
            self.core.model_info, self.core.model_source = admin_pb2.RiskModelInfo(), None
        if state["scorecard"] is not None:
            self.core.scorecard = CompiledScorecard(credit_pb2.Scorecard.FromString(state["scorecard"]))
        # Format 4: the ring's arrays; formats 2 and 3: (request_id, fields) tuples, whose answers
        # go to the side table.
        self.core.idempotency.load_state(state["idempotency"])

    def snapshot(self) -> int:
        """Write a snapshot of the whole state and drop the journal records it includes, so that
        the journal (and the request_ids it remembers) stays bounded. Returns its seq."""
        with self.core.state.exclusive():
            blob = pickle.dumps(self._state(), protocol=pickle.HIGHEST_PROTOCOL)
            idempotency = self.core.idempotency
            with self.core.idempotency_lock:
                keep_from, budget = idempotency.oldest_answer_seq(), idempotency.journal_budget_bytes()
            self.core.snapshot_seq = self.core.journal.write_snapshot(self.core.now(), blob, keep_from, budget)
            with self.core.idempotency_lock:
                idempotency.forget_answers_before(self.core.journal.first_seq())
            return self.core.snapshot_seq

    def maybe_snapshot(self, every_records: int) -> bool:
        """Snapshot once every_records records have accumulated since the last one."""
        if self.core.journal.last_seq - self.core.snapshot_seq < every_records:
            return False
        self.snapshot()
        return True

    def run_periodic(self) -> None:
        """The work registered in self.periodic (file watchers), each on its own: a failure is
        logged and tried again on the next run."""
        for task in list(self.core.periodic):
            try:
                task()
            except Exception:  # noqa: BLE001 - one task's failure must not stop the sweeper
                log.exception("periodic task %s failed; trying again on the next sweep",
                              getattr(task, "__qualname__", task))

    def prune_audit(self) -> int:
        """Drop audit rows past the retention, a bounded number per call (the sweeper's);
        returns how many rounds deleted."""
        cutoff_s = self.core.now() - self.core.audit_retention_s
        rounds = 0
        while rounds < audit.PRUNE_ROUNDS:
            oldest = self.core.journal.oldest_audit_s()
            if oldest is None or oldest >= cutoff_s:
                break
            # Through the committer: the delete is serialized with the journal's writes.
            self.core.committer.commit([], [("audit_prune", (cutoff_s, audit.PRUNE_BATCH))])
            rounds += 1
        return rounds

    def close(self) -> None:
        with self.core.state.exclusive():
            self.core.journal.close()
