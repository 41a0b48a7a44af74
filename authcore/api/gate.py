"""The gate every call to a port passes before its servicer runs: who is calling
(authcore.api.identity), may they call this method, and is there room (authcore.api.admission).

One interceptor, so the steps run in order and the call's place in the admission count is
given back however the call ends. A refusal answers at once with its status and details,
is counted, and changes nothing."""

from __future__ import annotations

import time

import grpc

from authcore.api import identity
from authcore.api.admission import PLAINTEXT, Admission, Refused, weight
from authcore.errors import AuthcoreError, abort_with
from authcore.observability.metrics import count_refused, method_shape

HEALTH = "/grpc.health.v1.Health/"


class GateInterceptor(grpc.ServerInterceptor):
    """source: "tls" (the client certificate names the caller), "forwarded" (a public port of
    this server named it in metadata: private unix sockets only) or None (plaintext: no caller).
    admission: the port's limits, or None. Health checks pass without admission."""

    def __init__(self, source: str | None, admission: Admission | None = None):
        if source not in ("tls", "forwarded", None):
            raise ValueError(f"unknown identity source {source!r}")
        self.source = source
        self.admission = admission

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        path = handler_call_details.method
        if self.source == "forwarded":
            forwarded = dict(handler_call_details.invocation_metadata or ()).get(identity.FORWARDED_KEY)
            resolve = lambda context: forwarded  # noqa: E731
        elif self.source == "tls":
            resolve = identity.certificate_identity
        else:
            resolve = None
        admission = None if path.startswith(HEALTH) else self.admission
        # Counted as it arrives (interceptors run on grpc's polling thread), before it waits for
        # a server thread: so the queue is what the count bounds.
        if admission is not None and not admission.enter():
            return _full(handler, admission)
        return _gated(handler, _Call(path, identity.allowed(path), resolve, admission, time.monotonic()))


class _Call:
    """One call's passage through the gate."""

    __slots__ = ("path", "rule", "resolve", "admission", "arrived_s")

    def __init__(self, path, rule, resolve, admission, arrived_s):
        self.path, self.rule, self.resolve = path, rule, resolve
        self.admission, self.arrived_s = admission, arrived_s

    def open(self, request, context):
        """Name the caller and check it; the CALLER token to reset, or abort."""
        caller = None
        try:
            if self.resolve is not None:
                caller = self.resolve(context)
                identity.check_allowed(caller, self.rule, self.path)
            if self.admission is not None:
                self.admission.check(self.arrived_s, caller or PLAINTEXT, context)
                if request is not None:
                    self.admission.charge(caller or PLAINTEXT, weight(request))
        except AuthcoreError as error:
            count_refused(caller or PLAINTEXT, error.reason)
            abort_with(context, error)
        return identity.CALLER.set(caller)

    def close(self, token) -> None:
        if token is not None:
            identity.CALLER.reset(token)
        if self.admission is not None:
            self.admission.leave()

    def metered(self, requests, context):
        """A request stream whose messages each take their decisions from the caller's rate."""
        if self.admission is None:
            yield from requests
            return
        caller = identity.CALLER.get() or PLAINTEXT
        for message in requests:
            try:
                self.admission.charge(caller, weight(message))
            except AuthcoreError as error:
                count_refused(caller, error.reason)
                abort_with(context, error)
            yield message


def _full(handler: grpc.RpcMethodHandler, admission: Admission) -> grpc.RpcMethodHandler:
    """The answer of a full port, as cheap as it can be: the request is not even parsed, nor
    the caller named (the port is full for everyone)."""
    limits = admission.limits
    error = Refused("OVERLOADED", f"the server is at its limit of {limits.max_in_flight} calls at once", "*",
                    limits.max_queue_ms / 1000)

    def refuse(request, context):
        count_refused("*", error.reason)
        abort_with(context, error)

    if handler.response_streaming:
        def refuse_stream(request, context):
            refuse(request, context)
            yield  # never reached: a generator, as the method's shape needs

        behaviour = refuse_stream
    else:
        behaviour = refuse
    factory, _ = method_shape(handler)
    return factory(behaviour, request_deserializer=None, response_serializer=handler.response_serializer)


def _gated(handler: grpc.RpcMethodHandler, call: _Call) -> grpc.RpcMethodHandler:
    """handler behind call's checks, given back to the count however it ends. A unary request is
    checked (and charged) before the behaviour; a request stream's messages as they arrive."""
    factory, inner = method_shape(handler)
    if handler.request_streaming:
        def run(requests, context):
            return inner(call.metered(requests, context), context)

        def checked(request):
            return None
    else:
        run = inner

        def checked(request):
            return request

    if handler.response_streaming:
        def behaviour(request, context):
            token = None
            try:
                token = call.open(checked(request), context)
                yield from run(request, context)
            finally:
                call.close(token)
    else:
        def behaviour(request, context):
            token = None
            try:
                token = call.open(checked(request), context)
                return run(request, context)
            finally:
                call.close(token)

    return factory(behaviour, handler.request_deserializer, handler.response_serializer)


def public_port(cfg) -> tuple[tuple, grpc.ServerCredentials | None]:
    """The interceptors (outermost first) and credentials of the port the channels call:
    metrics, then the gate (mutual TLS identities when configured, and cfg's limits)."""
    from authcore.observability.metrics import MetricsInterceptor

    admission = Admission(cfg.limits)
    if not cfg.tls:
        return (MetricsInterceptor(), GateInterceptor(None, admission)), None
    tls = identity.TlsFiles(cfg.tls_cert_file, cfg.tls_key_file, cfg.tls_client_ca_file)
    return (MetricsInterceptor(), GateInterceptor("tls", admission)), tls.server_credentials()

