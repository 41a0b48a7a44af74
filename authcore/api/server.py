"""gRPC servicers (proto in, engine, proto out), the one place errors become gRPC statuses,
health and reflection, and create_server(address) -> (server, port)."""

from __future__ import annotations

import functools
import logging
import threading
import time
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from authcore.api import identity
from authcore.api.events import ClusterServicer, EventServicer, EventSource, Watchers, watchers_for
from authcore.decision import validation
from authcore.api.decoding import DecodingRegistrar, decoded
from authcore.engine import WRITE_ERRORS, Engine
from authcore.errors import AuthcoreError, abort_with
from authcore.observability import events
from authcore.v1 import (
    account_pb2, account_pb2_grpc, admin_pb2, admin_pb2_grpc, authorization_pb2, authorization_pb2_grpc, credit_pb2,
    credit_pb2_grpc, diagnostics_pb2, diagnostics_pb2_grpc, events_pb2, events_pb2_grpc, installment_pb2,
    installment_pb2_grpc,
)

log = logging.getLogger("authcore.server")
REPLAYED = (("authcore-replayed", "true"),)
SERVER_TIME_KEY = "authcore-server-us"
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
SERVICE_NAMES = (
    authorization_pb2.DESCRIPTOR.services_by_name["AuthorizationService"].full_name,
    account_pb2.DESCRIPTOR.services_by_name["AccountService"].full_name,
    admin_pb2.DESCRIPTOR.services_by_name["AdminService"].full_name,
    credit_pb2.DESCRIPTOR.services_by_name["CreditService"].full_name,
    installment_pb2.DESCRIPTOR.services_by_name["InstallmentService"].full_name,
    diagnostics_pb2.DESCRIPTOR.services_by_name["DiagnosticsService"].full_name,
    events_pb2.DESCRIPTOR.services_by_name["EventService"].full_name,
    events_pb2.DESCRIPTOR.services_by_name["ClusterService"].full_name,
)


def _served(context, name: str, call, request=None):
    """call(); an AuthcoreError ends the call with its status and google.rpc details, anything
    unexpected with INTERNAL (the one place that turns a bug into a status). Both are logged,
    with request's identifiers as fields (masked by the log formatter)."""
    try:
        return call()
    except AuthcoreError as error:
        events.refused(name, error, request)
        abort_with(context, error)
    except Exception:  # noqa: BLE001
        log.exception("unexpected error in %s", name, extra=events.request_fields(request))
        context.abort(grpc.StatusCode.INTERNAL, "internal error; nothing was changed if the request is retried")


