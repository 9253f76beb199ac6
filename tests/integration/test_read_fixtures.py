"""The SSM and EC2 reads served from *.reads.json fixtures, as boto3 clients see them.

moto implements none of the reads that explain failures, so the calendar stand-in
(tools/harness/calendar_service.py) answers them from fixture files (tools/harness/read_fixtures.py):
SSM over its JSON protocol, EC2 over its query protocol with XML answers.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tools.harness.calendar_service import calendar_service
from tools.harness.endpoints import ENVIRONMENT_CLEARED
from tools.harness.read_fixtures import FixtureError, ReadFixtures

CALENDAR = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
X-CALENDAR-TYPE:DEFAULT_OPEN
END:VCALENDAR
"""

# Real-looking ids: botocore checks their length before sending.
COMMAND = "0b9a1e7c-1111-4c8e-9a51-0123456789ab"
DENIED_COMMAND = "0b9a1e7c-2222-4c8e-9a51-0123456789ab"
SLOW_EXECUTION = "5f2c8a9e-3333-4b7d-8e1f-0123456789ab"
INSTANCE = "i-0123456789abcdef0"
OTHER_INSTANCE = "i-0fedcba9876543210"

PLUGINS = [
    {
        "Name": "aws:runShellScript",
        "Status": "Failed",
        "ResponseCode": 127,
        "Output": "bash: deploy.sh: command not found",
        "StandardErrorUrl": "",
    }
]

SSM_READS = [
    {
        "call": "ssm.ListCommandInvocations",
        "request": {"CommandId": COMMAND, "InstanceId": INSTANCE, "Details": True},
        "answer": {
            "CommandInvocations": [
                {"CommandId": COMMAND, "InstanceId": INSTANCE, "Status": "Failed", "CommandPlugins": PLUGINS}
            ]
        },
    },
    {
        "call": "ssm.ListCommandInvocations",
        "request": {"CommandId": DENIED_COMMAND},
        "error": {"code": "AccessDeniedException", "message": "not authorized to perform ssm:ListCommandInvocations"},
    },
    {
        "call": "ssm.GetAutomationExecution",
        "request": {"AutomationExecutionId": SLOW_EXECUTION},
        "answer": {
            "AutomationExecution": {"AutomationExecutionId": SLOW_EXECUTION, "AutomationExecutionStatus": "Failed"}
        },
        "delay": 0.3,
    },
]

EC2_READS = [
    {
        "call": "ec2.DescribeImages",
        "request": {"ImageIds": ["ami-1"]},
        "answer": {
            "Images": [
                {
                    "ImageId": "ami-1",
                    "Name": "web <golden> & co",
                    "State": "failed",
                    "StateReason": {"Code": "Client.InternalError", "Message": "snapshot creation failed"},
                    "Tags": [{"Key": "Name", "Value": "web-golden"}],
                }
            ]
        },
    },
    {
        "call": "ec2.DescribeInstances",
        "request": {"Filters": [{"Name": "instance-id", "Values": ["i-1", "i-2"]}]},
        "answer": {
            "Reservations": [
                {"Instances": [{"InstanceId": "i-1", "Tags": [{"Key": "Name", "Value": "web-01"}]}]},
                {"Instances": [{"InstanceId": "i-2", "Tags": [{"Key": "Name", "Value": "web-02"}]}]},
            ]
        },
    },
    {
        "call": "ec2.DescribeImages",
        "request": {"ImageIds": ["ami-denied"]},
        "error": {"code": "UnauthorizedOperation", "message": "You are not authorized to perform this operation."},
        "status": 403,
    },
]


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, ReadFixtures]]:
    """The stand-in serving Freeze.ics and fixtures in two files (one nested, as events/<family>/ are)."""
    for name in ENVIRONMENT_CLEARED:  # nothing from the caller's AWS setup: only the clients below talk
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    (tmp_path / "calendars").mkdir()
    (tmp_path / "calendars" / "Freeze.ics").write_text(CALENDAR)
    (tmp_path / "reads" / "run-command").mkdir(parents=True)
    (tmp_path / "reads" / "run-command" / "failed.reads.json").write_text(json.dumps(SSM_READS))
    (tmp_path / "reads" / "images.reads.json").write_text(json.dumps(EC2_READS))
    (tmp_path / "reads" / "ignored.json").write_text("not a fixture: the name does not end in .reads.json")
    with calendar_service([tmp_path / "calendars"], fixtures=[tmp_path / "reads"]) as (endpoint, service):
        yield endpoint, service.reads


def client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def error_code(raised: pytest.ExceptionInfo[ClientError]) -> str:
    return str(raised.value.response["Error"]["Code"])


