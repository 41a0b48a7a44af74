"""What an operator sees of a running server: Prometheus metrics (metrics), masked text or JSON
logs (logs, masking) and optional OpenTelemetry spans (tracing).

For other parts of authcore:
  MetricsInterceptor()              first of the public port's interceptors
  count_stand_in(cause)             an authorization answered by the stand-in rules
  count_refused(identity, reason)   a call refused by admission control
  count_decision / count_decisions  the engine's decisions
  watch(engine)                     journal and state gauges of the engine a server serves
  serve_metrics(host, port)         the HTTP endpoint
"""

from authcore.observability.decisions import count_decision, count_decisions
from authcore.observability.metrics import (
    REGISTRY,
    MetricsInterceptor,
    count_refused,
    count_stand_in,
    serve_metrics,
    watch,
)

__all__ = ["REGISTRY", "MetricsInterceptor", "count_decision", "count_decisions", "count_refused", "count_stand_in",
           "serve_metrics", "watch"]