def rpc(method):
    """Run a servicer method through _served, and mark the server's time and replayed answers in
    the trailing metadata. A request that did not decode is refused before the method runs."""

    @functools.wraps(method)
    def wrapper(self, request, context):
        started = time.perf_counter_ns()
        result = _served(context, method.__name__, lambda: method(self, decoded(request), context), request)
        replayed = False
        if isinstance(result, tuple):
            result, replayed = result
        # The handler's time, from the parsed request to the response ready, for load tools.
        server_us = (SERVER_TIME_KEY, str((time.perf_counter_ns() - started) // 1000))
        context.set_trailing_metadata((server_us, *REPLAYED) if replayed else (server_us,))
        return result

    return wrapper


class AuthorizationServicer(authorization_pb2_grpc.AuthorizationServiceServicer):
    def __init__(self, engine: Engine):
        self.engine = engine

    @rpc
    def Authorize(self, request, context):
        identity.caller_channel_check(request.channel)
        # The answer's bytes as the compiled path wrote them: grpc sends them as they are.
        return self.engine.authorize_bytes(request, context.time_remaining())

    @rpc
    def AuthorizeBatch(self, request, context):
        identity.caller_channels_check([r.channel for r in request.requests])
        return self.engine.authorize_batch(request)

    @rpc
    def AuthorizeBulk(self, request, context):
        identity.caller_channels_check(request.channels)
        return self.engine.authorize_bulk(request)

    def AuthorizeStream(self, request_iterator, context):
        """Each chunk answered in order; a refused chunk ends the stream with its status."""
        for message in request_iterator:
            response, _ = _served(context, "AuthorizeStream", lambda: self._bulk_chunk(decoded(message).chunk))
            yield authorization_pb2.AuthorizeStreamResponse(chunk=response)

    def _bulk_chunk(self, chunk):
        identity.caller_channels_check(chunk.channels)
        return self.engine.authorize_bulk(chunk)

    @rpc
    def Capture(self, request, context):
        identity.caller_hold_check(self.engine.hold_channel(request.authorization_id))
        return self.engine.capture(request)

    @rpc
    def Void(self, request, context):
        identity.caller_hold_check(self.engine.hold_channel(request.authorization_id))
        return self.engine.void(request)

    @rpc
    def Refund(self, request, context):
        identity.caller_hold_check(self.engine.hold_channel(request.authorization_id))
        return self.engine.refund(request)


class AccountServicer(account_pb2_grpc.AccountServiceServicer):
    def __init__(self, engine: Engine):
        self.engine = engine

    @rpc
    def GetAccount(self, request, context):
        return self.engine.get_account(request)

    @rpc
    def Repay(self, request, context):
        return self.engine.repay(request)


class AdminServicer(admin_pb2_grpc.AdminServiceServicer):
    def __init__(self, engine: Engine):
        self.engine = engine

    @rpc
    def UpsertAccount(self, request, context):
        return self.engine.upsert_account(request)

    def ImportAccounts(self, request_iterator, context):
        """Each chunk applied in order; the first refused one ends the stream, its error in the
        answer (see admin.proto)."""
        return _served(context, "ImportAccounts", lambda: self.engine.import_accounts(map(decoded, request_iterator)))

    @rpc
    def GetPolicy(self, request, context):
        return self.engine.get_policy()

    @rpc
    def SetPolicy(self, request, context):
        answer = self.engine.set_policy(request)
        events.activated("policy", answer[0].policy.version, request.request_id, replayed=answer[1])
        return answer

    @rpc
    def SetRiskModel(self, request, context):
        answer = self.engine.set_risk_model(request)
        events.activated("risk model", answer[0].model.version, request.request_id, replayed=answer[1])
        return answer

    @rpc
    def GetRiskModel(self, request, context):
        return self.engine.get_risk_model()

    @rpc
    def SetScorecard(self, request, context):
        answer = self.engine.set_scorecard(request)
        events.activated("scorecard", answer[0].scorecard.version, request.request_id, replayed=answer[1])
        return answer

    @rpc
    def GetScorecard(self, request, context):
        return self.engine.get_scorecard()

    @rpc
    def ListVersions(self, request, context):
        return self.engine.list_versions(request)

    @rpc
    def GetVersion(self, request, context):
        return self.engine.get_version(request)

    @rpc
    def ActivateVersion(self, request, context):
        answer = self.engine.activate_version(request)
        kind = admin_pb2.VersionKind.Name(request.kind).removeprefix("VERSION_KIND_").lower().replace("_", " ")
        events.activated(kind, request.version, request.request_id, replayed=answer[1])
        return answer

    @rpc
    def SetShadow(self, request, context):
        return self.engine.set_shadow(request)

    @rpc
    def ClearShadow(self, request, context):
        return self.engine.clear_shadow()

    @rpc
    def GetShadowReport(self, request, context):
        return self.engine.get_shadow_report()


class InstallmentServicer(installment_pb2_grpc.InstallmentServiceServicer):
    def __init__(self, engine: Engine):
        self.engine = engine

    @rpc
    def QuoteInstallments(self, request, context):
        return self.engine.quote_installments(request)

    @rpc
    def SetAutoInstallment(self, request, context):
        return self.engine.set_auto_installment(request)

    @rpc
    def GetAutoInstallment(self, request, context):
        return self.engine.get_auto_installment(request)


MAX_ECHO_BYTES = validation.MAX_ECHO_BYTES


class DiagnosticsServicer(diagnostics_pb2_grpc.DiagnosticsServiceServicer):
    """The transport floor: no engine, no lock, no journal."""

    def Echo(self, request, context):
        _served(context, "Echo", lambda: validation.validate_echo(decoded(request)))
        return diagnostics_pb2.EchoResponse(payload=bytes(request.response_bytes))


class CreditServicer(credit_pb2_grpc.CreditServiceServicer):
    def __init__(self, engine: Engine):
        self.engine = engine

    @rpc
    def AssessCredit(self, request, context):
        return self.engine.assess_credit(request)


class Service:
    """A running server with its health servicer and hold-expiry sweeper."""

    def __init__(self, server: grpc.Server, port: int, engine: Engine, health_servicer: health.HealthServicer,
                 expiry_interval_s: float, snapshot_every_records: int, events: EventSource | None = None):
        self.server = server
        self.port = port
        self.engine = engine
        # What WatchEvents reads (its journal, its partition, its bound on watchers).
        self.events = events
        self.health = health_servicer
        self._stop = threading.Event()
        self.snapshot_every_records = snapshot_every_records
        self._sweeper = threading.Thread(target=self._sweep, args=(expiry_interval_s,), name="hold-expiry",
                                         daemon=True)
        # NOT_SERVING while the journal cannot be written (every write would answer UNAVAILABLE),
        # so that load balancers route elsewhere; SERVING again after a write succeeds.
        engine.committer.on_writable = self._journal_writable

    def _journal_writable(self, writable: bool) -> None:
        status = health_pb2.HealthCheckResponse.SERVING if writable else health_pb2.HealthCheckResponse.NOT_SERVING
        if writable:
            log.warning("the journal can be written again; health SERVING")
        else:
            log.error("the journal cannot be written; health NOT_SERVING until a write succeeds")
        # After enter_graceful_shutdown the health servicer ignores set(): a stop stays NOT_SERVING.
        for name in ("", *SERVICE_NAMES):
            self.health.set(name, status)

    def start(self) -> "Service":
        self.server.start()
        self._sweeper.start()
        return self

    def _sweep(self, interval_s: float) -> None:
        while not self._stop.wait(interval_s):
            # Once traffic is routed away no caller writes: try a write here, so that health
            # turns SERVING by itself once space is back.
            if not self.engine.committer.writable and not self.engine.committer.probe(int(self.engine.clock())):
                continue
            try:
                while self.engine.owns_writes() and self.engine.expire_due():
                    pass
                started_s = time.perf_counter()
                if self.engine.maybe_snapshot(self.snapshot_every_records):
                    events.snapshot_written(self.engine.snapshot_seq, time.perf_counter() - started_s)
            except AuthcoreError:
                log.exception("hold expiry failed; retrying on the next sweep")
            except WRITE_ERRORS:
                log.exception("snapshot failed; retrying on the next sweep")
            self.engine.run_periodic()

    def stop(self, grace_s: float = 5.0, drain_delay_s: float = 0.0) -> None:
        """Graceful shutdown: report NOT_SERVING (and keep serving for drain_delay_s, while load
        balancers and health watchers take note), stop taking calls and let those in flight
        finish (at most grace_s), then flush and close the journal."""
        self.health.enter_graceful_shutdown()
        if drain_delay_s > 0:
            time.sleep(drain_delay_s)
        self._stop.set()
        self.server.stop(grace_s).wait()
        self._sweeper.join(timeout=grace_s)
        self.engine.close()


def grpc_server(max_workers: int = 16, options: tuple = (), interceptors: tuple = ()) -> grpc.Server:
    """A gRPC server with authcore's thread pool, bound on concurrent calls and message limits,
    interceptors (outermost first), and no services yet."""
    # An admission gate (authcore.api.gate) bounds the calls it admits and answers the rest with
    # RetryInfo; grpc's own bound would refuse calls the gate has already counted in.
    gated = any(getattr(interceptor, "admission", None) is not None for interceptor in interceptors)
    return grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="authcore-rpc"),
        interceptors=interceptors,
        maximum_concurrent_rpcs=None if gated else max_workers * 64,
        options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                 ("grpc.max_send_message_length", MAX_MESSAGE_BYTES), *options],
    )


