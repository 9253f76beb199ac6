"""Synthesize the stack once per session (about 4 s), without bundling the layer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from app import settings_of
from ssm_event_notifier.contract.catalog import FUNCTIONS
from ssm_event_notifier.stack import NotifierStack

# The functions of the stack besides one per catalog function: the calendar reconciler (calendars/
# ships an example), the fleet operations' two (perInstanceNotifications=digest, the default) and the
# advance notices' look-ahead (noticeBefore=60, the default).
RECONCILER = "handlers.calendar_reconciler.handler"
STORM = ("handlers.operation_events.handler", "handlers.operation_sweeper.handler")
NOTICES = "handlers.notices.handler"
STACK_HANDLERS = (*FUNCTIONS.values(), RECONCILER, *STORM, NOTICES)

Synth = Callable[..., dict[str, Any]]


def synthesize(**context: Any) -> dict[str, Any]:
    # Skipping bundling keeps pip out of the infrastructure tests; `make synth` bundles for real.
    app = cdk.App(context={"aws:cdk:bundling-stacks": [], **context})
    stack = NotifierStack(app, "SsmEventNotifier", settings=settings_of(app))
    return dict(Template.from_stack(stack).to_json())


# Every family, the opt-in API audit too (enabledFamilies "all" leaves it out).
EVERY_FAMILY = "all,api-audit"
# The calendars of the calendar samples (events/calendar/documents), monitored besides calendars/.
SAMPLE_CALENDARS = "SampleChangeCalendar,MyCalendar"


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return synthesize()


@pytest.fixture(scope="session")
def every_family() -> dict[str, Any]:
    return synthesize(enabledFamilies=EVERY_FAMILY, monitoredCalendars=SAMPLE_CALENDARS)


def as_list(value: Any) -> list[Any]:
    """A policy statement's Action or Resource: one value or a list of them."""
    return value if isinstance(value, list) else [value]


def resources(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def pattern_rules(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The rules that route events (the reconciler's schedule has no pattern)."""
    return {k: v for k, v in resources(template, "AWS::Events::Rule").items() if "EventPattern" in v["Properties"]}


def synthesize_app(**context: Any) -> dict[str, dict[str, Any]]:
    """The repository's app (app.py) as `cdk synth` builds it: "hub" (the stack) and, in organization
    mode, "member" (the stack the StackSet deploys)."""
    from app import build

    app = cdk.App(context={"aws:cdk:bundling-stacks": [], **context})
    hub = build(app)
    assembly = app.synth()
    found = {"hub": assembly.get_stack_artifact(hub.artifact_id).template}
    for stage in assembly.nested_assemblies:
        for stack in stage.nested_assembly.stacks:
            found["member"] = stack.template
    return found
