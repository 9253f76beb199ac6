"""Organization mode, the member side: what every member account and region runs, deployed by the
hub's StackSet (infra/ssm_event_notifier/organization.py). No code, no assets: rules, a role, a queue.

- One rule per enabled family on the member's default bus, with the family rules' own patterns
  (ssm_event_notifier.rules.event_pattern), forwarding the account's events straight to the hub's bus (one hop:
  EventBridge does not forward an event a second time), through a role that may only put events on
  that bus, with a dead-letter queue and a retry policy.
- The reader role (a fixed name, created in one region: IAM is global), trusted only by the hub's
  functions that read members: the calendar functions (Change Calendar documents and their state) and,
  with routes by tags, the digest sweeper (the tags of instances and managed nodes).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import CfnCondition, CfnParameter, Fn, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from constructs import Construct

from ssm_event_notifier.contract.catalog import Family
from ssm_event_notifier.rules import TARGET_MAX_EVENT_AGE, TARGET_RETRY_ATTEMPTS, DetailFilters, event_pattern
from ssm_event_notifier.storage import dead_letter_queue

MEMBER_STACK_NAME = "SsmEventNotifierMember"
# The same name in every member account: the hub builds the ARN from the event's account
# (ssm_event_notifier.contract.environment.Organization.calendar_reader_role).
READER_ROLE_NAME = "SsmEventNotifierCalendarReader"
READER_ACTIONS = ("ssm:GetDocument", "ssm:DescribeDocument", "ssm:GetCalendarState")
# Routes by tags: the owners of the instances a fleet operation ran on (notifier.owners.instance_tags).
TAG_READER_ACTIONS = ("ec2:DescribeTags", "ssm:ListTagsForResource")
# Advance notices: the account's Maintenance Windows, their targets and tasks (infra/.../advance_notices.py).
WINDOW_READER_ACTIONS = (
    "ssm:DescribeMaintenanceWindowTargets",
    "ssm:DescribeMaintenanceWindowTasks",
    "ssm:DescribeMaintenanceWindowSchedule",
)
WINDOW_LIST_ACTIONS = ("ssm:DescribeMaintenanceWindows", "ssm:DescribeInstanceInformation")
# The StackSet's parameters (infra/ssm_event_notifier/organization.py passes them).
HUB_BUS_PARAMETER = "HubEventBusArn"
HUB_ROLES_PARAMETER = "HubCalendarRoleArns"
READER_REGION_PARAMETER = "CalendarReaderRegion"
REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-\d$"


def construct_id(name: str) -> str:
    """'run-command' -> 'RunCommand'."""
    return "".join(part.capitalize() for part in name.split("-"))


def _reads(*grants: tuple[Sequence[str], str]) -> iam.PolicyDocument:
    """A policy of (actions, resource) statements."""
    return iam.PolicyDocument(
        statements=[iam.PolicyStatement(actions=list(actions), resources=[resource]) for actions, resource in grants]
    )


class Forwarding(Construct):
    """Rules on this account's default bus that send the catalog's events of this account to `bus`.

    Used by every member account (the bus: a parameter) and by the hub for its own account's events.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        bus: events.IEventBus,
        families: tuple[Family, ...],
        filters: DetailFilters | None = None,
    ):
        super().__init__(scope, construct_id_)
        self.dead_letter_queue = dead_letter_queue(self, "DeadLetterQueue")
        account = Stack.of(self).account
        # targets.EventBus adds the one statement this role gets: events:PutEvents on the hub's bus.
        self.role = iam.Role(
            self,
            "Role",
            description="SSM Event Notifier: EventBridge puts this account's Systems Manager events on the hub's bus",
            assumed_by=iam.ServicePrincipal(
                "events.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": account}}
            ),
        )
        self.rules: list[events.Rule] = []
        filters = filters or DetailFilters()
        for family in (f for f in families if not filters.admit_nothing(f)):
            rule = events.Rule(
                self,
                f"{construct_id(family.name)}Events",
                description=f"SSM Event Notifier: {family.title} events of this account, to the hub's event bus",
                event_pattern=event_pattern(self, family, filters=filters),
                targets=[targets.EventBus(bus, role=self.role, dead_letter_queue=self.dead_letter_queue)],
            )
            # CloudFormation's Target takes a RetryPolicy whatever the target; CDK's EventBus target does not
            # expose it (aws/aws-cdk#28735), hence the override: the same policy as every rule of the stack.
            cfn_rule = rule.node.default_child
            assert isinstance(cfn_rule, events.CfnRule)
            cfn_rule.add_property_override(
                "Targets.0.RetryPolicy",
                {
                    "MaximumRetryAttempts": TARGET_RETRY_ATTEMPTS,
                    "MaximumEventAgeInSeconds": int(TARGET_MAX_EVENT_AGE.to_seconds()),
                },
            )
            self.rules.append(rule)


