"""EC2 AMI events: parse, dedupe, render, publish (notifier.delivery), one message per image and state
(notifier.images)."""

from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import loaded
from notifier import observed
from notifier.delivery import Delivery
from notifier.failures import FailureExplainer
from notifier.images import ImageStateGate
from ssm_event_notifier.contract.environment import Dedupe

failures = FailureExplainer()
dynamodb = boto3.client("dynamodb")
images = ImageStateGate(dynamodb, Dedupe.read().table_name)
delivery = Delivery("ami", explain=failures.explain_event, gate=images.gate, dynamodb=dynamodb)


@observed(correlation_id_path="id")
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    return delivery.handle(event, context)


loaded()  # the collector resumes (handlers/__init__.py)
