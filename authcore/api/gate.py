"""The gate every call to a port passes before its servicer runs: who is calling
(authcore.api.identity), may they call this method, and is there room (authcore.api.admission).

One interceptor, so the steps run in order and the call's place in the admission count is
given back however the call ends. A refusal answers at once with its status and details,
is counted, and changes nothing."""

from __future__ import annotations

import contextvars
import time
from typing import Any

import grpc
from grpc_status import rpc_status

from authcore.api import identity
from authcore.api.admission import PLAINTEXT, Admission, Refused, weight
from authcore.errors import AuthcoreError, abort_with
from authcore.observability.metrics import CachedInterceptor, count_refused, method_shape, refused_counter

HEALTH = "/grpc.health.v1.Health/"


class _Place:
    """An admitted call's place in the admission count, and its arrival (time.monotonic() when
    intercept_service ran, before the call waited for a server thread). Given back once: by the
    call's handler when it ends or, for a call that ended before its handler ran (cancelled, or
    its deadline passed, while it waited for a thread: grpc then never runs the handler), when
    grpc lets go of the call's Context, the only holder of the place."""

    __slots__ = ("admission", "arrived_s")

    def __init__(self, admission: Admission | None, arrived_s: float):
        self.admission: Admission | None = admission
        self.arrived_s = arrived_s

    def give_back(self) -> None:
        admission, self.admission = self.admission, None
        if admission is not None:
            admission.leave()

    def __del__(self) -> None:
        self.give_back()


# The place of the admitted call whose handler runs in this contextvars.Context. grpc gives every
# call a Context of its own, runs the interceptors in it (on the polling thread) and then the
# call's handler in it (on a pool thread), so the place set for one call is seen by that call's
# handler and by no other's; the handler itself is built once per method and shared by all of
# its calls. (grpc parses a unary request on the polling thread, outside the call's Context.)
_PLACE: contextvars.ContextVar[_Place] = contextvars.ContextVar("authcore_gate_place")
_UNSEEN: Any = object()


class GateInterceptor(CachedInterceptor):
    """source: "tls" (the client certificate names the caller), "forwarded" (a public port of
    this server named it in metadata: private unix sockets, and a cluster node's private port on
    loopback without TLS), "node" (as forwarded, once the peer's certificate names another node:
    a cluster node's private port over mutual TLS) or None (plaintext: no caller).
    admission: the port's limits, or None. Health checks pass without admission.

    Each method's handlers are built once (CachedInterceptor): the gated one, and the full
    port's refusal; per call, intercept_service only takes the call's place in the admission
    count, with its arrival (_PLACE), or answers with the refusal when the port is full."""

    def __init__(self, source: str | None, admission: Admission | None = None):
        if source not in ("tls", "forwarded", "node", None):
            raise ValueError(f"unknown identity source {source!r}")
        super().__init__()
        self.source = source
        self.admission = admission

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        path = handler_call_details.method
        gated, full = self.wrapped(handler, path)
        admission = self.admission
        if full is not None and admission is not None:
            # Counted as it arrives (interceptors run on grpc's polling thread), before it waits
            # for a server thread: so the queue is what the count bounds.
            if not admission.enter():
                return full
            _PLACE.set(_Place(admission, time.monotonic()))
        return gated

    def wrap(self, handler: grpc.RpcMethodHandler, path: str) -> tuple:
        """(the gated handler, the full port's refusal or None: no admission for path)."""
        if self.source == "forwarded":
            resolve = _forwarded_identity
        elif self.source == "node":
            resolve = _node_forwarded_identity
        elif self.source == "tls":
            resolve = identity.certificate_identity
        else:
            resolve = None
        admission = None if path.startswith(HEALTH) else self.admission
        gated = _gated(handler, _Method(path, identity.allowed(path), resolve, admission))
        return gated, None if admission is None else _full(handler, admission)


def _forwarded_identity(context) -> str | None:
    """The caller a public port of this server named in the call's metadata (the last entry
    when there are several)."""
    return dict(context.invocation_metadata() or ()).get(identity.FORWARDED_KEY)