def test_an_ssm_read_is_answered_from_its_fixture(stand_in):
    endpoint, reads = stand_in
    response = client("ssm", endpoint).list_command_invocations(CommandId=COMMAND, InstanceId=INSTANCE, Details=True)
    (invocation,) = response["CommandInvocations"]
    assert invocation["Status"] == "Failed"
    assert invocation["CommandPlugins"] == PLUGINS
    assert reads.calls == {"ssm.ListCommandInvocations": 1}


def test_an_ssm_read_no_fixture_matches_is_refused(stand_in):
    endpoint, reads = stand_in
    ssm = client("ssm", endpoint)
    with pytest.raises(ClientError) as raised:
        ssm.list_command_invocations(CommandId=COMMAND, InstanceId=OTHER_INSTANCE, Details=True)
    assert error_code(raised) == "UnsupportedOperation"
    with pytest.raises(ClientError) as raised:
        ssm.describe_instance_information()
    assert error_code(raised) == "UnsupportedOperation"
    assert reads.calls == {}


def test_an_error_fixture_raises_its_code(stand_in):
    endpoint, reads = stand_in
    with pytest.raises(ClientError) as raised:
        client("ssm", endpoint).list_command_invocations(CommandId=DENIED_COMMAND, InstanceId=INSTANCE)
    assert error_code(raised) == "AccessDeniedException"
    assert "ssm:ListCommandInvocations" in raised.value.response["Error"]["Message"]
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert reads.calls == {"ssm.ListCommandInvocations": 1}


def test_a_delayed_fixture_answers_no_sooner_than_its_delay(stand_in):
    endpoint, _reads = stand_in
    started = time.monotonic()
    response = client("ssm", endpoint).get_automation_execution(AutomationExecutionId=SLOW_EXECUTION)
    assert time.monotonic() - started >= 0.3
    assert response["AutomationExecution"]["AutomationExecutionStatus"] == "Failed"


def test_describe_images_returns_name_tags_and_state_reason(stand_in):
    endpoint, reads = stand_in
    (image,) = client("ec2", endpoint).describe_images(ImageIds=["ami-1"])["Images"]
    assert (image["ImageId"], image["Name"], image["State"]) == ("ami-1", "web <golden> & co", "failed")
    assert image["StateReason"] == {"Code": "Client.InternalError", "Message": "snapshot creation failed"}
    assert image["Tags"] == [{"Key": "Name", "Value": "web-golden"}]
    assert reads.calls == {"ec2.DescribeImages": 1}


def test_describe_instances_returns_the_name_tags(stand_in):
    endpoint, _reads = stand_in
    response = client("ec2", endpoint).describe_instances(Filters=[{"Name": "instance-id", "Values": ["i-1", "i-2"]}])
    names = {
        instance["InstanceId"]: {tag["Key"]: tag["Value"] for tag in instance["Tags"]}["Name"]
        for reservation in response["Reservations"]
        for instance in reservation["Instances"]
    }
    assert names == {"i-1": "web-01", "i-2": "web-02"}


def test_ec2_without_a_fixture_answers_an_empty_result(stand_in):
    endpoint, reads = stand_in
    ec2 = client("ec2", endpoint)
    assert ec2.describe_images(ImageIds=["ami-unknown"])["Images"] == []
    assert ec2.describe_instances(Filters=[{"Name": "instance-id", "Values": ["i-9"]}])["Reservations"] == []
    assert ec2.describe_instances(InstanceIds=["i-1"])["Reservations"] == []  # the fixture filters, this does not
    assert reads.calls == {}


def test_an_ec2_error_fixture_raises_its_code_with_its_status(stand_in):
    endpoint, _reads = stand_in
    with pytest.raises(ClientError) as raised:
        client("ec2", endpoint).describe_images(ImageIds=["ami-denied"])
    assert error_code(raised) == "UnauthorizedOperation"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_the_calendars_are_still_served(stand_in):
    endpoint, _reads = stand_in
    document = client("ssm", endpoint).get_document(Name="Freeze", DocumentFormat="TEXT")
    assert (document["Name"], document["DocumentType"]) == ("Freeze", "ChangeCalendar")
    assert document["Content"] == CALENDAR


def test_a_fixture_file_that_cannot_be_served_is_refused_at_load_naming_it(tmp_path):
    path = tmp_path / "bad.reads.json"
    path.write_text(json.dumps([{"call": "ssm.GetDocument", "answer": {}, "error": {"code": "X"}}]))
    with pytest.raises(FixtureError, match=r"bad\.reads\.json#0"):
        ReadFixtures([tmp_path])