def add_services(server, engine: Engine, health_servicer: health.HealthServicer,
                 events: EventSource | None = None) -> None:
    """Register every servicer over engine, health (reporting SERVING) and reflection on server:
    a grpc.Server, or anything with its add_generic_rpc_handlers and add_registered_method_handlers.
    authcore's own methods answer a request body that does not decode with INVALID_ARGUMENT
    (authcore.api.decoding), not grpc's INTERNAL. events: what WatchEvents serves (None: partition
    0 of 1 over engine's journal)."""
    if events is None:
        events = EventSource(engine.journal)
    ours = DecodingRegistrar(server)
    authorization_pb2_grpc.add_AuthorizationServiceServicer_to_server(AuthorizationServicer(engine), ours)
    account_pb2_grpc.add_AccountServiceServicer_to_server(AccountServicer(engine), ours)
    admin_pb2_grpc.add_AdminServiceServicer_to_server(AdminServicer(engine), ours)
    credit_pb2_grpc.add_CreditServiceServicer_to_server(CreditServicer(engine), ours)
    installment_pb2_grpc.add_InstallmentServiceServicer_to_server(InstallmentServicer(engine), ours)
    diagnostics_pb2_grpc.add_DiagnosticsServiceServicer_to_server(DiagnosticsServicer(), ours)
    events_pb2_grpc.add_EventServiceServicer_to_server(EventServicer(events), ours)
    events_pb2_grpc.add_ClusterServiceServicer_to_server(ClusterServicer(events), ours)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for name in ("", *SERVICE_NAMES):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    reflection.enable_server_reflection(
        (*SERVICE_NAMES, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME), server)


