"""Prometheus metrics of one server process, in their own registry (REGISTRY), served over HTTP by
serve_metrics.

Families:
  grpc_server_started_total, grpc_server_handled_total, grpc_server_handling_seconds
      the go-grpc-prometheus families, from MetricsInterceptor on the public port. grpc_code is
      spelt as Go spells it ("OK", "InvalidArgument", "NotFound", ...) so that the usual
      dashboards and alerts work unchanged.
  authcore_decisions_total{decision,reason,channel}
      every decision made: Authorize, and each item of AuthorizeBatch and AuthorizeBulk. A
      replayed answer (same request_id) is not a new decision and is not counted.
  authcore_journal_*   how far durability lags the decisions (see JournalCollector).
  authcore_stand_in_total{cause}          answers given by the stand-in rules (count_stand_in).
  authcore_rate_limited_total{identity,reason}  calls refused by admission control (count_refused).
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Any

import grpc
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily

# The *_created series (a timestamp per counter and label set) double the page for no use here.
disable_created_metrics()
REGISTRY = CollectorRegistry(auto_describe=True)

# From 50 µs (a decision without the network) to 10 s (a card network's stand-in deadline).
LATENCY_BUCKETS_S = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                     1.0, 2.5, 5.0, 10.0)
# The methods one interceptor keeps label children for; past it, calls are still counted, just slower.
MAX_METHODS = 256
# The handlers of one method an interceptor keeps its wrappers of: an inner interceptor may hand out
# more than one (the gate's full-port refusal beside the method's own).
MAX_HANDLERS_PER_METHOD = 4

STARTED = Counter("grpc_server_started_total", "RPCs started on the server.",
                  ("grpc_type", "grpc_service", "grpc_method"), registry=REGISTRY)
HANDLED = Counter("grpc_server_handled_total", "RPCs completed on the server, regardless of success or failure.",
                  ("grpc_type", "grpc_service", "grpc_method", "grpc_code"), registry=REGISTRY)
HANDLING = Histogram("grpc_server_handling_seconds",
                     "Response latency (seconds) of gRPC calls handled by the server, from the handler's start "
                     "to its answer (for a server stream, its last message).",
                     ("grpc_type", "grpc_service", "grpc_method"), buckets=LATENCY_BUCKETS_S, registry=REGISTRY)

DECISIONS = Counter("authcore_decisions_total",
                    "Authorization decisions made (Authorize, and each item of AuthorizeBatch and AuthorizeBulk), "
                    "by decision, first reason and channel. Replayed answers are not counted.",
                    ("decision", "reason", "channel"), registry=REGISTRY)

COMMIT_SECONDS = Histogram("authcore_journal_commit_seconds",
                           "Time of one group commit of the journal (the SQLite transaction, and its fsync in fsync "
                           "mode): how long a decision waits to be durable once its turn comes.",
                           buckets=LATENCY_BUCKETS_S, registry=REGISTRY)
SNAPSHOT_SECONDS = Histogram("authcore_journal_snapshot_seconds",
                             "Time to write one snapshot. Every call waits while it is written.",
                             buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0),
                             registry=REGISTRY)

STAND_IN_CAUSES = ("model_failed", "deadline")
STAND_IN = Counter("authcore_stand_in_total",
                   "Authorizations answered by the conservative stand-in rules instead of the full decision, by "
                   "cause: model_failed (the risk model could not score), deadline (the full decision would not "
                   "finish within the caller's deadline).", ("cause",), registry=REGISTRY)
REFUSED = Counter("authcore_rate_limited_total",
                  "Calls refused by admission control before reaching the engine, by caller identity and reason.",
                  ("identity", "reason"), registry=REGISTRY)
# Label sets of authcore_rate_limited_total; past it, further identities are counted as "other".
MAX_REFUSED_IDENTITIES = 1000
OTHER_IDENTITY = "other"

# -- gRPC --------------------------------------------------------------------------------------

# Go's spelling of the status codes (codes.Code.String()), as go-grpc-prometheus labels them.
GO_CODE_NAMES = {code: "".join(part.capitalize() for part in code.name.split("_")) for code in grpc.StatusCode}
GO_CODE_NAMES[grpc.StatusCode.OK] = "OK"
GO_CODE_NAMES[grpc.StatusCode.CANCELLED] = "Canceled"


def rpc_type(handler: grpc.RpcMethodHandler) -> str:
    """go-grpc-prometheus's grpc_type of a method handler."""
    if handler.request_streaming:
        return "bidi_stream" if handler.response_streaming else "client_stream"
    return "server_stream" if handler.response_streaming else "unary"