class MemberStack(Stack):
    """Environment-agnostic: the StackSet deploys the same template to every account and region."""

    def __init__(
        self,
        scope: Construct,
        stack_id: str,
        *,
        families: tuple[Family, ...],
        calendar_reader: bool,
        tag_reader: bool = False,
        window_reader: bool = False,
        filters: DetailFilters | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            scope,
            stack_id,
            # No bootstrap in member accounts, and no assets (BootstraplessSynthesizer refuses them).
            synthesizer=cdk.BootstraplessSynthesizer(),
            analytics_reporting=False,
            description="SSM Event Notifier, member account: Systems Manager and EC2 AMI events to the hub",
            **kwargs,
        )
        hub_bus = CfnParameter(
            self,
            HUB_BUS_PARAMETER,
            type="String",
            allowed_pattern=r"^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus/[A-Za-z0-9._-]+$",
            description="The hub's event bus (the hub stack passes it)",
        )
        bus = events.EventBus.from_event_bus_arn(self, "HubBus", hub_bus.value_as_string)
        self.forwarding = Forwarding(self, "Forwarding", bus=bus, families=families, filters=filters)
        readers = calendar_reader or tag_reader or window_reader
        self.reader = self._reader(calendar_reader, tag_reader, window_reader) if readers else None

    def _reader(self, calendars: bool, tags: bool, windows: bool = False) -> iam.Role:
        trusted = CfnParameter(
            self,
            HUB_ROLES_PARAMETER,
            type="CommaDelimitedList",
            description="The roles of the hub's calendar functions, the only principals the reader role trusts",
        )
        region = CfnParameter(
            self,
            READER_REGION_PARAMETER,
            type="String",
            allowed_pattern=REGION_PATTERN,
            description="The one region whose stack instance creates the reader role (IAM roles are global)",
        )
        here = CfnCondition(
            self, "CalendarReaderHere", expression=Fn.condition_equals(self.region, region.value_as_string)
        )
        policies = {}
        if calendars:
            # Any region: the role is global, the calendars are regional.
            policies["ReadChangeCalendars"] = _reads(
                (READER_ACTIONS, f"arn:{self.partition}:ssm:*:{self.account}:document/*")
            )
        if tags:
            # ec2:DescribeTags names no resource (IAM: "*" only); the managed nodes' tags are in any region.
            nodes = f"arn:{self.partition}:ssm:*:{self.account}:managed-instance/*"
            policies["ReadInstanceTags"] = _reads((["ec2:DescribeTags"], "*"), (["ssm:ListTagsForResource"], nodes))
        if windows:
            # DescribeMaintenanceWindows and DescribeInstanceInformation name no resource (IAM: "*" only).
            windows_arn = f"arn:{self.partition}:ssm:*:{self.account}:maintenancewindow/*"
            policies["ReadMaintenanceWindows"] = _reads(
                (WINDOW_READER_ACTIONS, windows_arn), (WINDOW_LIST_ACTIONS, "*")
            )
        wanted = (("Change Calendars", calendars), ("instances' tags", tags), ("Maintenance Windows", windows))
        readers = [what for what, wanted_ in wanted if wanted_]
        functions = "functions" if tags or windows else "calendar functions"  # a deployed member's words, kept
        # "CalendarReader": its first name, kept so that the role of a deployed member is not replaced.
        role = iam.Role(
            self,
            "CalendarReader",
            role_name=READER_ROLE_NAME,
            description=f"SSM Event Notifier: the hub's {functions} read this account's {' and '.join(readers)}",
            # The parameter is a list: its Ref is the list of role ARNs.
            assumed_by=iam.ArnPrincipal(Fn.ref(trusted.logical_id)),
            inline_policies=policies,
        )
        cfn_role = role.node.default_child
        assert isinstance(cfn_role, iam.CfnRole)
        cfn_role.cfn_options.condition = here
        cdk.Validations.of(role).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:*:<AWS::AccountId>:document/*]",
                reason="Read-only (GetDocument, DescribeDocument, GetCalendarState): the Change Calendar an event "
                "names is known only at run time, in any region of this account; the role is global.",
            ),
            cdk.Acknowledgment(
                id="AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:*:<AWS::AccountId>:managed-instance/*]",
                reason="Read-only (ListTagsForResource): the managed nodes a fleet operation ran on are known only "
                "at run time, in any region of this account; the role is global.",
            ),
            cdk.Acknowledgment(
                id="AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:*:<AWS::AccountId>:maintenancewindow/*]",
                reason="Read-only (the targets, tasks and schedule of a window): every window of this account is "
                "announced, in any region; the role is global.",
            ),
            cdk.Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="ec2:DescribeTags, ssm:DescribeMaintenanceWindows and ssm:DescribeInstanceInformation "
                "support no resource-level permission; they only read.",
            ),
        )
        return role


def member_template(
    *,
    families: tuple[Family, ...],
    calendar_reader: bool,
    tag_reader: bool = False,
    window_reader: bool = False,
    filters: DetailFilters | None = None,
) -> dict[str, Any]:
    """The member stack's template, synthesized in an app of its own (in memory: a temporary outdir,
    not the CLI's cdk.out, whose manifest belongs to the hub's app)."""
    with tempfile.TemporaryDirectory(prefix="ssm-notifier-member-") as outdir:
        app = cdk.App(outdir=outdir, analytics_reporting=False, stack_traces=False)
        # Set on the node, not as the App's context: under the CLI, its context (CDK_CONTEXT_JSON) would win.
        for key, value in {
            "aws:cdk:enable-path-metadata": False,
            "aws:cdk:version-reporting": False,
            "@aws-cdk/aws-iam:minimizePolicies": True,
        }.items():
            app.node.set_context(key, value)
        stack = MemberStack(
            app,
            MEMBER_STACK_NAME,
            families=families,
            calendar_reader=calendar_reader,
            tag_reader=tag_reader,
            window_reader=window_reader,
            filters=filters,
        )
        template: dict[str, Any] = app.synth().get_stack_artifact(stack.artifact_id).template
        return json.loads(json.dumps(template))
