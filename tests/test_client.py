"""authcore.client against real servers: the payment lifecycle sync and asyncio, request ids made
when missing, default deadlines, retries of UNAVAILABLE only where safe and with the same
request_id, typed errors carrying the reason and details, and mutual TLS."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent import futures

import grpc
import pytest

from authcore import client as ac
from authcore.api.admission import Admission, Limits
from authcore.tools.certs import make_certs
from authcore.engine import Engine
from authcore.api.gate import GateInterceptor
from authcore.api.identity import TlsFiles
from authcore.api.server import create_server
from authcore.journal.store import Journal
from authcore.v1 import admin_pb2, authorization_pb2 as authz, common_pb2 as c

MERCHANT = authz.Merchant(merchant_id="m-1", mcc="5411", country="CN")


@pytest.fixture
def target(service):
    return f"127.0.0.1:{service.port}"


def open_account(client: ac.Client, account_id: str, limit_minor: int = 1_000_000) -> None:
    client.call("UpsertAccount", account_id=account_id, credit_limit_minor=limit_minor, tier=c.TIER_STANDARD)


def pay(client: ac.Client, account_id: str, amount_minor: int, **fields) -> authz.AuthorizeResponse:
    return client.authorize(account_id=account_id, channel=c.CHANNEL_WALLET, amount_minor=amount_minor,
                            currency="CNY", merchant=MERCHANT, **fields)


def test_authorize_capture_refund_with_request_ids_made_by_the_client(target):
    with ac.Client(target) as client:
        open_account(client, "acct-1")
        answer = pay(client, "acct-1", 12_345)
        assert answer.decision == c.DECISION_APPROVED  # the server refuses a request without an id
        captured = client.capture(authorization_id=answer.authorization_id, amount_minor=12_345, currency="CNY")
        refunded = client.refund(authorization_id=answer.authorization_id, amount_minor=2_345, currency="CNY")
        account = client.get_account(account_id="acct-1").account
        assert captured.captured_minor == 12_345 and refunded.refunded_minor == 2_345
        assert account.available_credit_minor == 1_000_000 - 10_000


def test_the_callers_request_is_left_as_it_was_and_a_given_request_id_kept(target):
    with ac.Client(target) as client:
        open_account(client, "acct-1")
        request = authz.AuthorizeRequest(account_id="acct-1", channel=c.CHANNEL_WALLET, amount_minor=100,
                                         currency="CNY", merchant=MERCHANT)
        first = client.authorize(request)
        assert request.request_id == ""  # not written into the caller's message
        request.request_id = "mine-1"
        # Two calls without an id are two payments; the same id twice is one.
        assert client.authorize(request).authorization_id == client.authorize(request).authorization_id
        assert first.authorization_id != client.authorize(request).authorization_id
        with pytest.raises(TypeError):
            client.authorize(request, amount_minor=5)
        with pytest.raises(TypeError):
            client.authorize(admin_pb2.GetPolicyRequest())


def test_a_batch_gets_an_id_for_each_payment_that_has_none(target):
    with ac.Client(target) as client:
        open_account(client, "acct-1")
        items = [authz.AuthorizeRequest(account_id="acct-1", channel=c.CHANNEL_WALLET, amount_minor=100 + i,
                                        currency="CNY", merchant=MERCHANT) for i in range(3)]
        items[1].request_id = "given"
        batch = authz.AuthorizeBatchRequest(requests=items)
        results = client.authorize_batch(batch).results
        assert [r.response.decision for r in results] == [c.DECISION_APPROVED] * 3
        assert len({r.response.authorization_id for r in results}) == 3
        assert [item.request_id for item in batch.requests] == ["", "given", ""]  # the caller's, unchanged
        # Sent again: "given" is answered from its first time, the other two are new payments.
        again = client.authorize_batch(batch).results
        assert again[1].response.authorization_id == results[1].response.authorization_id
        assert again[0].response.authorization_id != results[0].response.authorization_id


def test_typed_errors_carry_the_reason_and_the_details(target):
    with ac.Client(target) as client:
        open_account(client, "acct-1")
        with pytest.raises(ac.InvalidArgument) as bad:
            pay(client, "acct-1", -5)
        assert bad.value.code == grpc.StatusCode.INVALID_ARGUMENT
        assert "amount_minor" in [v.field for v in bad.value.field_violations]
        assert bad.value.request_id  # the id the client made, to retry with
        with pytest.raises(ac.NotFound) as missing:
            pay(client, "nobody", 100)
        assert missing.value.reason == "ACCOUNT_NOT_FOUND" and missing.value.resource == ("account", "nobody")
        pay(client, "acct-1", 100, request_id="once")
        with pytest.raises(ac.AlreadyExists) as reused:
            pay(client, "acct-1", 200, request_id="once")
        assert reused.value.reason == "REQUEST_ID_REUSED" and reused.value.request_id == "once"
        assert isinstance(reused.value, ac.AuthcoreError) and "REQUEST_ID_REUSED" not in str(ac.AuthcoreError)


def test_a_refusal_for_rate_says_when_to_come_back(tmp_path):
    engine = Engine(Journal(tmp_path / "data"), default_model=False)
    admission = Admission(Limits(rate_per_s=1, burst=1))
    service = create_server(engine, "127.0.0.1:0", expiry_interval_s=3600,
                            interceptors=(GateInterceptor(None, admission),)).start()
    try:
        with ac.Client(f"127.0.0.1:{service.port}") as client:
            open_account(client, "acct-1")
            with pytest.raises(ac.ResourceExhausted) as limited:
                pay(client, "acct-1", 100)
            assert limited.value.reason == "RATE_LIMITED"
            assert 0 < limited.value.retry_after_s <= 2
            assert limited.value.quota_violations[0][0] == "identity:plaintext"
    finally:
        service.stop(grace_s=1)


def test_the_asyncio_client_runs_the_same_lifecycle(target):
    async def lifecycle():
        async with ac.AsyncClient(target) as client:
            await client.call("UpsertAccount", account_id="acct-a", credit_limit_minor=50_000, tier=c.TIER_STANDARD)
            answer = await client.authorize(account_id="acct-a", channel=c.CHANNEL_WALLET, amount_minor=20_000,
                                            currency="CNY", merchant=MERCHANT)
            await client.capture(authorization_id=answer.authorization_id, amount_minor=20_000, currency="CNY")
            await client.refund(authorization_id=answer.authorization_id, amount_minor=20_000, currency="CNY")
            concurrent = await asyncio.gather(*(client.authorize(
                account_id="acct-a", channel=c.CHANNEL_WALLET, amount_minor=20_000, currency="CNY",
                merchant=MERCHANT) for _ in range(4)))
            with pytest.raises(ac.NotFound):
                await client.get_account(account_id="nobody")
            return answer, concurrent, (await client.get_account(account_id="acct-a")).account

    answer, concurrent, account = asyncio.run(lifecycle())
    assert answer.decision == c.DECISION_APPROVED
    # 50,000 of credit: two of the four 20,000 payments fit.
    assert sorted(a.decision for a in concurrent).count(c.DECISION_APPROVED) == 2
    assert account.available_credit_minor == 10_000


class Flaky:
    """A fake AuthorizationService and AdminService: each method answers UNAVAILABLE `failures`
    times, then OK (or sleeps); every attempt's request_id is kept."""

    def __init__(self, failures: int = 0, sleep_s: float = 0.0, code=grpc.StatusCode.UNAVAILABLE):
        self.failures, self.sleep_s, self.code = failures, sleep_s, code
        self.seen: list[str] = []
        self._lock = threading.Lock()
        self.server = grpc.server(futures.ThreadPoolExecutor(4))
        handlers = {
            "Authorize": grpc.unary_unary_rpc_method_handler(
                self._authorize, request_deserializer=authz.AuthorizeRequest.FromString,
                response_serializer=authz.AuthorizeResponse.SerializeToString)}
        admin = {"SetShadow": grpc.unary_unary_rpc_method_handler(
            self._shadow, request_deserializer=admin_pb2.SetShadowRequest.FromString,
            response_serializer=admin_pb2.SetShadowResponse.SerializeToString)}
        self.server.add_generic_rpc_handlers((
            grpc.method_handlers_generic_handler("authcore.v1.AuthorizationService", handlers),
            grpc.method_handlers_generic_handler("authcore.v1.AdminService", admin)))
        self.target = f"127.0.0.1:{self.server.add_insecure_port('127.0.0.1:0')}"
        self.server.start()

    def _fail_or_pass(self, request_id: str, context) -> None:
        with self._lock:
            self.seen.append(request_id)
            failing = len(self.seen) <= self.failures
        if failing:
            context.abort(self.code, "try again")
        time.sleep(self.sleep_s)

    def _authorize(self, request, context):
        self._fail_or_pass(request.request_id, context)
        return authz.AuthorizeResponse(authorization_id=request.request_id, decision=c.DECISION_APPROVED)

    def _shadow(self, request, context):
        self._fail_or_pass("", context)
        return admin_pb2.SetShadowResponse()

    def close(self):
        self.server.stop(0)


