"""EventBridge rules on the default bus: one per family, this account's events only."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from constructs import Construct

from infra.functions import NotifierFunction
from notifier.core.catalog import Family, event_types_of

# How long EventBridge keeps trying a target it cannot reach before its dead-letter queue.
TARGET_RETRY_ATTEMPTS = 8
TARGET_MAX_EVENT_AGE = Duration.hours(24)


def source_match(family: Family) -> list[str]:
    """The catalog's source pattern in CDK's terms (plain values or {"prefix": ...})."""
    values: list[str] = []
    for item in family.source_pattern:
        if isinstance(item, dict):
            values += events.Match.prefix(item["prefix"])
        else:
            values.append(item)
    return values


class FamilyRule(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        family: Family,
        target: NotifierFunction,
        excluded: tuple[str, ...] = (),
    ) -> None:
        """`excluded`: detail-types of the family routed elsewhere (storm control's buffer)."""
        super().__init__(scope, construct_id)
        self.rule = events.Rule(
            self,
            "Rule",
            description=f"SSM Event Notifier: {family.title} events of this account",
            event_pattern=events.EventPattern(
                source=source_match(family),
                detail_type=[e.detail_type for e in event_types_of(family.name) if e.detail_type not in excluded],
                account=[Stack.of(self).account],
            ),
            targets=[
                targets.LambdaFunction(
                    target.function,
                    # Invocations EventBridge cannot make (throttled, function missing) land here too.
                    dead_letter_queue=target.dead_letter_queue,
                    retry_attempts=TARGET_RETRY_ATTEMPTS,
                    max_event_age=TARGET_MAX_EVENT_AGE,
                )
            ],
        )
