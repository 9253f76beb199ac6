#!/usr/bin/env python3
"""This repository's CDK app: `npx cdk synth` / `npx cdk deploy` (see docs/deploy.md). It only turns CDK context
(cdk.json, `-c name=value`) and calendars/*.ics into the notifier's settings."""

import sys
from pathlib import Path

import aws_cdk as cdk

from ssm_event_notifier import (
    CalendarFileError,
    MemberStack,
    NotifierSettings,
    NotifierStack,
    SettingsError,
    acknowledge_accepted_findings,
    add_rule_packs,
    calendar_files,
    settings_from_context,
)
from ssm_event_notifier.members import MEMBER_STACK_NAME

STACK_NAME = "SsmEventNotifier"
CALENDARS = Path(__file__).resolve().parent / "calendars"
# The routes file beside this app, YAML or JSON, read when present unless -c routes=<path> names another
# (a path given with -c is the user's: relative to where they run cdk).
ROUTES_FILES = tuple(Path(__file__).resolve().parent / name for name in ("routes.yaml", "routes.yml", "routes.json"))


def routes_file(candidates: tuple[Path, ...] = ROUTES_FILES) -> Path | None:
    """The one routes file present, if any; two would leave a team guessing which one is deployed."""
    present = [path for path in candidates if path.exists()]
    if len(present) > 1:
        names = " and ".join(path.name for path in present)
        raise SettingsError(f"routes: both {names} are here; keep one (or name it with -c routes=FILE)")
    return present[0] if present else None


def settings_of(app: cdk.App) -> NotifierSettings:
    """The app's context, this repository's calendars and its routes file as settings."""
    context = app.node.get_all_context()
    found = routes_file() if "routes" not in context else None
    routes = {"routes": str(found)} if found else {}
    return settings_from_context({**routes, **context}, calendars=calendar_files(CALENDARS))


def build(app: cdk.App) -> NotifierStack:
    """The hub (or single-account) stack, the member stack in organization mode, and the cdk-nag rule packs
    that check them at synth (AwsSolutions, Serverless, NIST 800-53 R5: ssm_event_notifier/nag.py)."""
    hub = NotifierStack(
        app,
        STACK_NAME,
        settings=settings_of(app),
        description="SSM Event Notifier: Systems Manager and EC2 AMI events to SNS",
    )
    if hub.hub:
        # Organization mode: the member template the hub's StackSet deploys, also written as a file of its own
        # (cdk.out/assembly-Members/), checked by cdk-nag like the hub. In a stage, so that `cdk deploy` still
        # selects only the hub stack: the StackSet deploys this one.
        members = cdk.Stage(app, "Members")
        # As in the StackSet's template body (ssm_event_notifier.members.member_template): no construct paths.
        members.node.set_context("aws:cdk:enable-path-metadata", False)
        MemberStack(
            members,
            MEMBER_STACK_NAME,
            families=hub.hub.families,
            calendar_reader=hub.hub.calendar_reader,
            tag_reader=hub.hub.tag_reader,
            filters=hub.hub.filters,
        )
    acknowledge_accepted_findings(app)
    add_rule_packs(app)
    return hub


if __name__ == "__main__":
    app = cdk.App()
    try:
        build(app)
    except (CalendarFileError, SettingsError) as error:
        # A configuration mistake: the message says what to fix, a traceback would only hide it.
        sys.exit(f"cannot synthesize {STACK_NAME}: {error}")
    app.synth()