@pytest.fixture
def flaky(request):
    server = Flaky(**getattr(request, "param", {}))
    yield server
    server.close()


@pytest.mark.parametrize("flaky", [{"failures": 2}], indirect=True)
def test_unavailable_is_retried_with_the_same_request_id(flaky):
    with ac.Client(flaky.target) as client:
        answer = client.authorize(account_id="a", channel=c.CHANNEL_WALLET, amount_minor=1, currency="CNY")
    assert answer.decision == c.DECISION_APPROVED
    assert len(flaky.seen) == 3 and len(set(flaky.seen)) == 1 and flaky.seen[0] == answer.authorization_id


@pytest.mark.parametrize("flaky", [{"failures": 2}], indirect=True)
def test_the_asyncio_client_retries_as_well(flaky):
    async def once():
        async with ac.AsyncClient(flaky.target) as client:
            return await client.authorize(account_id="a", channel=c.CHANNEL_WALLET, amount_minor=1, currency="CNY")

    answer = asyncio.run(once())
    assert flaky.seen == [answer.authorization_id] * 3


@pytest.mark.parametrize("flaky", [{"failures": 10}], indirect=True)
def test_retries_are_bounded_and_the_last_error_raised(flaky):
    with ac.Client(flaky.target, retries=ac.Retries(max_attempts=3, initial_backoff_s=0.01)) as client:
        with pytest.raises(ac.Unavailable) as raised:
            client.authorize(account_id="a", channel=c.CHANNEL_WALLET, amount_minor=1, currency="CNY")
    assert len(flaky.seen) == 3 and raised.value.request_id == flaky.seen[0]


