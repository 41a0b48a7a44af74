"""Holds through capture, void, refund, repayment and expiry, over the real server."""

from __future__ import annotations

import grpc

from authcore.v1 import account_pb2, authorization_pb2 as authz, common_pb2 as c

from helpers import call_error, details, error_reason

OK = c.DECISION_APPROVED


def account(client, account_id="acct", limit=100_000):
    client.upsert(account_id, limit, tier=c.TIER_STANDARD)
    return account_id


def view(client, account_id="acct") -> account_pb2.Account:
    return client.accounts.GetAccount(account_pb2.GetAccountRequest(account_id=account_id)).account


def capture(client, authorization_id, amount=None, currency="CNY", request_id=None):
    request = authz.CaptureRequest(request_id=request_id or client.rid(), authorization_id=authorization_id,
                                   currency=currency)
    if amount is not None:
        request.amount_minor = amount
    return client.authz.Capture(request)


def void(client, authorization_id, request_id=None):
    return client.authz.Void(authz.VoidRequest(request_id=request_id or client.rid(), authorization_id=authorization_id))


def refund(client, authorization_id, amount, request_id=None):
    return client.authz.Refund(authz.RefundRequest(request_id=request_id or client.rid(),
                                                   authorization_id=authorization_id, amount_minor=amount,
                                                   currency="CNY"))


def repay(client, amount, account_id="acct", request_id=None):
    return client.accounts.Repay(account_pb2.RepayRequest(request_id=request_id or client.rid(), account_id=account_id,
                                                          amount_minor=amount, currency="CNY"))


def money(a: account_pb2.Account) -> tuple[int, int, int, int]:
    return a.available_credit_minor, a.posted_balance_minor, a.held_minor, a.overdue_minor


def test_authorize_places_hold(client):
    account(client)
    response = client.pay("acct", 30_000)
    assert response.available_credit_minor == 70_000
    a = view(client)
    assert money(a) == (70_000, 0, 30_000, 0)
    assert [h.authorization_id for h in a.holds] == [response.authorization_id] and a.open_hold_count == 1
    assert a.holds[0].amount_minor == 30_000 and a.holds[0].expires_at.seconds == response.hold_expires_at.seconds


def test_full_capture_posts_the_hold(client):
    account(client)
    hold = client.pay("acct", 30_000)
    result = capture(client, hold.authorization_id)
    assert (result.captured_minor, result.released_minor, result.available_credit_minor) == (30_000, 0, 70_000)
    assert money(view(client)) == (70_000, 30_000, 0, 0)


def test_partial_capture_releases_the_rest_and_happens_once(client):
    account(client)
    hold = client.pay("acct", 30_000)
    result = capture(client, hold.authorization_id, 10_000)
    assert (result.captured_minor, result.released_minor, result.available_credit_minor) == (10_000, 20_000, 90_000)
    assert money(view(client)) == (90_000, 10_000, 0, 0)
    error = call_error(capture, client, hold.authorization_id, 1_000)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_reason(error) == "AUTHORIZATION_ALREADY_CAPTURED"
    assert money(view(client)) == (90_000, 10_000, 0, 0)


def test_capture_above_hold_is_refused(client):
    account(client)
    hold = client.pay("acct", 30_000)
    error = call_error(capture, client, hold.authorization_id, 30_001)
    assert error_reason(error) == "CAPTURE_EXCEEDS_AUTHORIZATION"
    assert money(view(client)) == (70_000, 0, 30_000, 0)


def test_capture_in_another_currency_is_refused(client):
    account(client)
    hold = client.pay("acct", 30_000)
    assert error_reason(call_error(capture, client, hold.authorization_id, currency="USD")) == "CURRENCY_MISMATCH"


def test_void_releases_hold_and_daily_window(client):
    client.upsert("acct", 100_000, tier=c.TIER_STANDARD, limit_overrides=c.LimitProfile(daily_count=1))
    hold = client.pay("acct", 30_000)
    assert client.pay("acct", 1).reason == c.REASON_DAILY_COUNT_LIMIT_EXCEEDED
    result = void(client, hold.authorization_id)
    assert (result.released_minor, result.available_credit_minor) == (30_000, 100_000)
    assert money(view(client)) == (100_000, 0, 0, 0)
    assert client.pay("acct", 1).decision == OK
    for fn in (lambda: void(client, hold.authorization_id), lambda: capture(client, hold.authorization_id)):
        assert error_reason(call_error(fn)) == "AUTHORIZATION_VOIDED"