def split_method(path: str) -> tuple[str, str]:
    """'/authcore.v1.AuthorizationService/Authorize' -> ('authcore.v1.AuthorizationService', 'Authorize')."""
    service, _, method = path.lstrip("/").rpartition("/")
    return service or "unknown", method


def final_code(context: grpc.ServicerContext, raised: bool) -> grpc.StatusCode:
    """The status a call ends with, once its behaviour returned or raised: the code set on the
    context (abort sets it, then raises), else OK, or for an exception UNKNOWN (CANCELLED when
    the caller is gone), as grpc itself will answer."""
    code = context.code()
    if code is not None:
        return code
    if not raised:
        return grpc.StatusCode.OK
    return grpc.StatusCode.UNKNOWN if context.is_active() else grpc.StatusCode.CANCELLED


def method_shape(handler: grpc.RpcMethodHandler) -> tuple:
    """(the grpc factory of a handler of handler's shape, handler's behaviour)."""
    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler, handler.stream_stream
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler, handler.stream_unary
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler, handler.unary_stream
    return grpc.unary_unary_rpc_method_handler, handler.unary_unary


def wrap_behaviour(handler: grpc.RpcMethodHandler, begin, end) -> grpc.RpcMethodHandler:
    """handler whose behaviour calls begin(context) -> token first and end(token, context, raised)
    once it has returned or raised (for a response stream: once the stream is over)."""
    factory, inner = method_shape(handler)

    if handler.response_streaming:
        def behaviour(request, context):
            token = begin(context)
            try:
                yield from inner(request, context)
            except BaseException:
                end(token, context, True)
                raise
            end(token, context, False)
    else:
        def behaviour(request, context):
            token = begin(context)
            try:
                response = inner(request, context)
            except BaseException:
                end(token, context, True)
                raise
            end(token, context, False)
            return response

    return factory(behaviour, request_deserializer=handler.request_deserializer,
                   response_serializer=handler.response_serializer)


class CachedInterceptor(grpc.ServerInterceptor):
    """An interceptor that wraps each method's handler once: the wrapped handler is kept per
    method path (at most MAX_METHODS) and per handler the server (or an inner interceptor)
    hands out for it (at most MAX_HANDLERS_PER_METHOD, the latest kept)."""

    def __init__(self) -> None:
        self._wrapped: dict[str, tuple[tuple[grpc.RpcMethodHandler, Any], ...]] = {}
        self._lock = threading.Lock()

    def wrap(self, handler: grpc.RpcMethodHandler, path: str) -> Any:
        raise NotImplementedError

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None:
            return None  # grpc answers UNIMPLEMENTED itself
        return self.wrapped(handler, handler_call_details.method)

    def wrapped(self, handler: grpc.RpcMethodHandler, path: str) -> Any:
        """wrap(handler, path), made on the first call with this handler and kept for the next ones."""
        for inner, made in self._wrapped.get(path, ()):
            if inner is handler:
                return made
        made = self.wrap(handler, path)
        with self._lock:
            kept = self._wrapped.get(path)
            if kept is not None or len(self._wrapped) < MAX_METHODS:
                self._wrapped[path] = ((handler, made), *(kept or ()))[:MAX_HANDLERS_PER_METHOD]
        return made


