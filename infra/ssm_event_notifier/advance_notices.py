"""Advance notices (notifier.notices): a scheduled look-ahead that announces each Maintenance Window run and
each monitored Change Calendar transition `noticeBefore` minutes ahead. Its reads, and nothing else."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, Duration, Stack, Validations
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam

from ssm_event_notifier.calendars import grant_calendar_reads
from ssm_event_notifier.contract.environment import NOTICE_RATE_MINUTES, Noticing
from ssm_event_notifier.core import NotifierCore
from ssm_event_notifier.functions import NotifierFunction
from ssm_event_notifier.members import READER_ROLE_NAME
from ssm_event_notifier.rules import SCHEDULE_RETRY_ATTEMPTS, lambda_target

# The list of windows and the managed nodes a tag target resolves to: no resource-level permission exists
# for either (the Service Authorization Reference lists no resource type), so "*" only. Read-only.
READS_WITHOUT_RESOURCES = ("ssm:DescribeMaintenanceWindows", "ssm:DescribeInstanceInformation")
# A window's targets, tasks and schedule: on the account's windows.
WINDOW_READS = (
    "ssm:DescribeMaintenanceWindowTargets",
    "ssm:DescribeMaintenanceWindowTasks",
    "ssm:DescribeMaintenanceWindowSchedule",
)


def add_notices(core: NotifierCore) -> NotifierFunction | None:
    """The look-ahead function and its schedule, unless noticeBefore is 0."""
    leads = tuple(core.settings.notice_before)
    if not leads:
        return None
    function = core.add_function(
        "notices",
        "handlers.notices.handler",
        core.dedupe,
        core.publishing,
        Noticing(lead_minutes=leads, calendars=core.monitored, **_members(core)),
        description="SSM Event Notifier: advance notices of Maintenance Window runs and Change Calendar transitions",
    )
    grant_window_reads(function)
    if core.monitored:
        grant_calendar_reads(function, list(core.monitored), state=False)
    events.Rule(
        core.scope,
        "NoticeSchedule",
        description="SSM Event Notifier: announce Maintenance Window runs and Change Calendar transitions ahead",
        schedule=events.Schedule.rate(Duration.minutes(NOTICE_RATE_MINUTES)),
        targets=[lambda_target(function, retry_attempts=SCHEDULE_RETRY_ATTEMPTS, max_event_age=None)],
    )
    return function


def _members(core: NotifierCore) -> dict[str, Any]:
    """Organization mode: the members whose windows the hub announces too (organization.py serve grants the
    reads and the StackSet gives their reader role the window reads)."""
    if not core.hub:
        return {}
    organization = core.hub.organization
    return {
        "member_units": organization.member_organizational_units,
        "member_regions": organization.member_regions,
        "included_accounts": organization.included_accounts,
        "excluded_accounts": organization.excluded_accounts,
        "reader_role": READER_ROLE_NAME,
    }


def grant_window_reads(function: NotifierFunction) -> None:
    stack = Stack.of(function)
    windows = f"arn:{stack.partition}:ssm:{stack.region}:{stack.account}:maintenancewindow/*"
    function.role.add_to_policy(iam.PolicyStatement(actions=list(WINDOW_READS), resources=[windows]))
    function.role.add_to_policy(iam.PolicyStatement(actions=list(READS_WITHOUT_RESOURCES), resources=["*"]))
    Validations.of(function).acknowledge(
        Acknowledgment(
            id="AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:maintenancewindow/*]",
            reason="Read-only: every Maintenance Window of the stack's account and region is announced, whichever "
            "exist when the look-ahead runs.",
        ),
    )  # Resource::* (the reads above): acknowledged for every function (nag.acknowledge_function_findings)
