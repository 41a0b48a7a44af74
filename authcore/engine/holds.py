"""A hold's life after its approval: capture, void, refund, expiry; and repayments."""

from __future__ import annotations

import datetime

from authcore.journal import effects
from authcore.errors import FailedPrecondition, Unavailable
from authcore.state.ledger import CAPTURED, EXPIRED, HELD, HoldRef
from authcore.decision import validation
from authcore.v1 import account_pb2, authorization_pb2 as authz
from authcore.engine.core import Core
from authcore.engine.requests import Requests
from authcore.engine.apply import Applier
from authcore.engine.accounts import Accounts
from authcore.engine.common import DROP_BATCH, EXPIRY_BATCH


class Holds:
    """Capture, Void, Refund, the expiry of holds whose time is up, and Repay."""

    def __init__(self, core: Core, requests: Requests, applier: Applier, accounts: Accounts):
        self.core = core
        self.requests = requests
        self.applier = applier
        self.accounts = accounts

    def _open_hold(self, authorization_id: str, now_s: int) -> HoldRef:
        """The hold if it can still be captured or voided; otherwise a precise refusal."""
        hold = self.core.hold(authorization_id)
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
            self.core.check_currency(hold.slot, req.currency)
            amount = req.amount_minor if req.HasField("amount_minor") else hold.amount
            if amount > hold.amount:
                raise FailedPrecondition(
                    "CAPTURE_EXCEEDS_AUTHORIZATION",
                    f"capture of {amount} is above the authorized {hold.amount}",
                    {"authorized_minor": str(hold.amount)})
            response = authz.CaptureResponse(
                authorization_id=hold.authorization_id, captured_minor=amount, released_minor=hold.amount - amount,
                available_credit_minor=self.core.ledger.available(hold.slot) + hold.amount - amount)
            return response, effects.hold_captured(hold.authorization_id, amount)

        return self.requests.mutate("Capture", req, authz.CaptureResponse, decide,
                            lambda: self.core.hold(req.authorization_id).slot)

    def void(self, req: authz.VoidRequest) -> tuple[authz.VoidResponse, bool]:
        validation.validate_void(req)

        def decide(now_s: int):
            hold = self._open_hold(req.authorization_id, now_s)
            response = authz.VoidResponse(authorization_id=hold.authorization_id, released_minor=hold.amount,
                                          available_credit_minor=self.core.ledger.available(hold.slot) + hold.amount)
            return response, effects.hold_voided(hold.authorization_id)

        return self.requests.mutate("Void", req, authz.VoidResponse, decide, lambda: self.core.hold(req.authorization_id).slot)

    def _refundable_hold(self, authorization_id: str) -> HoldRef:
        """The hold of an authorization to refund; its dropping after the refund window, or its
        absence, as a refusal."""
        if self.core.ledger.dropped(authorization_id):
            raise self._window_passed(authorization_id)
        return self.core.hold(authorization_id)

    def _window_passed(self, authorization_id: str) -> FailedPrecondition:
        days = self.core.ledger.refund_window_s() // 86400
        return FailedPrecondition("REFUND_WINDOW_PASSED",
                                  f"authorization {authorization_id} was captured more than {days} days ago: "
                                  "past the policy's refund window (refund_window_days) a payment cannot be refunded",
                                  {"authorization_id": authorization_id, "refund_window_days": str(days)})

    def refund(self, req: authz.RefundRequest) -> tuple[authz.RefundResponse, bool]:
        validation.validate_refund(req)

        def decide(now_s: int):
            hold = self._refundable_hold(req.authorization_id)
            if hold.state != CAPTURED:
                raise FailedPrecondition("AUTHORIZATION_NOT_CAPTURED",
                                         f"authorization {hold.authorization_id} is {hold.state}: only a captured "
                                         "payment can be refunded (void a hold instead)",
                                         {"state": hold.state})
            if now_s >= hold.captured_s + self.core.ledger.refund_window_s():
                raise self._window_passed(hold.authorization_id)
            self.core.check_currency(hold.slot, req.currency)
            refundable = hold.captured - hold.refunded
            if req.amount_minor > refundable:
                raise FailedPrecondition("REFUND_EXCEEDS_CAPTURED", f"at most {refundable} can still be refunded",
                                         {"refundable_minor": str(refundable)})
            response = authz.RefundResponse(
                authorization_id=hold.authorization_id, refund_id=self.core.new_id("rf"),
                refunded_minor=req.amount_minor, refunded_total_minor=hold.refunded + req.amount_minor,
                available_credit_minor=self.core.ledger.available(hold.slot) + req.amount_minor)
            return response, effects.hold_refunded(hold.authorization_id, req.amount_minor)

        return self.requests.mutate("Refund", req, authz.RefundResponse, decide,
                            lambda: self._refundable_hold(req.authorization_id).slot)

    def _expire(self, hold: HoldRef, now_s: int) -> None:
        effect = effects.hold_expired(hold.authorization_id)
        self.requests.commit([("Expire", None, None, effect, None)], now_s)
        self.applier.apply(effect, now_s)

    def expire_due(self) -> int:
        """Release holds whose time is up (run periodically). Returns how many."""
        now_s = self.core.now()
        expired = 0
        for hold in self.core.ledger.due_holds(now_s, EXPIRY_BATCH):
            try:
                with self.core.state.shared(), self.core.stripes.of(hold.slot):
                    if hold.state == HELD:
                        self._expire(hold, now_s)
                        expired += 1
            except Unavailable:
                self.core.ledger.requeue(hold)  # the next sweep tries it again
                raise
        self.drop_closed(now_s)
        with self.core.idempotency_lock:
            self.core.idempotency.prune(now_s)
        return expired

    def drop_closed(self, now_s: int) -> int:
        """Drop up to DROP_BATCH closed holds whose refund window passed, as one HoldsDropped
        record (replay drops the same holds at the same point). Returns how many."""
        due = self.core.ledger.past_window(now_s, DROP_BATCH)
        if not due:
            return 0
        # Under the stripes of their accounts: no request is deciding on one of them meanwhile.
        with self.core.state.shared(), self.core.stripes.many(sorted({hold.slot for hold in due})):
            effect = effects.holds_dropped([hold.authorization_id for hold in due])
            try:
                self.requests.commit([("Drop", None, None, effect, None)], now_s)
            except Unavailable:
                self.core.ledger.requeue_closed(due)  # the next sweep tries them again
                raise
            self.applier.apply(effect, now_s)
        return len(due)

    def repay(self, req: account_pb2.RepayRequest) -> tuple[account_pb2.RepayResponse, bool]:
        validation.validate_repay(req)

        def decide(now_s: int):
            slot = self.core.slot(req.account_id)
            self.core.check_currency(slot, req.currency)
            row = self.core.ledger.row(slot)
            posted, overdue = int(row["posted"]), int(row["overdue"])
            if req.amount_minor > posted:
                raise FailedPrecondition("REPAYMENT_EXCEEDS_BALANCE",
                                         f"the posted balance is {max(posted, 0)}; repay at most that",
                                         {"posted_balance_minor": str(max(posted, 0))})
            overdue_left = overdue - min(overdue, req.amount_minor)
            response = account_pb2.RepayResponse(
                repayment_id=self.core.new_id("rp"), repaid_minor=req.amount_minor,
                posted_balance_minor=posted - req.amount_minor, overdue_minor=overdue_left,
                available_credit_minor=self.core.ledger.available(slot) + req.amount_minor,
                status=self.accounts.status(int(row["status"]), overdue_left))
            return response, effects.repaid(req.account_id, req.amount_minor)

        return self.requests.mutate("Repay", req, account_pb2.RepayResponse, decide, lambda: self.core.slot(req.account_id))
