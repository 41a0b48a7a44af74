"""Shadow mode: a candidate policy and/or risk model that decides every payment beside the
active ones, on the same state, without acting on it.

The candidate is a second compiled Book bound to the ledger's own account and behaviour rows
(for a batch or chunk, to the copies of them that the active decision runs on), with its own
limit profiles (every profile the ledger has, resolved again under the candidate policy), its
own risk rules and thresholds, and its own model; where the candidate names no policy (or no
model) it follows the active one. So it covers the whole decision: account state,
credit, every limit window, the channel rules, the risk rules and the model. It never books:
the active decision alone places holds and updates the windows and behaviour.

Unary payments are decided by it right after the active decision; batch and bulk items inside
the batch kernel, each before the active decision of the same item is booked. The report counts
decisions by (active decision, shadow decision) and keeps the latest disagreements (bounded).
"""

from __future__ import annotations

import collections
import dataclasses
import threading

import numpy as np

from authcore.decision import policy as policy_mod
from authcore._fast.ledger import Book
from authcore._fast.state import PROFILE_DTYPE
from authcore.decision.reasons import reasons_of_mask
from authcore.v1 import admin_pb2, common_pb2 as c, policy_pb2

MAX_DISAGREEMENTS = 100
N_DECISIONS = 4  # DECISION_UNSPECIFIED .. DECISION_CHALLENGE


@dataclasses.dataclass(frozen=True, slots=True)
class _Disagreement:
    request_id: str
    item: int
    account_id: str
    amount_minor: int
    at_s: int
    active: tuple  # (decision, failed mask, max approvable, score)
    shadow: tuple