# Set by authcore.observability.tracing when spans are exported: spans(path) -> (begin, end),
# taken by each MetricsInterceptor when it is made.
_spans = None


def set_spans(spans) -> None:
    """Open a span around the calls of the MetricsInterceptors made from now on (None: stop)."""
    global _spans
    _spans = spans


class MetricsInterceptor(CachedInterceptor):
    """go-grpc-prometheus's server metrics: started, handled by code, and handling time; and an
    OpenTelemetry span per call when tracing was configured before this interceptor was made.

    The label children of a method are looked up once, when its handler is first wrapped; a call
    then costs two counter increments, a histogram observation and two clock reads. One wrapper
    does both metrics and spans: each interceptor in grpc's chain costs a call of its own."""

    def __init__(self) -> None:
        super().__init__()
        self._spans = _spans  # as configured when the server is built

    def wrap(self, handler: grpc.RpcMethodHandler, path: str) -> grpc.RpcMethodHandler:
        begin, end = self._metered(handler, path)
        if self._spans is None:
            return wrap_behaviour(handler, begin, end)
        span_begin, span_end = self._spans(path)

        def begin_both(context):
            return begin(context), span_begin(context)

        def end_both(token, context, raised: bool) -> None:
            end(token[0], context, raised)
            span_end(token[1], context, raised)

        return wrap_behaviour(handler, begin_both, end_both)

    @staticmethod
    def _metered(handler: grpc.RpcMethodHandler, path: str):
        labels = (rpc_type(handler), *split_method(path))
        started, handling = STARTED.labels(*labels), HANDLING.labels(*labels)
        handled: dict[grpc.StatusCode, object] = {}
        perf_counter = time.perf_counter

        def begin(context) -> float:
            started.inc()
            return perf_counter()

        def end(started_s: float, context, raised: bool) -> None:
            handling.observe(perf_counter() - started_s)
            code = final_code(context, raised)
            child = handled.get(code)
            if child is None:
                child = handled[code] = HANDLED.labels(*labels, GO_CODE_NAMES.get(code, "Unknown"))
            child.inc()

        return begin, end


# -- stand-in and admission ----------------------------------------------------------------------

_stand_in_children = {cause: STAND_IN.labels(cause) for cause in STAND_IN_CAUSES}
_refused_identities: set[str] = set()
_refused_lock = threading.Lock()


def count_stand_in(cause: str, n: int = 1) -> None:
    """Count n authorizations answered by the stand-in rules; cause is "model_failed" or "deadline"."""
    child = _stand_in_children.get(cause)
    if child is None:
        raise ValueError(f"stand-in cause must be one of {STAND_IN_CAUSES}, not {cause!r}")
    child.inc(n)


def count_refused(identity: str, reason: str) -> None:
    """Count one call refused at the gate (admission control or identity), for the caller identity
    (a configured caller name, e.g. the channel's; "*" when the port was full for everyone) and the
    refusal's reason (OVERLOADED, RATE_LIMITED, DEADLINE_TOO_SHORT, IDENTITY_NOT_ALLOWED, ...). Identities past
    MAX_REFUSED_IDENTITIES are counted as "other", so that callers cannot grow the series."""
    refused_counter(identity, reason).inc()


def refused_counter(identity: str, reason: str):
    """The authcore_rate_limited_total child count_refused(identity, reason) counts in: a caller
    that refuses often (a full port's answer) resolves it once."""
    if identity not in _refused_identities:
        with _refused_lock:
            if len(_refused_identities) < MAX_REFUSED_IDENTITIES:
                _refused_identities.add(identity)
            else:
                identity = OTHER_IDENTITY
    return REFUSED.labels(identity, reason)


# -- journal and engine, read when scraped ----------------------------------------------------------