def _node_forwarded_identity(context) -> str | None:
    """The forwarded caller, trusted only from a peer whose certificate names another node."""
    identity.node_certificate_check(context)
    return _forwarded_identity(context)


def _place() -> _Place:
    """The place of the call being served."""
    place = _PLACE.get(_UNSEEN)
    if place is _UNSEEN:
        # A handler run without the gate's interceptor having run in its Context (grpc always
        # runs both in the call's Context): no wait can be measured, so none is refused for it,
        # and the place taken where the interceptor ran is given back with that Context.
        return _Place(None, time.monotonic())
    return place


class _Method:
    """One method's passage through the gate: what every call of it shares. What is the call's
    own (the caller, its arrival, its admission) is read from the call's context when it runs."""

    __slots__ = ("path", "rule", "resolve", "admission")

    def __init__(self, path, rule, resolve, admission):
        self.path, self.rule, self.resolve, self.admission = path, rule, resolve, admission

    def open(self, request, context):
        """The CALLER token to reset once the call is over and the call's place in the admission
        count to give back then (None: none), or abort: the caller may not call this method, or
        has no room now."""
        if self.admission is None:
            return self._named(None, request, context), None
        place = _place()
        try:
            return self._named(place.arrived_s, request, context), place
        except BaseException:
            place.give_back()
            raise

    def _named(self, arrived_s, request, context):
        """Name the caller and check it; the CALLER token to reset, or abort."""
        caller = None
        try:
            if self.resolve is not None:
                caller = self.resolve(context)
                identity.check_allowed(caller, self.rule, self.path)
            if self.admission is not None:
                self.admission.check(arrived_s, caller or PLAINTEXT, context)
                if request is not None:
                    self.admission.charge(caller or PLAINTEXT, weight(request))
        except AuthcoreError as error:
            count_refused(caller or PLAINTEXT, error.reason)
            abort_with(context, error)
        return identity.CALLER.set(caller)

    def close(self, opened) -> None:
        token, place = opened
        identity.CALLER.reset(token)
        if place is not None:
            place.give_back()

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


def full_refusal(admission: Admission) -> Refused:
    """The refusal of a call arriving at a full port (the same for every call and caller)."""
    limits = admission.limits
    return Refused("OVERLOADED", f"the server is at its limit of {limits.max_in_flight} calls at once", "*",
                   limits.max_queue_ms / 1000)


def _full(handler: grpc.RpcMethodHandler, admission: Admission) -> grpc.RpcMethodHandler:
    """The answer of a full port, as cheap as it can be: the request is not even parsed, nor
    the caller named (the port is full for everyone); its status (with its google.rpc details)
    and its counter are made once, with the handler."""
    error = full_refusal(admission)
    status = rpc_status.to_status(error.to_status())
    refused = refused_counter("*", error.reason)

    def refuse(request, context):
        refused.inc()
        context.abort_with_status(status)

    if handler.response_streaming:
        def refuse_stream(request, context):
            refuse(request, context)
            yield  # never reached: a generator, as the method's shape needs

        behaviour = refuse_stream
    else:
        behaviour = refuse
    factory, _ = method_shape(handler)
    return factory(behaviour, request_deserializer=None, response_serializer=handler.response_serializer)


def _gated(handler: grpc.RpcMethodHandler, method: _Method) -> grpc.RpcMethodHandler:
    """handler behind method's checks, its place given back to the count however it ends. A
    unary request is checked (and charged) before the behaviour; a request stream's messages as
    they arrive."""
    factory, inner = method_shape(handler)
    if handler.request_streaming:
        def run(requests, context):
            return inner(method.metered(requests, context), context)

        def checked(request):
            return None
    else:
        run = inner

        def checked(request):
            return request

    if handler.response_streaming:
        def behaviour(request, context):
            opened = method.open(checked(request), context)
            try:
                yield from run(request, context)
            finally:
                method.close(opened)
    else:
        def behaviour(request, context):
            opened = method.open(checked(request), context)
            try:
                return run(request, context)
            finally:
                method.close(opened)

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

