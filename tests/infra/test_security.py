"""Encryption, TLS and least privilege in the synthesized template."""

from __future__ import annotations

from typing import Any

from infra.failure_reads import READS_WITHOUT_RESOURCES
from tests.infra.conftest import STACK_HANDLERS, as_list, resources


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for policy in resources(template, "AWS::IAM::Policy").values():
        found += policy["Properties"]["PolicyDocument"]["Statement"]
    for role in resources(template, "AWS::IAM::Role").values():
        for policy in role["Properties"].get("Policies", []):
            found += policy["PolicyDocument"]["Statement"]
    return found


def test_tables_are_encrypted_on_demand_with_ttl_and_point_in_time_recovery(template):
    tables = resources(template, "AWS::DynamoDB::Table")
    # The idempotency records, and storm control's operations (see tests/infra/test_storm.py).
    keys = {k: (t["Properties"]["KeySchema"], t["Properties"]["TimeToLiveSpecification"]) for k, t in tables.items()}
    assert sorted(keys.values(), key=str) == sorted(
        [
            ([{"AttributeName": "id", "KeyType": "HASH"}], {"AttributeName": "expiration", "Enabled": True}),
            (
                [{"AttributeName": "operation", "KeyType": "HASH"}, {"AttributeName": "item", "KeyType": "RANGE"}],
                {"AttributeName": "purgeAt", "Enabled": True},
            ),
        ],
        key=str,
    )
    for table in tables.values():
        props = table["Properties"]
        assert props["SSESpecification"]["SSEEnabled"] is True
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_topics_are_kms_encrypted_and_refuse_plain_http(template):
    topics = resources(template, "AWS::SNS::Topic")
    assert len(topics) == 2
    for topic in topics.values():
        assert "KmsMasterKeyId" in topic["Properties"]
    policies = resources(template, "AWS::SNS::TopicPolicy").values()
    denied_insecure: set[str] = set()
    for policy in policies:
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Deny" and statement.get("Condition") == {
                "Bool": {"aws:SecureTransport": "false"}
            }:
                denied_insecure.update(ref["Ref"] for ref in as_list(statement["Resource"]))
    assert denied_insecure == set(topics)


def test_key_rotates(template):
    (key,) = resources(template, "AWS::KMS::Key").values()
    assert key["Properties"]["EnableKeyRotation"] is True


def test_queues_are_encrypted_and_refuse_plain_http(template):
    queues = resources(template, "AWS::SQS::Queue")
    assert len(queues) == len(STACK_HANDLERS) + 1  # a dead-letter queue per function, and storm control's buffer
    for queue in queues.values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
    insecure_denied: set[str] = set()
    for policy in resources(template, "AWS::SQS::QueuePolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Deny" and "aws:SecureTransport" in str(statement.get("Condition")):
                insecure_denied.update(queue["Ref"] for queue in policy["Properties"]["Queues"])
    assert insecure_denied == set(queues)


def test_no_iam_statement_has_a_wildcard_action(template):
    statements = _statements(template)
    assert statements
    for statement in statements:
        for action in as_list(statement["Action"]):
            assert "*" not in action, statement


def test_only_x_ray_and_the_failure_reads_without_resource_types_are_granted_on_every_resource(template):
    for statement in _statements(template):
        if "*" in as_list(statement["Resource"]):
            actions = as_list(statement["Action"])
            assert all(a.startswith("xray:") or a in READS_WITHOUT_RESOURCES for a in actions), statement


def test_each_role_writes_only_its_own_log_group_and_publishes_only_to_the_notification_topic(template):
    topics = resources(template, "AWS::SNS::Topic")
    (notifications,) = [k for k in topics if "Notifications" in k]
    for statement in _statements(template):
        actions = as_list(statement["Action"])
        if "sns:Publish" in actions:
            assert statement["Resource"] == {"Ref": notifications}
        if "logs:PutLogEvents" in actions:
            assert "Fn::GetAtt" in statement["Resource"]