@pytest.mark.parametrize("flaky", [{"failures": 1}], indirect=True)
def test_a_method_without_request_id_is_not_retried(flaky):
    with ac.Client(flaky.target) as client:
        with pytest.raises(ac.Unavailable):
            client.call("SetShadow", admin_pb2.SetShadowRequest())
    assert len(flaky.seen) == 1


@pytest.mark.parametrize("flaky", [{"failures": 1, "code": grpc.StatusCode.INTERNAL}], indirect=True)
def test_other_failures_are_not_retried(flaky):
    with ac.Client(flaky.target) as client:
        with pytest.raises(ac.Internal):
            client.authorize(account_id="a", channel=c.CHANNEL_WALLET, amount_minor=1, currency="CNY")
    assert len(flaky.seen) == 1


@pytest.mark.parametrize("flaky", [{"failures": 1}], indirect=True)
def test_no_retries_when_turned_off(flaky):
    with ac.Client(flaky.target, retries=ac.NO_RETRIES) as client:
        with pytest.raises(ac.Unavailable):
            client.authorize(account_id="a", channel=c.CHANNEL_WALLET, amount_minor=1, currency="CNY")
    assert len(flaky.seen) == 1


@pytest.mark.parametrize("flaky", [{"sleep_s": 3.0}], indirect=True)
def test_every_call_has_a_deadline_by_default(flaky):
    with ac.Client(flaky.target, timeout=0.3) as client:
        started = time.monotonic()
        with pytest.raises(ac.DeadlineExceeded) as raised:
            client.authorize(account_id="a", channel=c.CHANNEL_WALLET, amount_minor=1, currency="CNY")
        assert time.monotonic() - started < 2.5  # the default, not the server's 3 s
        assert raised.value.request_id == flaky.seen[0]
        with pytest.raises(ValueError):
            ac.Client(flaky.target, timeout=0)
    assert ac.Client(flaky.target).timeout == ac.DEFAULT_TIMEOUT_S


def test_a_server_that_is_not_there_is_unavailable_quickly():
    with ac.Client("127.0.0.1:1", retries=ac.Retries(max_attempts=2, initial_backoff_s=0.01)) as client:
        with pytest.raises(ac.Unavailable):
            client.get_account(account_id="a", timeout=5)


def test_mutual_tls_names_the_channel_and_admin_stays_admin(tmp_path):
    certs = tmp_path / "certs"
    make_certs(certs)
    tls = TlsFiles(str(certs / "server.pem"), str(certs / "server-key.pem"), str(certs / "ca.pem"))
    engine = Engine(Journal(tmp_path / "data"), default_model=False)
    service = create_server(engine, "127.0.0.1:0", expiry_interval_s=3600, interceptors=(GateInterceptor("tls"),),
                            credentials=tls.server_credentials()).start()
    target = f"localhost:{service.port}"
    try:
        with ac.Client(target, tls=ac.Tls.from_dir(certs, "admin")) as admin:
            open_account(admin, "acct-1")
        with ac.Client(target, tls=ac.Tls.from_dir(certs, "wallet")) as wallet:
            assert pay(wallet, "acct-1", 100).decision == c.DECISION_APPROVED
            with pytest.raises(ac.PermissionDenied):
                open_account(wallet, "acct-2")
        # By IP, with the certificate checked against the name it was made for.
        with ac.Client(f"127.0.0.1:{service.port}", tls=ac.Tls.from_dir(certs, "wallet", server_name="localhost")) as w:
            assert pay(w, "acct-1", 100).decision == c.DECISION_APPROVED
        with ac.Client(target, retries=ac.NO_RETRIES) as plaintext:
            with pytest.raises(ac.Unavailable):
                pay(plaintext, "acct-1", 100, timeout=5)
    finally:
        service.stop(grace_s=1)
