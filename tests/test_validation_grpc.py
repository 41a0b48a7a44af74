"""Bad input gets INVALID_ARGUMENT with google.rpc.BadRequest field violations and changes
nothing; unknown accounts get NOT_FOUND."""

from __future__ import annotations

import grpc
import pytest

from authcore.v1 import account_pb2, admin_pb2, authorization_pb2 as authz, common_pb2 as c

from helpers import call_error, details, violated_fields

W, S, Q = c.CHANNEL_WALLET, c.CHANNEL_SCAN_TO_PAY, c.CHANNEL_QUICK_PAY

# name, changes to a valid wallet request, the field that must be named
BAD_AUTHORIZE = [
    ("zero-amount", {"amount_minor": 0}, "amount_minor"),
    ("negative-amount", {"amount_minor": -100}, "amount_minor"),
    ("huge-amount", {"amount_minor": 10**16}, "amount_minor"),
    ("no-channel", {"channel": 0}, "channel"),
    ("unknown-channel", {"channel": 9}, "channel"),
    ("no-currency", {"currency": ""}, "currency"),
    ("unknown-currency", {"currency": "XYZ"}, "currency"),
    ("lowercase-currency", {"currency": "cny"}, "currency"),
    ("no-request-id", {"request_id": ""}, "request_id"),
    ("long-request-id", {"request_id": "r" * 129}, "request_id"),
    ("no-account-id", {"account_id": ""}, "account_id"),
    ("long-account-id", {"account_id": "a" * 65}, "account_id"),
    ("odd-account-id", {"account_id": "a b"}, "account_id"),
    ("no-merchant", {"merchant": authz.Merchant()}, "merchant.merchant_id"),
    ("bad-mcc", {"merchant": authz.Merchant(merchant_id="m", mcc="54A1")}, "merchant.mcc"),
    ("bad-country", {"merchant": authz.Merchant(merchant_id="m", mcc="5411", country="XX")}, "merchant.country"),
    ("qr-on-wallet", {"qr_code_type": c.QR_CODE_TYPE_STATIC}, "qr_code_type"),
    ("scan-without-qr", {"channel": S, "qr_code_type": 0}, "qr_code_type"),
    ("unknown-factor", {"verification": authz.Verification(factors=[7])}, "verification.factors"),
    ("too-many-factors", {"verification": authz.Verification(factors=[1] * 9)}, "verification.factors"),
    ("bad-ip", {"device": authz.Device(ip="999.1.1.1")}, "device.ip"),
    ("long-device", {"device": authz.Device(device_id="d" * 129)}, "device.device_id"),
    ("bad-latitude", {"device": authz.Device(latitude=91)}, "device.latitude"),
    ("nan-longitude", {"device": authz.Device(longitude=float("nan"))}, "device.longitude"),
]