def create_server(engine: Engine, address: str = "127.0.0.1:0", *, max_workers: int = 16,
                  expiry_interval_s: float = 1.0, snapshot_every_records: int = 100_000,
                  interceptors: tuple = (), credentials: grpc.ServerCredentials | None = None,
                  events: EventSource | None = None) -> Service:
    """Build (not start) a server on address; bind port 0 to get a free port (Service.port).
    With credentials the port is TLS, else plaintext. events: what WatchEvents serves (None: the
    engine's journal as partition 0 of 1, at most watchers_for(max_workers) watchers at once)."""
    own_events = events is None
    if own_events:
        events = EventSource(engine.journal, watchers=Watchers(watchers_for(max_workers)))
    # grpc turns SO_REUSEPORT on by default: a second server would then share a port already
    # served and the kernel would spread the connections over two stores. Only the workers of
    # one multi-process server share their public port (authcore.cluster.router).
    server = grpc_server(max_workers, options=(("grpc.so_reuseport", 0),), interceptors=interceptors)
    health_servicer = health.HealthServicer()
    add_services(server, engine, health_servicer, events)
    try:
        if credentials is None:
            port = server.add_insecure_port(address)
        else:
            port = server.add_secure_port(address, credentials)
    except RuntimeError:
        port = 0
    if port == 0:
        raise RuntimeError(f"could not listen on {address}: the port is in use (another server may be serving "
                           "it: stop it, or choose another --port) or the address is not this machine's")
    if own_events:
        events.address = f"{address.rsplit(':', 1)[0]}:{port}"
    return Service(server, port, engine, health_servicer, expiry_interval_s, snapshot_every_records, events)
