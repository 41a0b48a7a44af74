"""Bad input gets INVALID_ARGUMENT with google.rpc.BadRequest field violations and changes
nothing; unknown accounts get NOT_FOUND."""

from __future__ import annotations

import math

import grpc
import pytest
from google.protobuf import descriptor_pool

from authcore.decision import columns, validation
from authcore.decision.policy import default_policy
from authcore.api.server import SERVICE_NAMES
from authcore.v1 import (
    account_pb2, admin_pb2, authorization_pb2 as authz, common_pb2 as c, credit_pb2, credit_pb2_grpc, diagnostics_pb2,
    installment_pb2,
)

from helpers import call_error, details, error_reason, violated_fields
from test_scorecard import small_card

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
    records_before = engine.journal.record_count()
    error = call_error(client.authz.Authorize, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in violated_fields(error)
    assert engine.journal.record_count() == records_before
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
    assert engine.journal.record_count() == 0


def test_currency_and_zone_are_fixed_after_creation(client):
    client.upsert("acct", 100_000)
    error = call_error(client.upsert, "acct", 100_000, currency="USD", time_zone="UTC")
    assert set(violated_fields(error)) == {"currency", "time_zone"}


# -- every method, every field ------------------------------------------------------------------

def policy_with(change) -> admin_pb2.SetPolicyRequest:
    policy = default_policy()
    policy.version = "bad-1"
    change(policy)
    return admin_pb2.SetPolicyRequest(request_id="r", policy=policy)


def card_with(change) -> admin_pb2.SetScorecardRequest:
    card = small_card()
    change(card)
    return admin_pb2.SetScorecardRequest(request_id="r", scorecard=card)


def auto(**setting) -> installment_pb2.SetAutoInstallmentRequest:
    return installment_pb2.SetAutoInstallmentRequest(request_id="r", account_id="a",
                                                     setting=installment_pb2.AutoInstallment(**setting))


ADMIN, INSTALLMENTS, DIAGNOSTICS = "/authcore.v1.AdminService/", "/authcore.v1.InstallmentService/", \
    "/authcore.v1.DiagnosticsService/"
# name, method path, request, the field that must be named: the bounds added by the audit
BAD_ADDED = [
    ("policy-four-tiers", ADMIN + "SetPolicy", policy_with(lambda p: p.tiers.add().CopyFrom(p.tiers[0])),
     "policy.tiers"),
    ("policy-plan-tier-twice", ADMIN + "SetPolicy",
     policy_with(lambda p: p.installments.plans[0].tiers.extend([c.TIER_NEW, c.TIER_NEW])),
     "policy.installments.plans[0].tiers"),
    ("policy-plan-many-tiers", ADMIN + "SetPolicy",
     policy_with(lambda p: p.installments.plans[0].tiers.extend([c.TIER_NEW] * 10_000)),
     "policy.installments.plans[0].tiers"),
    ("policy-installment-channel-twice", ADMIN + "SetPolicy",
     policy_with(lambda p: p.installments.channels.extend([W, W])), "policy.installments.channels"),
    ("scorecard-long-label", ADMIN + "SetScorecard",
     card_with(lambda card: setattr(card.variables[0].bins[0], "label", "l" * 1_025)),
     "scorecard.variables[0].bins[0].label"),
    ("scorecard-many-ranges", ADMIN + "SetScorecard",
     card_with(lambda card: card.variables[0].bins[0].ranges.extend(
         [credit_pb2.NumericRange(lower=i, upper=i + 0.5) for i in range(-200, -99)])),
     "scorecard.variables[0].bins[0].ranges"),
    ("scorecard-many-categories", ADMIN + "SetScorecard",
     card_with(lambda card: card.variables[1].bins[1].categories.extend(f"c{i}" for i in range(1_001))),
     "scorecard.variables[1].bins[1].categories"),
    ("scorecard-long-category", ADMIN + "SetScorecard",
     card_with(lambda card: card.variables[1].bins[1].categories.append("c" * 257)),
     "scorecard.variables[1].bins[1].categories"),
    ("scorecard-many-bands", ADMIN + "SetScorecard",
     card_with(lambda card: card.bands.extend(
         credit_pb2.CreditBand(min_score=400 - i, tier=c.TIER_NEW, credit_limit_minor=1) for i in range(100))),
     "scorecard.bands"),
    ("auto-off-negative-term", INSTALLMENTS + "SetAutoInstallment", auto(enabled=False, term_months=-1),
     "setting.term_months"),
    ("auto-off-negative-threshold", INSTALLMENTS + "SetAutoInstallment", auto(enabled=False, threshold_minor=-5),
     "setting.threshold_minor"),
    ("upsert-zone-folder", ADMIN + "UpsertAccount",
     admin_pb2.UpsertAccountRequest(request_id="r", account_id="a", time_zone="America"), "time_zone"),
    ("upsert-zone-not-a-zone", ADMIN + "UpsertAccount",
     admin_pb2.UpsertAccountRequest(request_id="r", account_id="a", time_zone="zone.tab"), "time_zone"),
    ("echo-negative-response", DIAGNOSTICS + "Echo", diagnostics_pb2.EchoRequest(response_bytes=-1),
     "response_bytes"),
    ("echo-large-payload", DIAGNOSTICS + "Echo", diagnostics_pb2.EchoRequest(payload=bytes(1024 * 1024 + 1)),
     "payload"),
]


@pytest.mark.parametrize("name, path, request_message, field", BAD_ADDED, ids=[b[0] for b in BAD_ADDED])
def test_bounds_of_every_field(client, engine, name, path, request_message, field):
    call = client.channel.unary_unary(path, request_serializer=None, response_deserializer=None)
    error = call_error(call, request_message.SerializeToString(), timeout=10)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in violated_fields(error)
    assert engine.journal.record_count() == 0


def unary_paths() -> list[str]:
    pool = descriptor_pool.Default()
    return [f"/{name}/{m.name}" for name in SERVICE_NAMES for m in pool.FindServiceByName(name).methods
            if not (m.client_streaming or m.server_streaming)]


@pytest.mark.parametrize("path", unary_paths())
def test_undecodable_bytes_are_invalid_argument(client, engine, path):
    """Bytes that are no protobuf message (a varint cut short, a tag too long, a field longer
    than the message) are the caller's error: INVALID_ARGUMENT, reason MALFORMED_REQUEST, with a
    violation of the request as a whole."""
    call = client.channel.unary_unary(path, request_serializer=None, response_deserializer=None)
    for data in (b"\x08", b"\xff" * 11, b"\x0a\x05ab"):
        error = call_error(call, data, timeout=10)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, data
        assert error_reason(error) == "MALFORMED_REQUEST"
        assert violated_fields(error) == [""]
    assert engine.journal.record_count() == 0


def test_a_long_list_of_violations_fits_the_trailers(client):
    """Hundreds of violations are listed as far as they fit, then counted: the status stays
    within what a client accepts in trailing metadata."""
    request = credit_pb2.AssessCreditRequest(applicant_id="ap", attributes=[
        credit_pb2.ApplicantAttribute(name=f"{i:0128d}", number=math.nan) for i in range(200)])
    error = call_error(credit_pb2_grpc.CreditServiceStub(client.channel).AssessCredit, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = details(error)["BadRequest"].field_violations
    assert violations[0].field == "attributes[0].number"
    assert 10 < len(violations) < 200 and violations[-1].description.startswith("and ")
    assert int(violations[-1].description.split()[1]) + len(violations) - 1 == 200


# One bad value, as a unary request and as the third payment of a bulk chunk: the field each
# names. The chunk has one request_id and one currency for all of its payments.
SAME_RULE = [
    ("no-request-id", {"request_id": ""}, "request_id", "request_id"),
    ("long-request-id", {"request_id": "r" * 129}, "request_id", "request_id"),
    ("no-account-id", {"account_id": ""}, "account_id", "account_ids[2]"),
    ("long-account-id", {"account_id": "a" * 65}, "account_id", "account_ids[2]"),
    ("odd-account-id", {"account_id": "a b"}, "account_id", "account_ids[2]"),
    ("no-channel", {"channel": 0}, "channel", "channels[2]"),
    ("unknown-channel", {"channel": 9}, "channel", "channels[2]"),
    ("zero-amount", {"amount_minor": 0}, "amount_minor", "amounts_minor[2]"),
    ("negative-amount", {"amount_minor": -100}, "amount_minor", "amounts_minor[2]"),
    ("huge-amount", {"amount_minor": 10**15 + 1}, "amount_minor", "amounts_minor[2]"),
    ("no-currency", {"currency": ""}, "currency", "currency"),
    ("unknown-currency", {"currency": "XYZ"}, "currency", "currency"),
    ("no-merchant", {"merchant": authz.Merchant(mcc="5411")}, "merchant.merchant_id", "merchant_ids[2]"),
    ("odd-merchant", {"merchant": authz.Merchant(merchant_id="-m", mcc="5411")}, "merchant.merchant_id",
     "merchant_ids[2]"),
    ("bad-mcc", {"merchant": authz.Merchant(merchant_id="m", mcc="54A1")}, "merchant.mcc", "mccs[2]"),
    ("bad-country", {"merchant": authz.Merchant(merchant_id="m", mcc="5411", country="XX")}, "merchant.country",
     "merchant_countries[2]"),
    ("qr-on-wallet", {"qr_code_type": c.QR_CODE_TYPE_STATIC}, "qr_code_type", "qr_code_types[2]"),
    ("scan-without-qr", {"channel": S, "qr_code_type": 0}, "qr_code_type", "qr_code_types[2]"),
    ("unknown-factor", {"verification": authz.Verification(factors=[7])}, "verification.factors",
     "verification_factor_bits[2]"),
    ("long-device", {"device": authz.Device(device_id="d" * 129)}, "device.device_id", "device_ids[2]"),
    ("bad-ip", {"device": authz.Device(ip="999.1.1.1")}, "device.ip", "ips[2]"),
    ("long-ip", {"device": authz.Device(ip="1" * 46)}, "device.ip", "ips[2]"),
    ("north-of-the-pole", {"device": authz.Device(latitude=91)}, "device.latitude", "latitudes[2]"),
    ("nan-latitude", {"device": authz.Device(latitude=math.nan)}, "device.latitude", "latitudes[2]"),
    ("west-of-the-date-line", {"device": authz.Device(longitude=-180.5)}, "device.longitude", "longitudes[2]"),
    ("infinite-longitude", {"device": authz.Device(longitude=math.inf)}, "device.longitude", "longitudes[2]"),
]


def _violations(error: grpc.RpcError) -> list[tuple[str, str]]:
    return [(v.field, v.description) for v in details(error)["BadRequest"].field_violations]


@pytest.mark.parametrize("name, changes, field, column", SAME_RULE, ids=[case[0] for case in SAME_RULE])
def test_a_bad_value_breaks_the_same_rule_in_authorize_and_in_a_bulk_chunk(client, name, changes, field, column):
    bad = client.pay_request("acct", 1_000, changes.get("channel", W))
    for key, value in changes.items():
        if isinstance(value, (authz.Merchant, authz.Verification, authz.Device)):
            getattr(bad, key).CopyFrom(value)
        else:
            setattr(bad, key, value)
    unary = _violations(call_error(client.authz.Authorize, bad))
    assert [f for f, _ in unary] == [field]
    good = [client.pay_request("acct", 1_000, channel, currency=bad.currency) for channel in (W, S)]
    chunk = columns.bulk_request(bad.request_id, [*good, bad])
    bulk = _violations(call_error(client.authz.AuthorizeBulk, chunk))
    assert bulk == [(column, unary[0][1])]  # the same message


def test_every_rule_a_chunk_has_a_column_for_is_compared_with_authorize():
    compared = {(field, column.split("[")[0]) for _, _, field, column in SAME_RULE}
    rules = {(rule.field, rule.column) for rule in validation.PAYMENT_RULES if rule.column is not None}
    assert rules == compared