class Shadow:
    """One candidate and what it has decided so far."""

    def __init__(self, policy: policy_pb2.Policy | None, scorer, since_s: int):
        self.policy = policy
        self.scorer = scorer
        self.since_s = since_s
        self.book = Book()
        self.lock = threading.Lock()
        self.counts = np.zeros((N_DECISIONS, N_DECISIONS), np.int64)
        self.disagreements: collections.deque[_Disagreement] = collections.deque(maxlen=MAX_DISAGREEMENTS)
        self._bound: tuple = (None, None, None)
        self._profiles: np.ndarray | None = None
        self._resolved = 0
        self._risk_of = None
        if policy is not None:
            self.book.set_risk(*policy_mod.risk_tables(policy.risk))
        if scorer is not None:
            self.book.set_scorer(scorer)

    # -- binding ------------------------------------------------------------------------------

    def sync(self, ledger) -> Book:
        """The candidate's Book, bound to the ledger's current tables, with every limit profile
        resolved under the candidate policy, and the active rules or model where the candidate
        keeps them. Called under the engine's state lock; the tables cannot move under it."""
        with self.lock:
            if self.policy is None:
                profiles = ledger.profiles
                if self._risk_of is not ledger.policy:
                    self.book.set_risk(*policy_mod.risk_tables(ledger.policy.risk))
                    self._risk_of = ledger.policy
            else:
                profiles = self._own_profiles(ledger)
            if self.scorer is None and self.book.scorer is not ledger.book.scorer:
                self.book.set_scorer(ledger.book.scorer)
            if any(a is not b for a, b in zip(self._bound, (ledger.accounts, ledger.behaviour, profiles))):
                self.book.bind(ledger.accounts, profiles, ledger.behaviour)
                self._bound = (ledger.accounts, ledger.behaviour, profiles)
            return self.book

    def _own_profiles(self, ledger) -> np.ndarray:
        """The ledger's limit profiles, resolved under the candidate policy (profiles are only
        ever added, each from its tier and overrides)."""
        size = ledger.profiles.shape[0]
        if self._profiles is None or self._profiles.shape[0] < size:
            grown = np.zeros(size, PROFILE_DTYPE)
            if self._profiles is not None:
                grown[:self._resolved] = self._profiles[:self._resolved]
            self._profiles = grown
        for index in range(self._resolved, len(ledger.profile_specs)):
            tier, blob = ledger.profile_specs[index]
            overrides = c.LimitProfile.FromString(blob) if blob else None
            self._profiles[index] = policy_mod.profile_row(
                policy_mod.resolve(policy_mod.tier_limits(self.policy, tier), overrides))
        self._resolved = len(ledger.profile_specs)
        return self._profiles

    # -- counting -----------------------------------------------------------------------------

    def record(self, at_s: int, request_id: str, account_id: str, amount_minor: int, active: tuple,
               shadow: tuple) -> None:
        """One payment decided by both: the kernel outcomes (decision, failed, max approvable, ...,
        score last)."""
        with self.lock:
            self.counts[active[0], shadow[0]] += 1
            if active[0] != shadow[0]:
                self.disagreements.appendleft(_Disagreement(
                    request_id, 0, account_id, amount_minor, at_s, (active[0], active[1], active[2], active[-1]),
                    (shadow[0], shadow[1], shadow[2], shadow[-1])))

    def record_many(self, at_s: int, request_ids: list[str], items: np.ndarray, account_ids: list[str],
                    amounts: np.ndarray, active: np.ndarray, active_scores: np.ndarray, shadow: np.ndarray,
                    shadow_scores: np.ndarray) -> None:
        """The decided rows of a batch or chunk (OUT_* columns), in order."""
        pairs = np.bincount(active[:, 0] * N_DECISIONS + shadow[:, 0], minlength=N_DECISIONS ** 2)
        differ = np.flatnonzero(active[:, 0] != shadow[:, 0])[-MAX_DISAGREEMENTS:].tolist()
        samples = [_Disagreement(request_ids[k], int(items[k]), account_ids[k], int(amounts[k]), at_s,
                                 (*(int(v) for v in active[k, :3]), float(active_scores[k])),
                                 (*(int(v) for v in shadow[k, :3]), float(shadow_scores[k]))) for k in differ]
        with self.lock:
            self.counts += pairs.reshape(N_DECISIONS, N_DECISIONS)
            self.disagreements.extendleft(samples)

    # -- report -------------------------------------------------------------------------------

    def report(self, policy_version: str, model_version: str) -> admin_pb2.ShadowReport:
        """policy_version, model_version: the candidate's (the active ones it keeps)."""
        with self.lock:
            counts = self.counts.copy()
            samples = list(self.disagreements)
        out = admin_pb2.ShadowReport(active=True, policy_version=policy_version, model_version=model_version,
                                     decisions=int(counts.sum()), agreements=int(np.trace(counts)))
        out.since.seconds = self.since_s
        for active, shadow in zip(*np.nonzero(counts)):
            out.counts.add(active=int(active), shadow=int(shadow), count=int(counts[active, shadow]))
        for sample in samples:
            entry = out.disagreements.add(request_id=sample.request_id, item=sample.item, account_id=sample.account_id,
                                          amount_minor=sample.amount_minor)
            entry.decided_at.seconds = sample.at_s
            _outcome(entry.active, sample.active)
            _outcome(entry.shadow, sample.shadow)
        return out


def _outcome(message: admin_pb2.ShadowOutcome, outcome: tuple) -> None:
    decision, failed, max_approvable, score = outcome
    message.decision = decision
    message.reasons.extend(reasons_of_mask(failed) if failed else [c.REASON_APPROVED])
    message.score = score
    message.max_approvable_minor = max_approvable


def merge_reports(reports: list[admin_pb2.ShadowReport]) -> admin_pb2.ShadowReport:
    """The reports of every partition as one (multi-process mode): counts summed, the latest
    disagreements of all."""
    active = [r for r in reports if r.active]
    if not active:
        return admin_pb2.ShadowReport()
    out = admin_pb2.ShadowReport(active=True, policy_version=active[0].policy_version,
                                 model_version=active[0].model_version)
    out.since.CopyFrom(min((r.since for r in active), key=lambda t: t.seconds))
    counts: dict[tuple[int, int], int] = collections.Counter()
    for report in active:
        out.decisions += report.decisions
        out.agreements += report.agreements
        for entry in report.counts:
            counts[(entry.active, entry.shadow)] += entry.count
    for (a, s), count in sorted(counts.items()):
        out.counts.add(active=a, shadow=s, count=count)
    latest = sorted((d for r in active for d in r.disagreements), key=lambda d: -d.decided_at.seconds)
    out.disagreements.extend(latest[:MAX_DISAGREEMENTS])
    return out
