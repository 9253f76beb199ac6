"""Change Calendar state changes, explained from the calendar itself, one notification per transition."""

from functools import partial
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier.calendars import explanations
from notifier.calendars.documents import CalendarDocuments
from notifier.calendars.transitions import TransitionStore
from notifier.delivery.observability import logger, metrics, tracer
from notifier.delivery.pipeline import Delivery
from notifier.environment import Dedupe, Organization
from notifier.organization.member_clients import MemberClients
from notifier.organization.scope import Scope

organization = Organization.read()
# In a hub, each calendar is read in its own account and region (through the member's reader role).
members = (
    MemberClients(boto3.client("sts"), organization.calendar_reader_role, organization.hub_account)
    if organization.enabled
    else None
)
documents = CalendarDocuments(boto3.client("ssm"), member_ssm=partial(members.client, "ssm") if members else None)
transitions = TransitionStore(boto3.client("dynamodb"), Dedupe.read().table_name)
delivery = Delivery(
    "calendar",
    explain=partial(explanations.explain, documents),
    gate=partial(explanations.gate, transitions, scope=Scope(organization.enabled)),
)


@logger.inject_lambda_context(correlation_id_path="id", clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    return delivery.handle(event, context)
