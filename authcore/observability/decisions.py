"""The engine's decisions, counted in authcore_decisions_total and logged at DEBUG.

A decision is counted once, when it is made and journaled: a replayed answer is not a decision.
A batch or bulk chunk is counted with one increment per distinct (decision, reason, channel), not
one per item. Non-approved decisions are logged at DEBUG (logger authcore.decisions), one line for
a unary call and a summary for a batch or chunk: at INFO a declining payment core would write a
line per decline, thousands a second on a busy day; the counters carry the rates instead.
"""

from __future__ import annotations

import logging

import numpy as np

from authcore._fast.ledger import FLAG_STAND_IN
from authcore.observability.metrics import DECISIONS, count_stand_in
from authcore.v1 import authorization_pb2 as authz, common_pb2 as c

log = logging.getLogger("authcore.decisions")


def _names(enum, prefix: str, lower: bool = False) -> dict[int, str]:
    return {value: (name.removeprefix(prefix).lower() if lower else name.removeprefix(prefix))
            for name, value in enum.items()}


DECISION_LABELS = _names(c.Decision, "DECISION_")
REASON_LABELS = _names(c.Reason, "REASON_")
CHANNEL_LABELS = _names(c.Channel, "CHANNEL_", lower=True)
_children: dict[tuple[int, int, int], object] = {}


def _child(decision: int, reason: int, channel: int):
    key = (decision, reason, channel)
    child = _children.get(key)
    if child is None:
        # Unknown numbers (a newer client's enum) are labelled by number: still a bounded set.
        child = _children[key] = DECISIONS.labels(DECISION_LABELS.get(decision, str(decision)),
                                                  REASON_LABELS.get(reason, str(reason)),
                                                  CHANNEL_LABELS.get(channel, str(channel)))
    return child


def count_decision(decision: int, reason: int, channel: int) -> None:
    """Count one decision (values of authcore.v1 Decision, Reason and Channel)."""
    _child(decision, reason, channel).inc()


def count_decisions(decisions, reasons, channels) -> None:
    """Count the decisions of a batch or chunk, given as equal-length integer columns; items with
    decision 0 (not decided: an unknown account) are skipped."""
    decisions = np.asarray(decisions, np.int64)
    keep = decisions != 0
    if not keep.any():
        return
    # Decisions and channels are below 2**8 and reasons below 2**24: one int64 key per item.
    keys = ((decisions[keep] << 32) | (np.asarray(reasons, np.int64)[keep] << 8)
            | np.asarray(channels, np.int64)[keep])
    values, counts = np.unique(keys, return_counts=True)
    for key, count in zip(values.tolist(), counts.tolist(), strict=True):
        _child(key >> 32, (key >> 8) & 0xFFFFFF, key & 0xFF).inc(count)
    if log.isEnabledFor(logging.DEBUG):
        _log_summary(values, counts)


# The cause label of authcore_stand_in_total, by StandInCause.
STAND_IN_LABELS = {authz.STAND_IN_CAUSE_MODEL_FAILED: "model_failed", authz.STAND_IN_CAUSE_DEADLINE: "deadline"}


def stood_in(cause: int, n: int = 1) -> None:
    """n journaled decisions were made by the stand-in, for cause (a StandInCause)."""
    if n:
        count_stand_in(STAND_IN_LABELS[cause], n)


def approved(channel: int, stand_in: int) -> None:
    """An Authorize approval (answered by the compiled path) was journaled."""
    _child(c.DECISION_APPROVED, c.REASON_APPROVED, channel).inc()
    if stand_in:
        stood_in(stand_in)


def authorized(request, response) -> None:
    """An Authorize decision was made and journaled."""
    _child(response.decision, response.reason, request.channel).inc()
    if response.stand_in:
        stood_in(response.stand_in)
    if response.decision != c.DECISION_APPROVED and log.isEnabledFor(logging.DEBUG):
        log.debug("payment not approved", extra={
            "account_id": request.account_id, "request_id": request.request_id,
            "decision": DECISION_LABELS.get(response.decision), "reason": REASON_LABELS.get(response.reason),
            "channel": CHANNEL_LABELS.get(request.channel), "amount_minor": request.amount_minor,
            "max_approvable_minor": response.max_approvable_minor,
            "risk_score": None if response.risk.score != response.risk.score else round(response.risk.score, 4)})


def batch_decided(decided: np.ndarray, channel_index: np.ndarray, responses: list) -> None:
    """The decisions of an AuthorizeBatch were journaled: decided holds the kernel's rows (the
    decision first), channel_index the CHANNELS index of each, responses their answers (read
    only for the reasons of non-approvals, since an approval's reason is APPROVED)."""
    decisions = np.asarray(decided[:, 0], np.int64)
    reasons = np.where(decisions == c.DECISION_APPROVED, c.REASON_APPROVED, 0)
    for k in np.flatnonzero(decisions != c.DECISION_APPROVED).tolist():
        reasons[k] = responses[k].reason
    count_decisions(decisions, reasons, np.asarray(channel_index, np.int64) + 1)
    # A batch item stands in only when the model fails (the deadline stand-in is unary).
    stood_in(authz.STAND_IN_CAUSE_MODEL_FAILED, int(np.count_nonzero(decided[:, 6] & FLAG_STAND_IN)))


def _log_summary(values: np.ndarray, counts: np.ndarray) -> None:
    declined = {}
    for key, count in zip(values.tolist(), counts.tolist(), strict=True):
        if key >> 32 != c.DECISION_APPROVED:
            label = f"{DECISION_LABELS.get(key >> 32)}:{REASON_LABELS.get((key >> 8) & 0xFFFFFF)}"
            declined[label] = declined.get(label, 0) + count
    if declined:
        log.debug("payments not approved in a batch", extra={"decided": int(counts.sum()),
                                                              "not_approved": declined})
