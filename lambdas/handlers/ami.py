"""EC2 AMI state changes: parse, dedupe, render, publish (notifier.delivery)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import loaded
from notifier import observed
from notifier.delivery import Delivery
from notifier.failures import FailureExplainer

failures = FailureExplainer()
delivery = Delivery("ami", explain=failures.explain_event)


@observed(correlation_id_path="id")
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    return delivery.handle(event, context)


loaded()  # the collector resumes (handlers/__init__.py)
