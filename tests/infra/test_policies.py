"""Every policy of the template: who may publish notifications, TLS, no wildcard grants, this account only."""

from __future__ import annotations

from typing import Any

from ssm_event_notifier.advance_notices import READS_WITHOUT_RESOURCES as NOTICE_READS
from ssm_event_notifier.failure_reads import READS_WITHOUT_RESOURCES
from tests.infra.conftest import as_list, pattern_rules, resources


def _policy_statements(template: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(resource type, logical id, statement) of every policy document: IAM, topic, queue and key policies."""
    found = []
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        documents = [props.get("PolicyDocument"), props.get("KeyPolicy")]
        documents += [policy["PolicyDocument"] for policy in props.get("Policies", [])]
        for document in filter(None, documents):
            found += [(resource["Type"], logical_id, statement) for statement in document["Statement"]]
    return found


def _notification_topic(template: dict[str, Any]) -> str:
    (topic,) = [k for k in resources(template, "AWS::SNS::Topic") if "Notifications" in k]
    return topic


def _function_roles(template: dict[str, Any]) -> set[str]:
    roles = set()
    for function in resources(template, "AWS::Lambda::Function").values():
        role = function["Properties"]["Role"]["Fn::GetAtt"]
        assert role[1] == "Arn"
        roles.add(role[0])
    return roles


def _role_arns(principals: Any) -> set[str]:
    arns = set()
    for principal in as_list(principals):
        assert set(principal) == {"Fn::GetAtt"} and principal["Fn::GetAtt"][1] == "Arn", principal
        arns.add(principal["Fn::GetAtt"][0])
    return arns


def _publishing_roles(template: dict[str, Any]) -> set[str]:
    """The roles whose identity policies grant sns:Publish on the notification topic."""
    topic = _notification_topic(template)
    granted: set[str] = set()
    for policy in resources(template, "AWS::IAM::Policy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        if any("sns:Publish" in as_list(s["Action"]) and s["Resource"] == {"Ref": topic} for s in statements):
            granted |= {role["Ref"] for role in policy["Properties"]["Roles"]}
    return granted


def test_only_the_stack_functions_may_publish_to_the_notification_topic(template):
    topic = _notification_topic(template)
    publishers = _publishing_roles(template)
    assert publishers and publishers <= _function_roles(template)
    (policy,) = [
        p
        for p in resources(template, "AWS::SNS::TopicPolicy").values()
        if p["Properties"]["Topics"] == [{"Ref": topic}]
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    (allowed,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allowed["Action"] == "sns:Publish" and allowed["Resource"] == {"Ref": topic}
    assert _role_arns(allowed["Principal"]["AWS"]) == publishers
    # SNS lets any principal of the account with an identity policy publish: the Deny is what restricts.
    (denied,) = [s for s in statements if s["Effect"] == "Deny" and "ArnNotEquals" in s.get("Condition", {})]
    assert denied["Principal"] == {"AWS": "*"}
    assert denied["Action"] == "sns:Publish" and denied["Resource"] == {"Ref": topic}
    assert set(denied["Condition"]) == {"ArnNotEquals"}
    assert _role_arns(denied["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]) == publishers


def test_both_topics_deny_publishing_without_tls(template):
    denied = set()
    for policy in resources(template, "AWS::SNS::TopicPolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Deny" and statement.get("Condition") == {
                "Bool": {"aws:SecureTransport": "false"}
            }:
                assert statement["Principal"] in ("*", {"AWS": "*"})
                denied |= {ref["Ref"] for ref in as_list(statement["Resource"])}
    assert denied == set(resources(template, "AWS::SNS::Topic"))


# The one wildcard grant the template keeps, with its reason.
KEY_ADMINISTRATION = (
    "AWS's default key policy: the account (root) may administer and use the key, so that IAM policies "
    "of the account govern it; without it no identity policy could grant kms:Decrypt."
)


def _is_key_administration(resource_type: str, statement: dict[str, Any]) -> bool:
    principal = statement.get("Principal", {})
    root = isinstance(principal, dict) and ":root" in str(principal.get("AWS"))
    return resource_type == "AWS::KMS::Key" and root and statement["Action"] == "kms:*"


def test_no_allow_statement_of_any_policy_has_a_wildcard_action(template):
    statements = _policy_statements(template)
    assert len(statements) > 20
    for resource_type, logical_id, statement in statements:
        if statement["Effect"] != "Allow" or _is_key_administration(resource_type, statement):
            continue  # a Deny with sqs:* or sns:* takes away, it grants nothing
        for action in as_list(statement["Action"]):
            assert "*" not in action, (logical_id, statement)
    assert any(_is_key_administration(t, s) for t, _, s in statements), KEY_ADMINISTRATION


def test_every_resource_is_named_where_aws_allows_it(template):
    for resource_type, logical_id, statement in _policy_statements(template):
        if statement["Effect"] != "Allow" or "*" not in as_list(statement.get("Resource")):
            continue
        if resource_type == "AWS::KMS::Key":
            continue  # in a key policy, "*" means this key
        # X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level permissions, nor
        # have the failure reads listed in infra/failure_reads.py (all read-only).
        actions = set(as_list(statement["Action"]))
        assert all(a.startswith("xray:") or a in READS_WITHOUT_RESOURCES or a in NOTICE_READS for a in actions), (
            logical_id,
            statement,
        )


def test_every_event_rule_accepts_only_the_deploying_accounts_events(template):
    rules = pattern_rules(template)
    assert rules
    for rule in rules.values():
        assert rule["Properties"]["EventPattern"]["account"] == [{"Ref": "AWS::AccountId"}]
    # The only rule without a pattern is the reconciler's schedule: it matches no event.
    for logical_id, rule in resources(template, "AWS::Events::Rule").items():
        if logical_id not in rules:
            assert "ScheduleExpression" in rule["Properties"], logical_id