def test_refund_restores_credit_never_above_captured(client):
    account(client)
    hold = client.pay("acct", 30_000)
    assert error_reason(call_error(refund, client, hold.authorization_id, 1)) == "AUTHORIZATION_NOT_CAPTURED"
    capture(client, hold.authorization_id, 20_000)
    first = refund(client, hold.authorization_id, 5_000)
    assert (first.refunded_minor, first.refunded_total_minor, first.available_credit_minor) == (5_000, 5_000, 85_000)
    second = refund(client, hold.authorization_id, 15_000)
    assert second.refunded_total_minor == 20_000 and second.refund_id != first.refund_id
    error = call_error(refund, client, hold.authorization_id, 1)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and error_reason(error) == "REFUND_EXCEEDS_CAPTURED"
    assert money(view(client)) == (100_000, 0, 0, 0)


def test_repay_reduces_balance_and_lifts_overdue_freeze(client):
    account(client)
    capture(client, client.pay("acct", 40_000).authorization_id)
    client.upsert("acct", 100_000, overdue_minor=15_000)
    a = view(client)
    assert a.status == c.ACCOUNT_STATUS_FROZEN
    assert [r.reason for r in a.blocking_reasons] == [c.REASON_ACCOUNT_FROZEN_OVERDUE]
    assert client.pay("acct", 100).reason == c.REASON_ACCOUNT_FROZEN_OVERDUE
    partial = repay(client, 10_000)
    assert (partial.overdue_minor, partial.status) == (5_000, c.ACCOUNT_STATUS_FROZEN)
    assert client.pay("acct", 100).reason == c.REASON_ACCOUNT_FROZEN_OVERDUE
    rest = repay(client, 5_000)
    assert (rest.overdue_minor, rest.posted_balance_minor, rest.available_credit_minor, rest.status) == (
        0, 25_000, 75_000, c.ACCOUNT_STATUS_ACTIVE)
    assert client.pay("acct", 100).decision == OK
    assert not view(client).blocking_reasons


def test_repay_above_balance_is_refused(client):
    account(client)
    capture(client, client.pay("acct", 1_000).authorization_id)
    error = call_error(repay, client, 1_001)
    assert error_reason(error) == "REPAYMENT_EXCEEDS_BALANCE"
    assert money(view(client)) == (99_000, 1_000, 0, 0)


def test_overdue_above_balance_is_refused(client):
    account(client)
    error = call_error(client.upsert, "acct", 100_000, overdue_minor=1)
    assert error_reason(error) == "OVERDUE_EXCEEDS_BALANCE"


def test_holds_expire_in_the_background_sweep(client, clock, engine):
    account(client)
    hold = client.pay("acct", 30_000)
    clock.advance(7 * 86400 - 1)
    assert engine.expire_due() == 0
    clock.advance(1)
    assert engine.expire_due() == 1
    assert money(view(client)) == (100_000, 0, 0, 0)
    error = call_error(capture, client, hold.authorization_id)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_reason(error) == "AUTHORIZATION_EXPIRED"
    assert "expired" in error.details()


def test_capture_after_expiry_is_refused_before_the_sweep(client, clock):
    account(client)
    hold = client.pay("acct", 30_000)
    clock.advance(7 * 86400 + 5)
    assert error_reason(call_error(capture, client, hold.authorization_id)) == "AUTHORIZATION_EXPIRED"
    assert error_reason(call_error(void, client, hold.authorization_id)) == "AUTHORIZATION_EXPIRED"
    assert money(view(client)) == (100_000, 0, 0, 0)


WINDOW_S = 180 * 86400  # the default policy's refund_window_days


