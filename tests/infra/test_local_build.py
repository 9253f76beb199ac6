"""The local build (`layerPlatform=host`) is what the real SAM CLI can run here; the Lambda build is unchanged.

SAM runs a function in a container of the function's architecture and lets `--env-vars` set only the
variables the template declares (ssm_event_notifier/local_build.py); tests/sam/ runs it for real.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from ssm_event_notifier.contract.environment import LOCAL_HTTP_HOSTS
from ssm_event_notifier.local_build import CLOSED_PORT, ENDPOINT_VARIABLES, SAM_RESOURCE_ID
from tests.infra.conftest import resources, synthesize
from tools.harness.endpoints import function_environment
from tools.harness.sam_env import deployed_env_vars
from tools.harness.sqs_records import as_queued
from tools.harness.template import Template
from tools.sam import fed_queue

HOST_ARCHITECTURE = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[os.uname().machine]


@pytest.fixture(scope="module")
def local_template() -> dict[str, Any]:
    # With the construct paths and asset paths that `cdk synth` writes (and SAM reads).
    metadata = {"aws:cdk:enable-path-metadata": True, "aws:cdk:enable-asset-metadata": True}
    return synthesize(layerPlatform="host", **metadata)


def variables(function: dict[str, Any]) -> dict[str, Any]:
    return dict(function["Properties"]["Environment"]["Variables"])


def test_the_lambda_build_keeps_arm64_and_declares_no_endpoint_and_no_sam_metadata(template):
    functions = resources(template, "AWS::Lambda::Function")
    assert functions
    for logical_id, function in functions.items():
        assert function["Properties"]["Architectures"] == ["arm64"], logical_id
        assert not [name for name in variables(function) if name.startswith("AWS_ENDPOINT_URL")], logical_id
        assert LOCAL_HTTP_HOSTS not in variables(function), logical_id  # https only
    for layer in resources(template, "AWS::Lambda::LayerVersion").values():
        assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert not [k for k, v in template["Resources"].items() if SAM_RESOURCE_ID in v.get("Metadata", {})]


def test_the_local_build_declares_this_machines_architecture_the_endpoints_on_a_closed_port_and_local_hosts(
    template, local_template
):
    functions = resources(local_template, "AWS::Lambda::Function")
    assert set(functions) == set(resources(template, "AWS::Lambda::Function"))  # the same functions, same ids
    for logical_id, function in functions.items():
        assert function["Properties"]["Architectures"] == [HOST_ARCHITECTURE], logical_id
        declared = {
            name: value
            for name, value in variables(function).items()
            if name.startswith("AWS_ENDPOINT") or name == LOCAL_HTTP_HOSTS
        }
        assert declared == {**dict.fromkeys(ENDPOINT_VARIABLES, CLOSED_PORT), LOCAL_HTTP_HOSTS: "127.0.0.1"}, logical_id
        # Everything else as the Lambda build declares it.
        lambda_build = variables(template["Resources"][logical_id])
        assert {k: v for k, v in variables(function).items() if k not in declared} == lambda_build
    for layer in resources(local_template, "AWS::Lambda::LayerVersion").values():
        assert layer["Properties"]["CompatibleArchitectures"] == [HOST_ARCHITECTURE]


def test_the_local_runs_set_every_endpoint_the_local_build_declares():
    endpoints = {service: f"http://127.0.0.1:4{n}" for n, service in enumerate(("dynamodb", "sns", "ssm", "events"))}
    environment = function_environment(endpoints)
    assert set(ENDPOINT_VARIABLES) <= set(environment)
    assert environment["AWS_ENDPOINT_URL"] == CLOSED_PORT  # any service no stand-in serves


def test_sam_finds_every_resource_id_without_reading_deep_cdk_paths(local_template):
    """SAM warns for each resource whose aws:cdk:path has more than three parts, unless SamResourceId names it."""
    deep = []
    for logical_id, resource in local_template["Resources"].items():
        metadata = resource.get("Metadata", {})
        if resource["Type"] == "AWS::Lambda::Function":
            # sam local invoke AmiNotifier: the construct's id, as the local tools name functions.
            path = metadata["aws:cdk:path"].split("/")
            assert metadata[SAM_RESOURCE_ID] == path[-3], logical_id
        elif SAM_RESOURCE_ID in metadata:
            assert metadata[SAM_RESOURCE_ID] == logical_id
        if SAM_RESOURCE_ID not in metadata and len(str(metadata.get("aws:cdk:path", "")).split("/")) > 3:
            deep.append(logical_id)
    assert not deep
    ids = [r["Metadata"][SAM_RESOURCE_ID] for r in resources(local_template, "AWS::Lambda::Function").values()]
    assert len(set(ids)) == len(ids) and "AmiNotifier" in ids


def test_the_env_vars_file_of_a_deployed_stack_names_its_resources_and_aws_own_endpoints(
    local_template, tmp_path: Path
):
    """`make sam-env`: CloudFormation's physical ids (as ListStackResources lists them) in each function's variables."""
    path = tmp_path / "SsmEventNotifier.template.json"
    path.write_text(json.dumps(local_template))
    template = Template(path)
    prefix, account = "arn:aws-us-gov:sns:us-gov-west-1:210987654321", "210987654321"
    physical = {
        "AWS::DynamoDB::Table": lambda logical_id: f"SsmEventNotifier-{logical_id}-1A2B3C",
        "AWS::SNS::Topic": lambda logical_id: f"{prefix}:SsmEventNotifier-{logical_id}-4D5E6F",
        "AWS::SQS::Queue": lambda logical_id: f"https://sqs.us-gov-west-1.amazonaws.com/{account}/{logical_id}-7G8H",
    }
    summaries = [
        {
            "LogicalResourceId": logical_id,
            "PhysicalResourceId": physical[r["Type"]](logical_id),
            "ResourceType": r["Type"],
        }
        for logical_id, r in local_template["Resources"].items()
        if r["Type"] in physical
    ]
    env_vars, unresolved = deployed_env_vars(template, summaries, "us-gov-west-1")
    assert unresolved == []
    assert set(env_vars) == {spec.construct_id for spec in template.functions().values()}
    ami = env_vars["AmiNotifier"]
    assert ami["IDEMPOTENCY_TABLE_NAME"].startswith("SsmEventNotifier-IdempotencyTable")
    assert ami["NOTIFICATION_TOPIC_ARN"].startswith(f"{prefix}:SsmEventNotifier-TopicsNotifications")
    assert {name: ami[name] for name in ENDPOINT_VARIABLES} == dict.fromkeys(ENDPOINT_VARIABLES, "")
    queue = env_vars["InstanceEvents"]["DEAD_LETTER_QUEUE_URL"]
    assert queue.startswith(f"https://sqs.us-gov-west-1.amazonaws.com/{account}/InstanceEventsDeadLetterQueue")
    # A stack deployed with other settings lacks what the local build names: said, not guessed.
    _, unresolved = deployed_env_vars(
        template, [s for s in summaries if "Idempotency" not in s["LogicalResourceId"]], "us-gov-west-1"
    )
    assert unresolved and all("IDEMPOTENCY_TABLE_NAME" in line or "does not have" in line for line in unresolved)


def test_sam_invoke_hands_a_sample_to_the_buffers_reader_as_sqs_would(local_template, tmp_path):
    """`make sam-invoke FUNCTION=instance-events EVENT=<a sample>`: the sample in a batch of one record of the
    queue the rules feed; a function that rules invoke gets the sample itself."""
    path = tmp_path / "template.json"
    path.write_text(json.dumps(local_template))
    template = Template(path)
    queue = fed_queue(template, template.find_function("instance-events").logical_id)
    assert queue is not None and template.construct_path(queue).endswith("/Buffer")
    assert fed_queue(template, template.find_function("ami").logical_id) is None
    sample = json.loads((Path(__file__).parents[2] / "events/run-command/command-failed.json").read_text())
    (record,) = as_queued([sample], "arn:aws:sqs:us-east-1:123456789012:buffer")["Records"]
    assert json.loads(record["body"]) == sample and record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-1:123456789012:buffer"
