"""`status` and `redrive` on a stack read from CloudFormation, as for a deployed stack: moto server's
CloudFormation makes a buffer queue, its dead-letter queue and a table, and the tool finds them from the
stack's template and resources. moto's CloudFormation makes no alarm or function: the alarms and the
functions' errors are read from moto's CloudWatch for a stack whose resources are named here (what the
functions do is tests/integration/test_redrive_local.py's)."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from click.testing import CliRunner, Result

from ssm_event_notifier.cli.commands import cli
from ssm_event_notifier.cli.health import check
from ssm_event_notifier.cli.stack_resources import Invoked, StackResources
from tools.harness.endpoints import ENVIRONMENT_CLEARED, REGION
from tools.harness.samples import load

TEMPLATE = {
    "Resources": {
        "BufferDeadLetters": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Buffer": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": ["BufferDeadLetters", "Arn"]},
                    "maxReceiveCount": 5,
                }
            },
        },
        "Operations": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
        },
    }
}


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str) -> tuple[str, Any]:
    """A stack of TEMPLATE on moto, every client of this process pointed there."""
    for name in (*ENVIRONMENT_CLEARED, *(n for n in os.environ if n.startswith("AWS_ENDPOINT_URL_"))):
        monkeypatch.delenv(name, raising=False)
    settings = {"AWS_ENDPOINT_URL": moto_endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    settings |= {"AWS_DEFAULT_REGION": REGION, "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    name = f"Notifier{uuid.uuid4().hex[:8]}"
    boto3.client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(TEMPLATE))
    return name, boto3.client("sqs")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_a_message_sqs_moved_goes_back_to_its_queue(deployed: tuple[str, Any]) -> None:
    stack, sqs = deployed
    url = {q.rsplit("-", 1)[0].rsplit("/", 1)[-1]: q for q in sqs.list_queues(QueueNamePrefix=stack)["QueueUrls"]}
    event = json.dumps(load("run-command/invocation-failed"))
    sqs.send_message(QueueUrl=url[f"{stack}-BufferDeadLetters"], MessageBody=event)  # as SQS moves it

    waiting = run("status", "--stack", stack)
    assert waiting.exit_code == 1, waiting.output
    assert "BufferDeadLetters: 1 waiting" in waiting.output

    moved = run("redrive", "--all", "--stack", stack)
    assert moved.exit_code == 0, moved.output
    assert "[moved back] BufferDeadLetters  EC2 Command Invocation Status-change Notification" in moved.output
    (message,) = sqs.receive_message(QueueUrl=url[f"{stack}-Buffer"]).get("Messages", [])
    assert message["Body"] == event

    assert run("status", "--stack", stack).exit_code == 0


def test_a_stack_that_is_not_there_is_said_so(deployed: tuple[str, Any]) -> None:
    missing = run("status", "--stack", "NoSuchStack")
    assert missing.exit_code == 1
    assert "AWS:" in missing.output and "NoSuchStack" in missing.output


def test_an_alarm_in_alarm_and_a_functions_errors_need_attention(deployed: tuple[str, Any]) -> None:
    """As a deployed stack's: its alarm's state and its function's Errors metric, from CloudWatch (moto)."""
    stack_name, _ = deployed
    cloudwatch = boto3.client("cloudwatch")
    alarm, function = f"{stack_name}-DeadLetters", f"{stack_name}-AmiNotifier"
    template = {
        "Resources": {
            "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {}},
            "AmiNotifier": {"Type": "AWS::Lambda::Function", "Properties": {}},
        }
    }
    stack = StackResources(
        stack_name, template, {"Alarm": alarm, "AmiNotifier": function}, boto3.client, lambda *_: Invoked(True, None)
    )
    assert check(stack).attention() == []

    cloudwatch.put_metric_alarm(
        AlarmName=alarm,
        Namespace="AWS/SQS",
        MetricName="ApproximateNumberOfMessagesVisible",
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="1 message waits")
    cloudwatch.put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {
                "MetricName": "Errors",
                "Dimensions": [{"Name": "FunctionName", "Value": function}],
                "Value": 3.0,
                "Timestamp": datetime.now(UTC) - timedelta(minutes=5),  # five minutes ago: CloudWatch has them
            }
        ],
    )
    assert check(stack).attention() == [
        f"alarm {alarm} is in ALARM: 1 message waits",
        "AmiNotifier: 3 errors in the last 24 h",
    ]
