"""Logging, tracing and metrics, set up once for every function (Powertools reads its own settings,
POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE, from the environment the stack sets)."""

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
tracer = Tracer()
metrics = Metrics()


def count(name: str, value: float = 1) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
