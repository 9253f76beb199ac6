"""Organization mode, the hub side (docs/organization.md): an event bus that accepts the catalog's
events from the organization only, the hub account's own events forwarded to it, the StackSet that
deploys the member stack (members.py) to the chosen OUs and regions, and what the functions
may read across accounts. The family rules and the fleet operations rule listen on the bus (rules.Routing).
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Acknowledgment, CfnCondition, Fn, ICfnConditionExpression, Stack, Token, Validations
from aws_cdk import aws_cloudformation as cloudformation
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from constructs import Construct

from ssm_event_notifier.contract.catalog import Family, event_types_of
from ssm_event_notifier.contract.environment import Organization
from ssm_event_notifier.contract.route_match import OWNER_TAG_READERS
from ssm_event_notifier.functions import NotifierFunction
from ssm_event_notifier.members import (
    HUB_BUS_PARAMETER,
    HUB_ROLES_PARAMETER,
    READER_REGION_PARAMETER,
    READER_ROLE_NAME,
    Forwarding,
    member_template,
)
from ssm_event_notifier.monitoring import Monitoring
from ssm_event_notifier.rules import DetailFilters, Routing
from ssm_event_notifier.setting_groups import OrganizationSettings

HUB_BUS_NAME = "ssm-event-notifier-hub"
# An event bus's resource policy may hold at most 10 KB (EventBridge quotas).
BUS_POLICY_LIMIT = 10 * 1024
# CloudFormation's TemplateBody limit: the member template travels inline in the StackSet.
TEMPLATE_BODY_LIMIT = 51_200


def bus_sources(families: tuple[Family, ...]) -> list[str]:
    """The families' sources as StringLike values: a {"prefix": p} pattern becomes "p*"."""
    values = {f"{item['prefix']}*" if isinstance(item, dict) else item for f in families for item in f.source_pattern}
    return sorted(values)


def bus_detail_types(families: tuple[Family, ...]) -> list[str]:
    return sorted({e.detail_type for f in families for e in event_types_of(f.name)})


def _any_region(region: str, regions: tuple[str, ...]) -> ICfnConditionExpression:
    """`region` is one of `regions` (Fn::Or takes 2 to 10 conditions: nested beyond)."""
    equals = [Fn.condition_equals(region, name) for name in regions]
    while len(equals) > 1:
        equals = [
            Fn.condition_or(*equals[i : i + 10]) if len(equals[i : i + 10]) > 1 else equals[i]
            for i in range(0, len(equals), 10)
        ]
    return equals[0]


