"""Automation, State Manager, Parameter Store, OpsCenter, Change Manager, Inventory, Compliance, just-in-time
node access, managed nodes and API audit events: parse, dedupe, render, publish (notifier.delivery)."""

from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import loaded
from notifier import observed
from notifier.access import PendingRequests
from notifier.api_audit import BurstGate
from notifier.core import Extra, SsmEvent
from notifier.delivery import Delivery
from notifier.failures import FailureExplainer
from ssm_event_notifier.contract.environment import AuditBursts, Dedupe

failures = FailureExplainer()
dynamodb = boto3.client("dynamodb")
bursts = BurstGate(dynamodb, Dedupe.read().table_name, AuditBursts.read().window_seconds)
requests = PendingRequests()


def explain(event: SsmEvent) -> Extra | None:
    """Why a failure happened, what a burst of API calls means (a call refused is both: the burst's
    lines follow the failure's), or how long an access request waiting for approval asks for."""
    failure, burst = failures.explain_event(event), bursts.explain(event)
    if failure and burst:
        return Extra(failure.key, failure.document, [*failure.text, "", *burst.text], failure.severity)
    return failure or burst or requests.explain(event)


delivery = Delivery("systems-manager", explain=explain, gate=bursts.gate, dynamodb=dynamodb)


@observed(correlation_id_path="id")
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    return delivery.handle(event, context)


loaded()  # the collector resumes (handlers/__init__.py)