@pytest.mark.parametrize("name, changes, field", BAD_AUTHORIZE, ids=[b[0] for b in BAD_AUTHORIZE])
def test_bad_authorize_is_invalid_argument(client, engine, name, changes, field):
    client.upsert("acct", 100_000, tier=c.TIER_STANDARD)
    request = client.pay_request("acct", 1_000)
    for key, value in changes.items():
        if isinstance(value, (authz.Merchant, authz.Verification, authz.Device)):
            getattr(request, key).CopyFrom(value)
        else:
            setattr(request, key, value)
    records_before = engine.journal.db.execute("SELECT count(*) FROM journal").fetchone()
    error = call_error(client.authz.Authorize, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in violated_fields(error)
    assert engine.journal.db.execute("SELECT count(*) FROM journal").fetchone() == records_before
    assert engine.ledger.available(engine.ledger.slot_of["acct"]) == 100_000


def test_every_violation_is_reported_at_once(client):
    error = call_error(client.authz.Authorize, authz.AuthorizeRequest())
    assert {"request_id", "account_id", "channel", "amount_minor", "currency", "merchant.merchant_id",
            "merchant.mcc"} <= set(violated_fields(error))


def test_unknown_account_is_not_found(client):
    error = call_error(client.pay, "nobody", 100)
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert details(error)["ResourceInfo"].resource_name == "nobody"
    error = call_error(client.accounts.GetAccount, account_pb2.GetAccountRequest(account_id="nobody"))
    assert error.code() == grpc.StatusCode.NOT_FOUND


BAD_OTHER = [
    ("capture-no-id", "Capture", authz.CaptureRequest(request_id="r", currency="CNY"), "authorization_id"),
    ("capture-zero", "Capture", authz.CaptureRequest(request_id="r", authorization_id="au", amount_minor=0,
                                                     currency="CNY"), "amount_minor"),
    ("refund-negative", "Refund", authz.RefundRequest(request_id="r", authorization_id="au", amount_minor=-1,
                                                      currency="CNY"), "amount_minor"),
    ("void-no-request-id", "Void", authz.VoidRequest(authorization_id="au"), "request_id"),
    ("repay-no-currency", "Repay", account_pb2.RepayRequest(request_id="r", account_id="a", amount_minor=1),
     "currency"),
    ("upsert-negative-limit", "UpsertAccount", admin_pb2.UpsertAccountRequest(
        request_id="r", account_id="a", credit_limit_minor=-1), "credit_limit_minor"),
    ("upsert-bad-status", "UpsertAccount", admin_pb2.UpsertAccountRequest(
        request_id="r", account_id="a", status=9), "status"),
    ("upsert-bad-zone", "UpsertAccount", admin_pb2.UpsertAccountRequest(
        request_id="r", account_id="a", time_zone="Mars/Base"), "time_zone"),
    ("upsert-dst-zone", "UpsertAccount", admin_pb2.UpsertAccountRequest(
        request_id="r", account_id="a", time_zone="Europe/Berlin"), "time_zone"),
    ("upsert-static-above-pboc", "UpsertAccount", admin_pb2.UpsertAccountRequest(
        request_id="r", account_id="a", limit_overrides=c.LimitProfile(scan_static_qr_daily_minor=50_001)),
     "limit_overrides.scan_static_qr_daily_minor"),
    ("upsert-quick-above-unionpay", "UpsertAccount", admin_pb2.UpsertAccountRequest(
        request_id="r", account_id="a",
        limit_overrides=c.LimitProfile(quick_pay_no_verification_per_transaction_minor=100_001)),
     "limit_overrides.quick_pay_no_verification_per_transaction_minor"),
    ("upsert-duplicate-channel", "UpsertAccount", admin_pb2.UpsertAccountRequest(
        request_id="r", account_id="a", limit_overrides=c.LimitProfile(
            channels=[c.ChannelLimits(channel=W), c.ChannelLimits(channel=W)])), "limit_overrides.channels[1].channel"),
    ("set-policy-missing", "SetPolicy", admin_pb2.SetPolicyRequest(request_id="r"), "policy"),
]


@pytest.mark.parametrize("name, rpc, request_message, field", BAD_OTHER, ids=[b[0] for b in BAD_OTHER])
def test_bad_requests_of_other_rpcs(client, engine, name, rpc, request_message, field):
    method = {"Capture": client.authz.Capture, "Refund": client.authz.Refund, "Void": client.authz.Void,
              "Repay": client.accounts.Repay, "UpsertAccount": client.admin.UpsertAccount,
              "SetPolicy": client.admin.SetPolicy}[rpc]
    error = call_error(method, request_message)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in violated_fields(error)
    assert engine.journal.db.execute("SELECT count(*) FROM journal").fetchone() == (0,)


def test_currency_and_zone_are_fixed_after_creation(client):
    client.upsert("acct", 100_000)
    error = call_error(client.upsert, "acct", 100_000, currency="USD", time_zone="UTC")
    assert set(violated_fields(error)) == {"currency", "time_zone"}
