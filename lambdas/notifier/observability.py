"""Logging, tracing and metrics, set up once for every function (Powertools reads its own settings,
POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE, from the environment the stack sets)."""

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
