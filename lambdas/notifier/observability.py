"""Logging, tracing and metrics, set up once for every function (Powertools reads its own settings,
POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE, from the environment the stack sets)."""

from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

# The functions call AWS through botocore only: patching it alone traces every call they make,
# without X-Ray's patch_all importing and patching every library it knows at cold start.
TRACED_MODULES = ("botocore",)

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics()


def count(name: str, value: float = 1) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


Handler = TypeVar("Handler", bound=Callable[..., Any])


def observed(correlation_id_path: str | None = None) -> Callable[[Handler], Handler]:
    """Every function's handler: its log lines carry the invocation (and, for an EventBridge event, its
    id: `correlation_id_path="id"`) and nothing of the one before, X-Ray traces it, and its metrics are
    flushed when it returns."""

    def wrap(handler: Handler) -> Handler:
        measured = metrics.log_metrics(raise_on_empty_metrics=False)(handler)
        traced = tracer.capture_lambda_handler(measured)
        inject = logger.inject_lambda_context(correlation_id_path=correlation_id_path, clear_state=True)
        return cast(Handler, inject(traced))

    return wrap
