#!/usr/bin/env python3
"""The CDK app: `npx cdk synth` / `npx cdk deploy` (see README)."""

import sys

import aws_cdk as cdk

from ssm_event_notifier.calendars import CalendarFileError
from ssm_event_notifier.members import MEMBER_STACK_NAME, MemberStack
from ssm_event_notifier.nag import acknowledge_accepted_findings, add_rule_packs
from ssm_event_notifier.settings import SettingsError
from ssm_event_notifier.stack import NotifierStack

STACK_NAME = "SsmEventNotifier"


def build(app: cdk.App) -> NotifierStack:
    """The hub (or single-account) stack, the member stack in organization mode, and the cdk-nag rule packs
    that check them at synth (AwsSolutions, Serverless, NIST 800-53 R5: infra/nag.py)."""
    hub = NotifierStack(app, STACK_NAME, description="SSM Event Notifier: Systems Manager and EC2 AMI events to SNS")
    if hub.hub:
        # Organization mode: the member template the hub's StackSet deploys, also written as a file of its own
        # (cdk.out/assembly-Members/), checked by cdk-nag like the hub. In a stage, so that `cdk deploy` still
        # selects only the hub stack: the StackSet deploys this one.
        members = cdk.Stage(app, "Members")
        # As in the StackSet's template body (infra.members.member_template): no construct paths.
        members.node.set_context("aws:cdk:enable-path-metadata", False)
        MemberStack(
            members,
            MEMBER_STACK_NAME,
            families=hub.hub.families,
            calendar_reader=hub.hub.calendar_reader,
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