class OrganizationHub(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        organization: OrganizationSettings,
        families: tuple[Family, ...],
        filters: DetailFilters,
        monitoring: Monitoring,
    ) -> None:
        super().__init__(scope, construct_id)
        self.organization = organization
        self.families = families
        self.tag_reader = False  # serve: the members' reader role also reads their instances' tags
        self.window_reader = False  # serve: ... and their Maintenance Windows (advance notices)
        self.filters = filters
        self.bus = events.EventBus(
            self,
            "Bus",
            event_bus_name=HUB_BUS_NAME,
            description="SSM Event Notifier: the Systems Manager and EC2 AMI events of the organization's accounts",
        )
        # Principal "*", only with the organization's id, only the catalog's sources and detail-types.
        self.bus_policy = iam.PolicyStatement(
            sid="OrganizationSystemsManagerEvents",
            principals=[iam.AnyPrincipal()],
            actions=["events:PutEvents"],
            # Its ARN from its name: the bus's own Arn attribute inside its own Policy would be a cycle.
            resources=[Stack.of(self).format_arn(service="events", resource="event-bus", resource_name=HUB_BUS_NAME)],
            conditions={
                "StringEquals": {
                    "aws:PrincipalOrgID": organization.organization_id,
                    "events:detail-type": bus_detail_types(families),
                },
                "StringLike": {"events:source": bus_sources(families)},
            },
        )
        # The bus's own Policy property (the whole document the 10 KB limit counts) rather than
        # add_to_resource_policy, whose AWS::Events::EventBusPolicy sets a deprecated property.
        cfn_bus = self.bus.node.default_child
        assert isinstance(cfn_bus, events.CfnEventBus)
        cfn_bus.policy = iam.PolicyDocument(statements=[self.bus_policy])
        self.routing = Routing(
            event_bus=self.bus,
            included_accounts=organization.included_accounts,
            excluded_accounts=organization.excluded_accounts,
        )
        # The hub account's own events reach its default bus only: the same rules as a member's send them
        # on (StackSets with service-managed permissions never deploy to the management account).
        self.own_events = Forwarding(self, "OwnEvents", bus=self.bus, families=families, filters=filters)
        monitoring.watch_dead_letter_queue(
            "HubForwarding",
            self.own_events.dead_letter_queue,
            "Events of the hub account that EventBridge could not put on the hub's bus",
        )

    @property
    def calendar_reader(self) -> bool:
        """Member accounts get the calendar reader role when the calendar family is routed."""
        return any(f.function == "calendar" for f in self.families)

    def environment(self) -> Organization:
        """What every function of the hub reads (ssm_event_notifier.contract.environment.Organization)."""
        return Organization(
            organization_id=self.organization.organization_id,
            calendar_reader_role=READER_ROLE_NAME if self.calendar_reader else "",
            hub_account=Stack.of(self).account,
        )

    def serve(self, functions: dict[str, NotifierFunction], read_tags: bool = False) -> None:
        """Once the functions exist: the calendar functions may read members' calendars, and with routes by
        tags (`read_tags`) the tag readers their instances' tags; the StackSet deploys the member stack
        (its reader role trusting their roles)."""
        calendar_functions = [functions[n] for n in ("calendar", "calendar-reconciler") if n in functions]
        tag_functions = [functions[n] for n in OWNER_TAG_READERS if n in functions] if read_tags else []
        # The advance notices read every member's windows, whose accounts they list from the member OUs.
        window_functions = [functions["notices"]] if "notices" in functions else []
        self.tag_reader, self.window_reader = bool(tag_functions), bool(window_functions)
        for function in calendar_functions + tag_functions + window_functions:
            self.grant_member_reads(function)
        for function in window_functions:
            self.grant_account_lists(function)
        self.deploy_members([function.role for function in calendar_functions + tag_functions + window_functions])

    def grant_member_reads(self, function: NotifierFunction) -> None:
        """Assume any member's reader role, in the organization only."""
        stack = Stack.of(self)
        function.role.add_to_policy(
            iam.PolicyStatement(
                actions=["sts:AssumeRole"],
                resources=[f"arn:{stack.partition}:iam::*:role/{READER_ROLE_NAME}"],
                conditions={"StringEquals": {"aws:ResourceOrgID": self.organization.organization_id}},
            )
        )
        Validations.of(function).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/{READER_ROLE_NAME}]",
                reason="The member account whose Change Calendar or instances a message is about is known only at "
                "run time; the role name is fixed and the aws:ResourceOrgID condition keeps it inside the "
                "organization.",
            )
        )

    def grant_account_lists(self, function: NotifierFunction) -> None:
        """organizations:ListAccountsForParent and ListOrganizationalUnitsForParent under this organization's
        root and OUs: the member accounts whose windows the advance notices announce."""
        stack = Stack.of(self)
        organization_id = self.organization.organization_id
        parents = [
            f"arn:{stack.partition}:organizations::*:{kind}/{organization_id}/{prefix}*"
            for kind, prefix in (("root", "r-"), ("ou", "ou-"))
        ]
        function.role.add_to_policy(
            iam.PolicyStatement(
                actions=["organizations:ListAccountsForParent", "organizations:ListOrganizationalUnitsForParent"],
                resources=parents,
            )
        )
        for resource in (f"root/{organization_id}/r-*", f"ou/{organization_id}/ou-*"):
            Validations.of(function).acknowledge(
                Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:organizations::*:{resource}]",
                    reason="Read-only: the accounts of the member OUs, walked from the OUs the settings name down "
                    "to those below them, known only at run time; this organization's root and OUs only.",
                )
            )

    def grant_account_names(self, function: NotifierFunction) -> None:
        """organizations:DescribeAccount on the organization's accounts: messages name the account; and
        organizations:ListParents on its accounts and OUs: messages carry the account's OUs (routes by OU)."""
        stack = Stack.of(self)
        organization_id = self.organization.organization_id
        accounts = f"arn:{stack.partition}:organizations::*:account/{organization_id}/*"
        units = f"arn:{stack.partition}:organizations::*:ou/{organization_id}/ou-*"
        function.role.add_to_policy(
            iam.PolicyStatement(actions=["organizations:DescribeAccount"], resources=[accounts])
        )
        # The child whose parent is listed is the resource: an account, then each OU above it.
        function.role.add_to_policy(
            iam.PolicyStatement(actions=["organizations:ListParents"], resources=[accounts, units])
        )
        for resource in (f"account/{organization_id}/*", f"ou/{organization_id}/ou-*"):
            Validations.of(function).acknowledge(
                Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:organizations::*:{resource}]",
                    reason="Read-only: the account an event comes from, and its OUs, are known only at run time; "
                    "the ARN's account part is the management account's, the resource is limited to this "
                    "organization's accounts and OUs.",
                )
            )

    def reader_region(self) -> str:
        """The one region of memberRegions that creates the reader role: the hub's, if listed, else the first."""
        stack = Stack.of(self)
        regions = self.organization.member_regions
        if not Token.is_unresolved(stack.region):
            return stack.region if stack.region in regions else regions[0]
        listed = CfnCondition(self, "HubRegionIsAMemberRegion", expression=_any_region(stack.region, regions))
        return Token.as_string(Fn.condition_if(listed.logical_id, stack.region, regions[0]))

    def deploy_members(self, calendar_roles: list[iam.IRole]) -> cloudformation.CfnStackSet:
        """The member stack to every account of the OUs in every member region, and to accounts that join later."""
        template = member_template(
            families=self.families,
            calendar_reader=self.calendar_reader,
            tag_reader=self.tag_reader,
            window_reader=self.window_reader,
            filters=self.filters,
        )
        parameters: list[Any] = [
            cloudformation.CfnStackSet.ParameterProperty(
                parameter_key=HUB_BUS_PARAMETER, parameter_value=self.bus.event_bus_arn
            )
        ]
        if self.calendar_reader or self.tag_reader or self.window_reader:
            parameters += [
                cloudformation.CfnStackSet.ParameterProperty(
                    parameter_key=HUB_ROLES_PARAMETER,
                    parameter_value=Fn.join(",", [role.role_arn for role in calendar_roles]),
                ),
                cloudformation.CfnStackSet.ParameterProperty(
                    parameter_key=READER_REGION_PARAMETER, parameter_value=self.reader_region()
                ),
            ]
        self.template_body = json.dumps(template, separators=(",", ":"), sort_keys=True)
        return cloudformation.CfnStackSet(
            self,
            "Members",
            stack_set_name=f"{Stack.of(self).stack_name}Members",
            description="SSM Event Notifier, member accounts: forward Systems Manager events to the hub",
            permission_model="SERVICE_MANAGED",
            call_as="DELEGATED_ADMIN" if self.organization.delegated_administrator else "SELF",
            auto_deployment=cloudformation.CfnStackSet.AutoDeploymentProperty(
                enabled=True, retain_stacks_on_account_removal=False
            ),
            capabilities=["CAPABILITY_NAMED_IAM"],
            managed_execution={"Active": True},
            operation_preferences=cloudformation.CfnStackSet.OperationPreferencesProperty(
                region_concurrency_type="PARALLEL"
            ),
            parameters=parameters,
            stack_instances_group=[
                cloudformation.CfnStackSet.StackInstancesProperty(
                    deployment_targets=cloudformation.CfnStackSet.DeploymentTargetsProperty(
                        organizational_unit_ids=list(self.organization.member_organizational_units)
                    ),
                    regions=list(self.organization.member_regions),
                )
            ],
            template_body=self.template_body,
        )
