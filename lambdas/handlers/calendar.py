"""Change Calendar state changes, explained from the calendar itself, one notification per transition;
and the calendars' edits, one message per version put into effect (notifier.calendars.edit_messages)."""

from functools import partial
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import loaded
from notifier import observed
from notifier.calendars import (
    CalendarDocuments,
    CalendarEditMessages,
    TransitionStore,
    explain_transition,
    transition_gate,
    version_store,
)
from notifier.core import CalendarEditRecord, Extra, SsmEvent
from notifier.delivery import Delivery
from notifier.organization import MemberClients, Scope
from ssm_event_notifier.contract.environment import CalendarEditing, Dedupe, Organization

organization = Organization.read()
# In a hub, each calendar is read in its own account and region (through the member's reader role).
members = (
    MemberClients(boto3.client("sts"), organization.calendar_reader_role, organization.hub_account)
    if organization.enabled
    else None
)
documents = CalendarDocuments(boto3.client("ssm"), member_ssm=partial(members.client, "ssm") if members else None)
dynamodb, table, scope = boto3.client("dynamodb"), Dedupe.read().table_name, Scope(organization.enabled)
transitions = TransitionStore(dynamodb, table)
edits = CalendarEditMessages(documents, version_store(dynamodb, table), CalendarEditing.read(), scope)


def explain(event: SsmEvent) -> Extra:
    return edits.explain(event) if isinstance(event, CalendarEditRecord) else explain_transition(documents, event)


def gate(event: SsmEvent) -> Any:
    return edits.gate(event) if isinstance(event, CalendarEditRecord) else transition_gate(transitions, event, scope)


delivery = Delivery("calendar", explain=explain, gate=gate, dynamodb=dynamodb)


@observed(correlation_id_path="id")
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    return delivery.handle(event, context)


loaded()  # the collector resumes (handlers/__init__.py)
