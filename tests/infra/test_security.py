"""Encryption, TLS and least privilege in the synthesized template."""

from __future__ import annotations

import json
from typing import Any

from ssm_event_notifier.advance_notices import READS_WITHOUT_RESOURCES as NOTICE_READS
from ssm_event_notifier.contract.catalog import FUNCTIONS
from ssm_event_notifier.failure_reads import READS_WITHOUT_RESOURCES
from ssm_event_notifier.functions import EVENT_FUNCTION_CONCURRENCY
from ssm_event_notifier.log_encryption import LOGS_KEY_ACTIONS
from tests.infra.conftest import NOTICES, RECONCILER, STACK_HANDLERS, as_list, resources


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
    # The idempotency records, and the fleet operations table (see tests/infra/test_storm.py).
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


def test_keys_rotate(template):
    keys = resources(template, "AWS::KMS::Key")
    assert len(keys) == 2  # the topics', the log groups'
    for key in keys.values():
        assert key["Properties"]["EnableKeyRotation"] is True


def test_log_groups_are_encrypted_with_the_log_key_that_only_cloudwatch_logs_of_this_region_uses(template):
    (log_key,) = [k for k in resources(template, "AWS::KMS::Key") if k.startswith("LogEncryption")]
    log_groups = resources(template, "AWS::Logs::LogGroup")
    assert len(log_groups) == len(STACK_HANDLERS)
    for log_group in log_groups.values():
        assert log_group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [log_key, "Arn"]}
    statements = resources(template, "AWS::KMS::Key")[log_key]["Properties"]["KeyPolicy"]["Statement"]
    (logs,) = [s for s in statements if s.get("Sid") == "CloudWatchLogsOfThisAccountAndRegion"]
    assert logs["Principal"] == {"Service": {"Fn::Join": ["", ["logs.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}}
    assert set(logs["Action"]) == set(LOGS_KEY_ACTIONS) and "kms:CreateGrant" not in logs["Action"]
    arn = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert arn["Fn::Join"][1][-1] == ":log-group:*" and {"Ref": "AWS::AccountId"} in arn["Fn::Join"][1]
    # The roles get nothing of it: CloudWatch Logs encrypts on their behalf.
    assert log_key not in json.dumps([s for s in _statements(template)])


def test_every_function_has_its_reserved_concurrency_and_queue_readers_take_no_more_batches(template):
    functions = resources(template, "AWS::Lambda::Function")
    reserved = {k: f["Properties"]["ReservedConcurrentExecutions"] for k, f in functions.items()}
    by_handler = {functions[k]["Properties"]["Handler"]: n for k, n in reserved.items()}
    assert by_handler == {
        **{handler: EVENT_FUNCTION_CONCURRENCY for handler in FUNCTIONS.values()},
        RECONCILER: 2,
        "handlers.operation_events.handler": 5,
        "handlers.operation_sweeper.handler": 2,
        NOTICES: 2,
    }
    assert sum(reserved.values()) == 61  # docs/security.md; the account keeps 100 unreserved of 1,000
    for mapping in resources(template, "AWS::Lambda::EventSourceMapping").values():
        function = mapping["Properties"]["FunctionName"]["Ref"]
        assert mapping["Properties"]["ScalingConfig"] == {"MaximumConcurrency": reserved[function]}


def test_queues_are_encrypted_and_refuse_plain_http(template):
    queues = resources(template, "AWS::SQS::Queue")
    assert len(queues) == len(STACK_HANDLERS) + 1  # a dead-letter queue per function, and the fleet operations buffer
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
            assert all(a.startswith("xray:") or a in READS_WITHOUT_RESOURCES or a in NOTICE_READS for a in actions), (
                statement
            )


def test_each_role_writes_only_its_own_log_group_and_publishes_only_to_the_notification_topic(template):
    topics = resources(template, "AWS::SNS::Topic")
    (notifications,) = [k for k in topics if "Notifications" in k]
    for statement in _statements(template):
        actions = as_list(statement["Action"])
        if "sns:Publish" in actions:
            assert statement["Resource"] == {"Ref": notifications}
        if "logs:PutLogEvents" in actions:
            assert "Fn::GetAtt" in statement["Resource"]
