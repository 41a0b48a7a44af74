"""Optional OpenTelemetry spans for server calls.

On when the OpenTelemetry SDK and OTLP exporter are installed (`pip install authcore[otel]`) and
an endpoint is configured: [telemetry] otlp_endpoint, or the standard OTEL_EXPORTER_OTLP_ENDPOINT.
Otherwise configure() returns False, interceptors() is empty and no opentelemetry module is
imported.

The spans are opened by MetricsInterceptor (one wrapper for metrics and spans), not by
opentelemetry-instrumentation-grpc: with grpcio 1.85 that instrumentation records every call
ended by context.abort_with_status (every authcore error, with its google.rpc details) as OK,
since it only sees codes set through its own wrapper of the context. Here the code is read from
the context once the call is over, as for the metrics. Configure before the server's
interceptors are made.
"""

from __future__ import annotations

import logging
import os

import grpc

from authcore.observability.metrics import final_code, set_spans, split_method

log = logging.getLogger("authcore.telemetry")
ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
SERVICE_NAME = "authcore"
# Server span status is ERROR for these codes only (OpenTelemetry's gRPC conventions): the others
# are the caller's doing.
SERVER_ERRORS = frozenset({grpc.StatusCode.UNKNOWN, grpc.StatusCode.DEADLINE_EXCEEDED,
                           grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNAVAILABLE,
                           grpc.StatusCode.DATA_LOSS})

_provider = None


def configure(endpoint: str | None = None, **resource: str) -> bool:
    """Export a span per call to endpoint (default: $OTEL_EXPORTER_OTLP_ENDPOINT) over OTLP/gRPC,
    for the servers started afterwards. False, and nothing imported, when no endpoint is set;
    False with a warning when the packages are missing."""
    endpoint = endpoint or os.environ.get(ENDPOINT_ENV)
    if not endpoint:
        return False
    try:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warning("telemetry endpoint set but OpenTelemetry is not installed (pip install authcore[otel]); "
                    "no spans", extra={"otlp_endpoint": endpoint})
        return False
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME, **resource}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    use(provider)
    log.info("exporting spans", extra={"otlp_endpoint": endpoint})
    return True


def use(provider) -> None:
    """Spans from provider (an OpenTelemetry TracerProvider) for the calls through every
    MetricsInterceptor made from now on; None: none for those made afterwards."""
    global _provider
    _provider = provider
    set_spans(None if provider is None else Spans(provider).hooks)


def shutdown() -> None:
    """Flush the spans not yet exported and stop exporting."""
    provider = _provider
    use(None)
    if provider is not None:
        provider.shutdown()


class Spans:
    """A SERVER span per call, child of the caller's span when its metadata carries a W3C
    traceparent, with rpc.system, rpc.service, rpc.method and rpc.grpc.status_code."""

    def __init__(self, tracer_provider) -> None:
        from opentelemetry import context as otel_context
        from opentelemetry import propagate, trace

        self._tracer = tracer_provider.get_tracer("authcore.server")
        self._otel = otel_context, propagate, trace

    def hooks(self, path: str):
        """(begin(context) -> token, end(token, context, raised)) for the calls of method path."""
        otel_context, propagate, trace = self._otel
        tracer, name = self._tracer, path.lstrip("/")
        service, method = split_method(path)
        attributes = {"rpc.system": "grpc", "rpc.service": service, "rpc.method": method}

        def begin(context):
            parent = propagate.extract(dict(context.invocation_metadata() or ()))
            span = tracer.start_span(name, context=parent, kind=trace.SpanKind.SERVER, attributes=attributes)
            return span, otel_context.attach(trace.set_span_in_context(span))

        def end(token, context, raised: bool) -> None:
            span, attached = token
            code = final_code(context, raised)
            span.set_attribute("rpc.grpc.status_code", code.value[0])
            if code in SERVER_ERRORS:
                span.set_status(trace.Status(trace.StatusCode.ERROR, code.name))
            span.end()
            otel_context.detach(attached)

        return begin, end
