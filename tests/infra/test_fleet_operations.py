"""Fleet operations in the template: buffer queue, batch function, operations table, sweeper, least privilege."""

from __future__ import annotations

from typing import Any

import pytest

from ssm_event_notifier.settings import SettingsError
from tests.infra.conftest import as_list, pattern_rules, resources, synthesize


def _one(template: dict[str, Any], resource_type: str, prefix: str) -> tuple[str, dict[str, Any]]:
    (found,) = [(k, v) for k, v in resources(template, resource_type).items() if k.startswith(prefix)]
    return found


def _function(template: dict[str, Any], handler: str) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (k, v) for k, v in resources(template, "AWS::Lambda::Function").items() if v["Properties"]["Handler"] == handler
    ]
    return found


def _role_statements(template: dict[str, Any], function: dict[str, Any]) -> list[dict[str, Any]]:
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = []
    for policy in resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _grants(statements: list[dict[str, Any]], service: str) -> list[tuple[list[str], Any]]:
    return [
        (sorted(as_list(s["Action"])), s["Resource"])
        for s in statements
        if any(action.startswith(f"{service}:") for action in as_list(s["Action"]))
    ]


def test_the_buffer_is_encrypted_and_sends_a_record_failing_five_times_to_the_batch_function_queue(template):
    _buffer_id, buffer = _one(template, "AWS::SQS::Queue", "StormControlBuffer")
    function_id, function = _function(template, "handlers.operation_events.handler")
    props = buffer["Properties"]
    assert props["SqsManagedSseEnabled"] is True
    (config,) = [
        c["Properties"]
        for c in resources(template, "AWS::Lambda::EventInvokeConfig").values()
        if c["Properties"]["FunctionName"] == {"Ref": function_id}
    ]
    dead_letters = config["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
    assert props["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dead_letters, "Arn"]},
        "maxReceiveCount": 5,
    }
    # AWS: at least six times the function's timeout, or a batch still running is handed out again.
    assert props["VisibilityTimeout"] >= 6 * function["Properties"]["Timeout"]


def test_the_batch_function_reads_the_buffer_in_batches_of_10_reporting_each_failed_record(template):
    buffer_id, _buffer = _one(template, "AWS::SQS::Queue", "StormControlBuffer")
    function_id, _props = _function(template, "handlers.operation_events.handler")
    (mapping,) = resources(template, "AWS::Lambda::EventSourceMapping").values()
    assert mapping["Properties"] == {
        "BatchSize": 10,
        "EventSourceArn": {"Fn::GetAtt": [buffer_id, "Arn"]},
        "FunctionName": {"Ref": function_id},
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        # No more batches at once than the function's reserved concurrency (docs/security.md).
        "ScalingConfig": {"MaximumConcurrency": 5},
    }


def test_the_operations_table_has_a_sparse_index_of_what_is_due_and_expires_its_items(template):
    _table_id, table = _one(template, "AWS::DynamoDB::Table", "OperationsTable")
    props = table["Properties"]
    (index,) = props["GlobalSecondaryIndexes"]
    assert index == {
        "IndexName": "ready",
        "KeySchema": [
            {"AttributeName": "undigested", "KeyType": "HASH"},
            {"AttributeName": "readyAt", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    }
    assert props["TimeToLiveSpecification"] == {"AttributeName": "purgeAt", "Enabled": True}


def test_the_batch_function_may_only_write_operations_and_publishes_nothing(template):
    table_id, _table = _one(template, "AWS::DynamoDB::Table", "OperationsTable")
    _id, function = _function(template, "handlers.operation_events.handler")
    statements = _role_statements(template, function)
    assert _grants(statements, "dynamodb") == [
        (["dynamodb:PutItem", "dynamodb:UpdateItem"], {"Fn::GetAtt": [table_id, "Arn"]})
    ]
    assert _grants(statements, "sns") == [] and _grants(statements, "kms") == []
    variables = function["Properties"]["Environment"]["Variables"]
    assert {"NOTIFICATION_TOPIC_ARN", "IDEMPOTENCY_TABLE_NAME"}.isdisjoint(variables)
    assert variables["OPERATIONS_TABLE_NAME"] == {"Ref": table_id}
    assert (variables["OPERATION_TIMEOUT_SECONDS"], variables["DIGEST_SETTLE_SECONDS"]) == ("7200", "60")
    assert (variables["INTERIM_AFTER_SECONDS"], variables["QUIET_PERIOD_SECONDS"]) == (
        "1800",
        "association=300,compliance=300",
    )
    # What can never be recorded, it sends to its own dead-letter queue itself, with the reason.
    (dead_letter_queue,) = [
        k for k in resources(template, "AWS::SQS::Queue") if k.startswith("InstanceEventsDeadLetter")
    ]
    assert variables["DEAD_LETTER_QUEUE_URL"] == {"Ref": dead_letter_queue}
    sends = [(actions, resource) for actions, resource in _grants(statements, "sqs") if "sqs:SendMessage" in actions]
    assert [resource for _actions, resource in sends] == [{"Fn::GetAtt": [dead_letter_queue, "Arn"]}]


def test_the_sweeper_may_query_and_claim_operations_and_publish(template):
    table_id, _table = _one(template, "AWS::DynamoDB::Table", "OperationsTable")
    _id, function = _function(template, "handlers.operation_sweeper.handler")
    statements = _role_statements(template, function)
    table_arn = {"Fn::GetAtt": [table_id, "Arn"]}
    assert _grants(statements, "dynamodb") == [
        (["dynamodb:Query", "dynamodb:UpdateItem"], table_arn),
        (["dynamodb:Query"], {"Fn::Join": ["", [table_arn, "/index/ready"]]}),
    ]
    assert [actions for actions, _resource in _grants(statements, "sns")] == [["sns:Publish"]]
    assert "IDEMPOTENCY_TABLE_NAME" not in function["Properties"]["Environment"]["Variables"]


def test_the_sweeper_runs_every_minute_with_a_dead_letter_queue(template):
    function_id, _function_props = _function(template, "handlers.operation_sweeper.handler")
    _id, schedule = _one(template, "AWS::Events::Rule", "StormControlSweepSchedule")
    assert schedule["Properties"]["ScheduleExpression"] == "rate(1 minute)"
    (target,) = schedule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert "DeadLetterConfig" in target


def test_a_backlog_in_the_buffer_alarms_the_operations_topic(template):
    buffer_id, _buffer = _one(template, "AWS::SQS::Queue", "StormControlBuffer")
    _id, alarm = _one(template, "AWS::CloudWatch::Alarm", "MonitoringInstanceEventBufferBacklog")
    props = alarm["Properties"]
    assert props["MetricName"] == "ApproximateAgeOfOldestMessage"
    assert props["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [buffer_id, "QueueName"]}}]
    assert props["Threshold"] == 15 * 60
    (operations,) = [k for k in resources(template, "AWS::SNS::Topic") if "Operations" in k]
    assert props["AlarmActions"] == [{"Ref": operations}]


def test_settings_reach_the_functions_and_the_schedule_and_families_bound_what_is_buffered():
    template = synthesize(
        enabledFamilies="run-command,ami",
        operationTimeoutMinutes="30",
        digestSettleSeconds="120",
        digestRateMinutes="5",
        interimAfterMinutes="0",
        associationQuietMinutes="10",
    )
    _id, function = _function(template, "handlers.operation_events.handler")
    variables = function["Properties"]["Environment"]["Variables"]
    assert (variables["OPERATION_TIMEOUT_SECONDS"], variables["DIGEST_SETTLE_SECONDS"]) == ("1800", "120")
    assert (variables["INTERIM_AFTER_SECONDS"], variables["QUIET_PERIOD_SECONDS"]) == (
        "0",
        "association=600,compliance=300",
    )
    _id, sweeper = _function(template, "handlers.operation_sweeper.handler")
    assert sweeper["Properties"]["Environment"]["Variables"]["INTERIM_AFTER_SECONDS"] == "0"
    _id, schedule = _one(template, "AWS::Events::Rule", "StormControlSweepSchedule")
    assert schedule["Properties"]["ScheduleExpression"] == "rate(5 minutes)"
    (storm_rule,) = [v for k, v in pattern_rules(template).items() if k.startswith("StormControlRule")]
    assert storm_rule["Properties"]["EventPattern"]["detail-type"] == [
        "EC2 Command Status-change Notification",
        "EC2 Command Invocation Status-change Notification",
    ]


@pytest.mark.parametrize("context", [{"perInstanceNotifications": "each"}, {"enabledFamilies": "ami,calendar"}])
def test_no_storm_control_when_nothing_is_digested(context):
    template = synthesize(**context)
    assert not [k for k in template["Resources"] if k.startswith(("StormControl", "OperationsTable"))]
    handlers = {f["Properties"]["Handler"] for f in resources(template, "AWS::Lambda::Function").values()}
    assert not handlers & {"handlers.operation_events.handler", "handlers.operation_sweeper.handler"}


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"perInstanceNotifications": "some"}, "perInstanceNotifications: expected 'digest' or 'each'"),
        ({"operationTimeoutMinutes": "2"}, "operationTimeoutMinutes: 2 is outside 5"),
        ({"digestSettleSeconds": "soon"}, "digestSettleSeconds: expected a whole number"),
        ({"digestRateMinutes": "0"}, "digestRateMinutes: 0 is outside 1"),
        ({"interimAfterMinutes": "-1"}, "interimAfterMinutes: -1 is outside 0"),
        ({"associationQuietMinutes": "0"}, "associationQuietMinutes: 0 is outside 1"),
        ({"complianceQuietMinutes": "later"}, "complianceQuietMinutes: expected a whole number"),
    ],
)
def test_bad_storm_settings_fail_the_synth_naming_the_setting(context, message):
    with pytest.raises(SettingsError, match=message):
        synthesize(**context)