def test_refund_is_taken_until_the_refund_window_passes(client, clock):
    account(client)
    hold = client.pay("acct", 30_000)
    capture(client, hold.authorization_id)
    clock.advance(WINDOW_S - 1)
    assert refund(client, hold.authorization_id, 1_000).refunded_total_minor == 1_000
    clock.advance(1)
    error = call_error(refund, client, hold.authorization_id, 1_000)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_reason(error) == "REFUND_WINDOW_PASSED"
    assert details(error)["ErrorInfo"].metadata["refund_window_days"] == "180"
    assert money(view(client)) == (71_000, 29_000, 0, 0)


def test_the_sweeper_drops_closed_holds_past_the_window_and_a_refund_is_still_told_why(client, clock, engine):
    account(client)
    captured, voided, expired = (client.pay("acct", 10_000) for _ in range(3))
    capture(client, captured.authorization_id)
    void(client, voided.authorization_id)
    clock.advance(7 * 86400)
    assert engine.expire_due() == 1
    still_open = client.pay("acct", 5_000)
    clock.advance(WINDOW_S - 7 * 86400 - 1)
    engine.expire_due()
    assert len(engine.ledger.holds) == 4, "captured and voided a second short of the window: kept"
    clock.advance(1)
    engine.expire_due()
    # The captured and voided holds' windows passed; the expired one's (7 days later) has not.
    assert sorted(engine.ledger.holds) == sorted([expired.authorization_id, still_open.authorization_id])
    for authorization_id in (captured.authorization_id, voided.authorization_id):
        assert engine.ledger.dropped(authorization_id)
        assert error_reason(call_error(refund, client, authorization_id, 1)) == "REFUND_WINDOW_PASSED"
    assert error_reason(call_error(refund, client, expired.authorization_id, 1)) == "AUTHORIZATION_NOT_CAPTURED"
    assert call_error(refund, client, "au_never_made", 1).code() == grpc.StatusCode.NOT_FOUND
    # A new hold takes a dropped hold's row; the account lists it alone.
    fresh = client.pay("acct", 5_000)
    a = view(client)
    assert [h.authorization_id for h in a.holds] == [fresh.authorization_id] and a.open_hold_count == 1
    assert money(a) == (85_000, 10_000, 5_000, 0)


def test_unknown_authorization_is_not_found(client):
    error = call_error(capture, client, "au_nothing")
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_credit_for_exactly_n_payments(client):
    """Sequential and batched alike: credit for 5 payments approves exactly 5."""
    account(client, "five", 50_000)
    decisions = [client.pay("five", 10_000).decision for _ in range(7)]
    assert decisions.count(OK) == 5 and decisions[5:] == [c.DECISION_DECLINED] * 2
    account(client, "batch", 50_000)
    batch = client.authz.AuthorizeBatch(authz.AuthorizeBatchRequest(
        requests=[client.pay_request("batch", 10_000) for _ in range(7)]))
    assert [r.response.decision for r in batch.results].count(OK) == 5
    assert view(client, "batch").available_credit_minor == 0


def test_batch_mixes_answers_and_errors(client):
    account(client)
    good = client.pay_request("acct", 1_000)
    bad = client.pay_request("acct", -5)
    missing = client.pay_request("nobody", 1_000)
    dup = authz.AuthorizeRequest()
    dup.CopyFrom(good)
    conflict = client.pay_request("acct", 2_000, request_id=good.request_id)
    batch = client.authz.AuthorizeBatch(authz.AuthorizeBatchRequest(requests=[good, bad, missing, dup, conflict]))
    r = batch.results
    assert r[0].response.decision == OK
    assert r[1].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert "requests[1].amount_minor" in r[1].error.message
    assert r[2].error.code == grpc.StatusCode.NOT_FOUND.value[0]
    assert r[3].response.authorization_id == r[0].response.authorization_id
    assert r[4].error.code == grpc.StatusCode.ALREADY_EXISTS.value[0]
    assert view(client).held_minor == 1_000


def test_batch_limit(client):
    account(client)
    error = call_error(client.authz.AuthorizeBatch, authz.AuthorizeBatchRequest(
        requests=[client.pay_request("acct", 1) for _ in range(1001)]))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
