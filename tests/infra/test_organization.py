"""Organization mode (issue 14, infrastructure): the hub's bus and its policy, the rules on it with
the account filters, the member template the StackSet deploys, the grants, and the single-account
stack unchanged."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from moto.events.models import EventPattern

from ssm_event_notifier.contract.catalog import EVENT_TYPES, FAMILIES
from ssm_event_notifier.members import READER_ACTIONS, READER_ROLE_NAME, WINDOW_LIST_ACTIONS, WINDOW_READER_ACTIONS
from ssm_event_notifier.organization import BUS_POLICY_LIMIT, HUB_BUS_NAME, TEMPLATE_BODY_LIMIT
from ssm_event_notifier.setting_checks import SettingsError
from ssm_event_notifier.setting_groups import organization_settings
from ssm_event_notifier.setting_names import settings_from_context
from tests.infra.conftest import EVERY_FAMILY, NOTICES, SAMPLE_CALENDARS, as_list, pattern_rules, resources, synthesize
from tests.security.checkov_gate import CHECKOV, accepted, judge, run_checkov
from tools.harness.samples import SAMPLE_FILES, read, sample_id

ORG = "o-abc123defg"
OUS = "ou-ab12-34567890,r-ab12"
REGIONS = "eu-west-1,us-east-1"
HUB_ACCOUNT = "123456789012"
EXCLUDED = "222222222222"
INCLUDED = ("111111111111", "333333333333")
ORGANIZATION_VARIABLES = ("ORGANIZATION_ID", "CALENDAR_READER_ROLE", "HUB_ACCOUNT")
SINGLE_ACCOUNT_RESOURCES = Path(__file__).with_name("single_account_resources.json")


def _organization(**context: Any) -> dict[str, Any]:
    return synthesize(organizationId=ORG, memberOrganizationalUnits=OUS, memberRegions=REGIONS, **context)


@pytest.fixture(scope="module")
def hub() -> dict[str, Any]:
    """Every family, no account filter."""
    return _organization(enabledFamilies=EVERY_FAMILY)


@pytest.fixture(scope="module")
def excluding() -> dict[str, Any]:
    return _organization(excludedAccounts=EXCLUDED, enabledFamilies=EVERY_FAMILY, monitoredCalendars=SAMPLE_CALENDARS)


@pytest.fixture(scope="module")
def including() -> dict[str, Any]:
    """Two families (no calendar) and no advance notice: no reader role; two accounts, the StackSet as delegated
    administrator."""
    return _organization(
        includedAccounts=",".join(INCLUDED),
        enabledFamilies="ami,run-command",
        delegatedAdministrator="true",
        noticeBefore="0",
    )


def _one(template: dict[str, Any], resource_type: str) -> tuple[str, dict[str, Any]]:
    (found,) = resources(template, resource_type).items()
    return found


def _stack_set(template: dict[str, Any]) -> dict[str, Any]:
    return _one(template, "AWS::CloudFormation::StackSet")[1]["Properties"]


def _member(template: dict[str, Any]) -> dict[str, Any]:
    """The member template as the StackSet deploys it."""
    body: dict[str, Any] = json.loads(_stack_set(template)["TemplateBody"])
    return body


def _bus_id(template: dict[str, Any]) -> str:
    return _one(template, "AWS::Events::EventBus")[0]


def _hub_rules(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    bus = {"Ref": _bus_id(template)}
    return {k: v for k, v in pattern_rules(template).items() if v["Properties"].get("EventBusName") == bus}


def _resolved(value: Any) -> Any:
    """Intrinsics resolved as in account 123456789012, us-east-1, partition aws."""
    if isinstance(value, list):
        return [_resolved(v) for v in value]
    if isinstance(value, dict):
        if "Ref" in value and value["Ref"].startswith("AWS::"):
            return {"AWS::AccountId": HUB_ACCOUNT, "AWS::Region": "us-east-1", "AWS::Partition": "aws"}[value["Ref"]]
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(_resolved(parts))
        return {k: _resolved(v) for k, v in value.items()}
    return value


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    """Every policy statement of the template, wherever it sits (roles, policies, queues, topics, the bus)."""
    found: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if "Effect" in value and ("Action" in value or "NotAction" in value):
                found.append(value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(template["Resources"])
    return found


# -- the hub's bus -----------------------------------------------------------------------------------


def test_the_bus_accepts_put_events_from_the_organization_only_for_the_catalogs_events(hub):
    _, bus = _one(hub, "AWS::Events::EventBus")
    assert bus["Properties"]["Name"] == HUB_BUS_NAME
    assert not resources(hub, "AWS::Events::EventBusPolicy")  # the whole policy is the bus's Policy
    (statement,) = bus["Properties"]["Policy"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"AWS": "*"}
    assert statement["Action"] == "events:PutEvents"
    assert _resolved(statement["Resource"]) == f"arn:aws:events:us-east-1:{HUB_ACCOUNT}:event-bus/{HUB_BUS_NAME}"
    assert statement["Condition"] == {
        "StringEquals": {
            "aws:PrincipalOrgID": ORG,
            "events:detail-type": sorted({e.detail_type for e in EVENT_TYPES}),
        },
        # Compliance's pattern is a prefix ("aws."): only AWS may send a source starting with it.
        "StringLike": {"events:source": ["aws.*", "aws.ec2", "aws.ssm"]},
    }


def test_the_bus_policy_fits_in_its_10_kb_limit(hub):
    policy = _resolved(_one(hub, "AWS::Events::EventBus")[1]["Properties"]["Policy"])
    size = len(json.dumps(policy).encode())
    assert size < BUS_POLICY_LIMIT
    assert size < 3000  # about 1.7 KB today: one statement, 18 detail-types


def test_no_principal_star_is_allowed_without_the_organization_condition(hub):
    for template in (hub, _member(hub)):
        for statement in _statements(template):
            if statement["Effect"] == "Allow" and statement.get("Principal") in ("*", {"AWS": "*"}):
                assert statement["Condition"]["StringEquals"]["aws:PrincipalOrgID"] == ORG, statement


# -- the rules on the hub's bus ------------------------------------------------------------------------


def test_family_rules_and_the_storm_rule_listen_on_the_hub_bus_for_every_account_of_the_organization(hub):
    default = synthesize(enabledFamilies=EVERY_FAMILY)
    rules = _hub_rules(hub)
    # The same rules as the single-account stack (same logical IDs), moved to the hub's bus.
    assert sorted(rules) == sorted(pattern_rules(default))
    for name, rule in rules.items():
        pattern = rule["Properties"]["EventPattern"]
        assert "account" not in pattern, name  # the bus's policy admits the organization only
        assert {k: v for k, v in pattern.items()} == {
            k: v for k, v in pattern_rules(default)[name]["Properties"]["EventPattern"].items() if k != "account"
        }


def test_excluded_and_included_accounts_are_filtered_in_the_hub_rules(excluding, including):
    for rule in _hub_rules(excluding).values():
        assert rule["Properties"]["EventPattern"]["account"] == [{"anything-but": [EXCLUDED]}]
    assert _hub_rules(including)
    for rule in _hub_rules(including).values():
        assert rule["Properties"]["EventPattern"]["account"] == list(INCLUDED)


def _matching(template: dict[str, Any], event: dict[str, Any]) -> list[str]:
    return [
        name
        for name, rule in _hub_rules(template).items()
        if EventPattern.load(json.dumps(rule["Properties"]["EventPattern"])).matches_event(event)  # type: ignore[arg-type]
    ]


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=sample_id)
def test_an_excluded_accounts_event_matches_no_hub_rule_and_another_accounts_does(excluding, path):
    event = read(path)
    assert _matching(excluding, {**event, "account": EXCLUDED}) == []
    assert len(_matching(excluding, {**event, "account": "444444444444"})) == 1


def test_only_included_accounts_events_match(including):
    event = read(next(p for p in SAMPLE_FILES if p.parent.name == "ami"))
    assert len(_matching(including, {**event, "account": INCLUDED[1]})) == 1
    assert _matching(including, {**event, "account": "444444444444"}) == []


def test_the_hub_accounts_own_events_are_forwarded_from_its_default_bus_with_the_same_patterns(hub):
    bus = _bus_id(hub)
    forwarding = {k: v for k, v in pattern_rules(hub).items() if k.startswith("OrganizationOwnEvents")}
    member_rules = pattern_rules(_member(hub))
    assert len(forwarding) == len(FAMILIES) == len(member_rules)
    for rule in forwarding.values():
        props = rule["Properties"]
        assert "EventBusName" not in props  # the default bus
        assert props["EventPattern"]["account"] == [{"Ref": "AWS::AccountId"}]
        (target,) = props["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": [bus, "Arn"]}
        assert "DeadLetterConfig" in target
        assert target["RetryPolicy"] == {"MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 86400}
    own = sorted(json.dumps(r["Properties"]["EventPattern"], sort_keys=True) for r in forwarding.values())
    members = sorted(json.dumps(r["Properties"]["EventPattern"], sort_keys=True) for r in member_rules.values())
    assert own == members
    # Every catalog detail-type is forwarded, exactly once.
    listed = [d for r in forwarding.values() for d in r["Properties"]["EventPattern"]["detail-type"]]
    assert sorted(listed) == sorted(e.detail_type for e in EVENT_TYPES)


# -- the member template -------------------------------------------------------------------------------


def test_the_member_template_has_rules_a_role_and_a_queue_no_code_and_no_assets(hub):
    member = _member(hub)
    body = _stack_set(hub)["TemplateBody"]
    assert len(body.encode()) < TEMPLATE_BODY_LIMIT
    assert {r["Type"] for r in member["Resources"].values()} == {
        "AWS::Events::Rule",
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
        "AWS::SQS::Queue",
        "AWS::SQS::QueuePolicy",
    }
    assert "Lambda" not in body
    assert "asset" not in body.lower()
    assert "BootstrapVersion" not in body  # member accounts are not bootstrapped
    assert "Rules" not in member
    assert "CDKMetadata" not in member["Resources"]


def test_member_rules_send_to_the_hub_bus_through_a_role_that_may_only_put_events_there(hub):
    member = _member(hub)
    rules = pattern_rules(member)
    assert len(rules) == len(FAMILIES)
    (queue_id, queue) = _one(member, "AWS::SQS::Queue")
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    (role_id, role) = next(
        (k, v) for k, v in resources(member, "AWS::IAM::Role").items() if "RoleName" not in v["Properties"]
    )
    for rule in rules.values():
        props = rule["Properties"]
        assert "EventBusName" not in props  # the member's default bus
        assert props["EventPattern"]["account"] == [{"Ref": "AWS::AccountId"}]
        (target,) = props["Targets"]
        assert target["Arn"] == {"Ref": "HubEventBusArn"}
        assert target["RoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue_id, "Arn"]}}
        assert target["RetryPolicy"] == {"MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 86400}
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    (policy,) = resources(member, "AWS::IAM::Policy").values()
    assert policy["Properties"]["Roles"] == [{"Ref": role_id}]
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {"Action": "events:PutEvents", "Effect": "Allow", "Resource": {"Ref": "HubEventBusArn"}}
    ]
    # Only EventBridge, only from these rules, may send to the dead-letter queue.
    (queue_policy,) = resources(member, "AWS::SQS::QueuePolicy").values()
    allows = [s for s in queue_policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    sources = [arn for s in allows for arn in as_list(s["Condition"]["ArnEquals"]["aws:SourceArn"])]
    assert {s["Principal"]["Service"] for s in allows} == {"events.amazonaws.com"}
    assert sorted(a["Fn::GetAtt"][0] for a in sources) == sorted(rules)


def test_the_calendar_reader_role_trusts_only_the_hubs_calendar_functions_in_one_region(hub):
    member = _member(hub)
    (role,) = [r for r in resources(member, "AWS::IAM::Role").values() if "RoleName" in r["Properties"]]
    props = role["Properties"]
    assert props["RoleName"] == READER_ROLE_NAME
    (trust,) = props["AssumeRolePolicyDocument"]["Statement"]
    assert trust == {
        "Action": "sts:AssumeRole",
        "Effect": "Allow",
        "Principal": {"AWS": {"Ref": "HubCalendarRoleArns"}},
    }
    (policy,) = [p for p in props["Policies"] if p["PolicyName"] == "ReadChangeCalendars"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert sorted(statement["Action"]) == sorted(READER_ACTIONS)
    assert _resolved(statement["Resource"]) == f"arn:aws:ssm:*:{HUB_ACCOUNT}:document/*"
    assert member["Parameters"]["HubCalendarRoleArns"]["Type"] == "CommaDelimitedList"
    assert member["Conditions"][role["Condition"]] == {
        "Fn::Equals": [{"Ref": "AWS::Region"}, {"Ref": "CalendarReaderRegion"}]
    }
    # The hub passes its region when it is a member region, else the first member region.
    (condition_id, condition) = next(iter(hub["Conditions"].items()))
    assert condition == {"Fn::Or": [{"Fn::Equals": [{"Ref": "AWS::Region"}, r]} for r in REGIONS.split(",")]}
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in _stack_set(hub)["Parameters"]}
    assert parameters["CalendarReaderRegion"] == {"Fn::If": [condition_id, {"Ref": "AWS::Region"}, "eu-west-1"]}
    roles = [value["Fn::GetAtt"][0] for value in parameters["HubCalendarRoleArns"]["Fn::Join"][1]]
    assert [r.split("Role")[0] for r in roles] == ["CalendarNotifier", "CalendarReconciler", "Notices"]


def test_the_reader_role_reads_the_members_windows_for_the_advance_notices_which_list_the_member_accounts(hub):
    (role,) = [r for r in resources(_member(hub), "AWS::IAM::Role").values() if "RoleName" in r["Properties"]]
    (policy,) = [p for p in role["Properties"]["Policies"] if p["PolicyName"] == "ReadMaintenanceWindows"]
    statements = {_resolved(s["Resource"]): sorted(s["Action"]) for s in policy["PolicyDocument"]["Statement"]}
    assert statements == {
        f"arn:aws:ssm:*:{HUB_ACCOUNT}:maintenancewindow/*": sorted(WINDOW_READER_ACTIONS),
        "*": sorted(WINDOW_LIST_ACTIONS),
    }
    (notices,) = [f for f in resources(hub, "AWS::Lambda::Function").values() if f["Properties"]["Handler"] == NOTICES]
    variables = notices["Properties"]["Environment"]["Variables"]
    assert variables["NOTICE_MEMBER_UNITS"] == OUS and variables["NOTICE_READER_ROLE"] == READER_ROLE_NAME
    assert variables["NOTICE_MEMBER_REGIONS"] == REGIONS
    actions = {a for s in _statements(hub) if "Principal" not in s for a in as_list(s["Action"])}
    assert {"organizations:ListAccountsForParent", "organizations:ListOrganizationalUnitsForParent"} <= actions


def test_the_reader_region_is_decided_at_synth_when_the_hub_has_a_region():
    app = cdk.App(
        context={
            "aws:cdk:bundling-stacks": [],
            "organizationId": ORG,
            "memberOrganizationalUnits": OUS,
            "memberRegions": "eu-west-1,eu-central-1",
        }
    )
    from app import settings_of
    from ssm_event_notifier.stack import NotifierStack

    stack = NotifierStack(
        app, "Hub", settings=settings_of(app), env=cdk.Environment(account=HUB_ACCOUNT, region="eu-central-1")
    )
    assert stack.hub is not None
    assert stack.hub.reader_region() == "eu-central-1"


def test_without_the_calendar_family_members_get_no_reader_role(including):
    member = _member(including)
    assert not [r for r in resources(member, "AWS::IAM::Role").values() if "RoleName" in r["Properties"]]
    assert sorted(member["Parameters"]) == ["HubEventBusArn"]
    assert len(pattern_rules(member)) == 2


# -- the StackSet --------------------------------------------------------------------------------------


def test_the_stack_set_deploys_the_member_stack_to_the_ous_and_regions_and_to_accounts_joining_later(hub, including):
    props = _stack_set(hub)
    assert props["PermissionModel"] == "SERVICE_MANAGED"
    assert props["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    assert props["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    assert props["CallAs"] == "SELF"
    assert _stack_set(including)["CallAs"] == "DELEGATED_ADMIN"
    (group,) = props["StackInstancesGroup"]
    assert group["DeploymentTargets"] == {"OrganizationalUnitIds": OUS.split(",")}
    assert group["Regions"] == REGIONS.split(",")
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in props["Parameters"]}
    assert parameters["HubEventBusArn"] == {"Fn::GetAtt": [_bus_id(hub), "Arn"]}
    assert sorted(parameters) == sorted(_member(hub)["Parameters"])


# -- grants and environment ------------------------------------------------------------------------------


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return resources(template, "AWS::Lambda::Function")


def _role_statements(template: dict[str, Any], function: dict[str, Any]) -> list[dict[str, Any]]:
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        s
        for p in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_every_hub_function_knows_the_organization(hub):
    for function in _functions(hub).values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["ORGANIZATION_ID"] == ORG
        assert variables["CALENDAR_READER_ROLE"] == READER_ROLE_NAME
        assert variables["HUB_ACCOUNT"] == {"Ref": "AWS::AccountId"}


def test_calendar_functions_may_assume_reader_roles_and_publishers_may_name_accounts_and_read_their_ous(hub):
    for name, function in _functions(hub).items():
        statements = _role_statements(hub, function)
        assume = [s for s in statements if "sts:AssumeRole" in as_list(s["Action"])]
        describe = [s for s in statements if "organizations:DescribeAccount" in as_list(s["Action"])]
        parents = [s for s in statements if "organizations:ListParents" in as_list(s["Action"])]
        handler = function["Properties"]["Handler"]
        # The calendar functions read members' calendars; the advance notices their Maintenance Windows.
        if handler in ("handlers.calendar.handler", "handlers.calendar_reconciler.handler", NOTICES):
            (statement,) = assume
            assert _resolved(statement["Resource"]) == f"arn:aws:iam::*:role/{READER_ROLE_NAME}"
            assert statement["Condition"] == {"StringEquals": {"aws:ResourceOrgID": ORG}}
        else:
            assert assume == [], name
        if "NOTIFICATION_TOPIC_ARN" in function["Properties"]["Environment"]["Variables"]:
            (statement,) = describe
            assert _resolved(statement["Resource"]) == f"arn:aws:organizations::*:account/{ORG}/*"
            # The account's parent, then each OU's: the organization's accounts and OUs, nothing else.
            (statement,) = parents
            assert as_list(statement["Action"]) == ["organizations:ListParents"]
            assert [_resolved(r) for r in statement["Resource"]] == [
                f"arn:aws:organizations::*:account/{ORG}/*",
                f"arn:aws:organizations::*:ou/{ORG}/ou-*",
            ]
        else:  # the recorder publishes nothing
            assert describe == parents == [], name


# -- single-account mode ---------------------------------------------------------------------------------


def test_the_single_account_template_is_unchanged(template):
    pinned = json.loads(SINGLE_ACCOUNT_RESOURCES.read_text())
    assert {k: v["Type"] for k, v in template["Resources"].items()} == pinned
    assert not {"AWS::Events::EventBus", "AWS::Events::EventBusPolicy", "AWS::CloudFormation::StackSet"} & {
        r["Type"] for r in template["Resources"].values()
    }
    assert "Conditions" not in template
    assert set(template.get("Parameters", {})) <= {"BootstrapVersion"}
    for rule in resources(template, "AWS::Events::Rule").values():
        assert "EventBusName" not in rule["Properties"]
    for function in _functions(template).values():
        assert not set(ORGANIZATION_VARIABLES) & set(function["Properties"]["Environment"]["Variables"])
    # Identity policies (trust policies name sts:AssumeRole for the functions' own roles).
    actions = {a for s in _statements(template) if "Principal" not in s for a in as_list(s["Action"])}
    assert not {a for a in actions if a.startswith(("organizations:", "sts:"))}


def test_a_hub_keeps_every_resource_of_the_single_account_stack(template, hub):
    """Switching a deployed stack to organization mode updates it in place: nothing is replaced."""
    for logical_id, resource in template["Resources"].items():
        assert hub["Resources"][logical_id]["Type"] == resource["Type"]


# -- settings -----------------------------------------------------------------------------------------


def _read(region: str | None = None, **context: Any) -> Any:
    """The organization settings that context gives a stack in `region` (None: environment-agnostic)."""
    return organization_settings(settings_from_context(context), region)


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"organizationId": "abc"}, "organizationId: 'abc' is not an organization id"),
        ({"organizationId": ORG, "memberRegions": REGIONS}, "memberOrganizationalUnits: required"),
        ({"organizationId": ORG, "memberOrganizationalUnits": "ou-1"}, "memberOrganizationalUnits: 'ou-1' is not"),
        ({"organizationId": ORG, "memberOrganizationalUnits": OUS}, "memberRegions (member_regions): required"),
        (
            {"organizationId": ORG, "memberOrganizationalUnits": OUS, "memberRegions": "mars-1"},
            "memberRegions: 'mars-1'",
        ),
        (
            {
                "organizationId": ORG,
                "memberOrganizationalUnits": OUS,
                "memberRegions": REGIONS,
                "excludedAccounts": "12",
            },
            "excludedAccounts: '12' is not a 12-digit account id",
        ),
        (
            {
                "organizationId": ORG,
                "memberOrganizationalUnits": OUS,
                "memberRegions": REGIONS,
                "includedAccounts": INCLUDED[0],
                "excludedAccounts": EXCLUDED,
            },
            "excludedAccounts: set includedAccounts or excludedAccounts, not both",
        ),
        ({"memberRegions": REGIONS}, "memberRegions: only used with organizationId"),
    ],
)
def test_organization_settings_are_validated_naming_the_setting(context, message):
    with pytest.raises(SettingsError, match=re.escape(message.split(":")[0])) as error:
        _read(**context)
    assert message in str(error.value)


def test_member_regions_default_to_the_hubs_region_when_it_has_one():
    assert _read("eu-west-1", organizationId=ORG, memberOrganizationalUnits=OUS).member_regions == ("eu-west-1",)
    assert _read() is None


def test_a_bad_setting_fails_the_synth():
    with pytest.raises(SettingsError, match="organizationId"):
        synthesize(organizationId="o-UPPER")


# -- checkov ------------------------------------------------------------------------------------------


def test_checkov_accepts_the_hub_and_the_member_template(hub, tmp_path):
    if not CHECKOV.exists():
        pytest.fail(f"checkov is not installed at {CHECKOV}: run `make setup`", pytrace=False)
    reasons = accepted()
    for name, template in (("hub", hub), ("member", _member(hub))):
        path = tmp_path / f"{name}.template.json"
        path.write_text(json.dumps(template))
        problems = judge(run_checkov(path), reasons)
        # The member template has no function, table or log group: their accepted checks cannot fail there.
        assert [p for p in problems if "no longer fails" not in p] == [], name