class EngineCollector:
    """Gauges read from the watched engines when the endpoint is scraped (nothing on the hot path).

    authcore_journal_pending_records   records handed to the group committer and not yet durable
                                       (queued, or in the commit running now): the answers waiting
                                       on the journal. Near 0 normally; growing means the disk
                                       does not keep up.
    authcore_journal_records_since_snapshot  records a restart would replay now; a snapshot is
                                       written when it reaches snapshot_every_records.
    authcore_journal_commits_total, authcore_journal_records_total  commits and the records in
                                       them: records per commit is the group-commit batching.
    authcore_accounts, authcore_policy_info, authcore_risk_model_info  what the engine serves.
    A process serves one engine; tests that run several in one process see their sum.
    """

    def __init__(self) -> None:
        self.engines: weakref.WeakSet = weakref.WeakSet()

    def collect(self):
        # A closed engine (a stopped server's, not yet collected) counts no more.
        engines = [engine for engine in self.engines if not engine.journal.closed]
        pending = GaugeMetricFamily("authcore_journal_pending_records",
                                    "Journal records handed to the group committer and not yet durable (queued or "
                                    "being committed): answers waiting on the journal.")
        since = GaugeMetricFamily("authcore_journal_records_since_snapshot",
                                  "Journal records after the last snapshot: what a restart would replay; a snapshot "
                                  "is written when this reaches snapshot_every_records.")
        commits = CounterMetricFamily("authcore_journal_commits", "Group commits of the journal.")
        records = CounterMetricFamily("authcore_journal_records", "Journal records committed (records per commit is "
                                      "the group-commit batching).")
        accounts = GaugeMetricFamily("authcore_accounts", "Accounts loaded.")
        policy = InfoMetricFamily("authcore_policy", "The active policy.", labels=("version",))
        model = InfoMetricFamily("authcore_risk_model", "The active transaction risk model.", labels=("version",))
        pending.add_metric((), sum(e.committer.pending_records() for e in engines))
        since.add_metric((), sum(max(0, e.journal.last_seq - e.snapshot_seq) for e in engines))
        commits.add_metric((), sum(e.committer.commits for e in engines))
        records.add_metric((), sum(e.committer.records for e in engines))
        accounts.add_metric((), sum(e.ledger.n_accounts for e in engines))
        for version in sorted({e.ledger.policy.version for e in engines}):
            policy.add_metric((), {"version": version})
        for version in sorted({e.model_info.version for e in engines}):
            model.add_metric((), {"version": version or "none"})
        return [pending, since, commits, records, accounts, policy, model]

    def describe(self):
        return []  # collected only when scraped


_engines = EngineCollector()
REGISTRY.register(_engines)


def journal_committed(seconds: float, records: int) -> None:
    """GroupCommitter.on_commit: one commit of records took seconds."""
    COMMIT_SECONDS.observe(seconds)


def watch(engine) -> None:
    """Export engine's journal and state gauges, and time its journal commits."""
    engine.committer.on_commit = journal_committed
    _engines.engines.add(engine)


# -- the endpoint ---------------------------------------------------------------------------------


class MetricsEndpoint:
    """The HTTP endpoint serving REGISTRY (GET /metrics, or any path)."""

    def __init__(self, host: str, port: int):
        self.httpd, self.thread = start_http_server(port, addr=host, registry=REGISTRY)
        self.host = host
        self.port = self.httpd.server_address[1]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def serve_metrics(host: str, port: int) -> MetricsEndpoint:
    """Serve the metrics on host:port (0: a free port, then MetricsEndpoint.port) in a daemon thread."""
    return MetricsEndpoint(host, port)


def endpoint_for(cfg, index: int = 0) -> MetricsEndpoint | None:
    """The endpoint cfg asks for ([metrics] host and port), or None when metrics_port is unset.
    Worker index of `--processes N` serves on metrics_port + index (each on a free port for 0)."""
    if cfg.metrics_port is None:
        return None
    return serve_metrics(cfg.metrics_host, cfg.metrics_port + index if cfg.metrics_port else 0)
