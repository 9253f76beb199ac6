"""The local build (`layerPlatform=host`) is what the real SAM CLI can run here; the Lambda build is unchanged.

SAM runs a function in a container of the function's architecture and lets `--env-vars` set only the
variables the template declares (ssm_event_notifier/local_build.py); tests/sam/ runs it for real.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from ssm_event_notifier.local_build import CLOSED_PORT, ENDPOINT_VARIABLES, SAM_RESOURCE_ID
from tests.infra.conftest import resources, synthesize
from tools.harness.endpoints import function_environment

HOST_ARCHITECTURE = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[os.uname().machine]


@pytest.fixture(scope="module")
def local_template() -> dict[str, Any]:
    # With the construct paths that `cdk synth` writes (and SAM reads).
    return synthesize(layerPlatform="host", **{"aws:cdk:enable-path-metadata": True})


def variables(function: dict[str, Any]) -> dict[str, Any]:
    return dict(function["Properties"]["Environment"]["Variables"])


def test_the_lambda_build_keeps_arm64_and_declares_no_endpoint_and_no_sam_metadata(template):
    functions = resources(template, "AWS::Lambda::Function")
    assert functions
    for logical_id, function in functions.items():
        assert function["Properties"]["Architectures"] == ["arm64"], logical_id
        assert not [name for name in variables(function) if name.startswith("AWS_ENDPOINT_URL")], logical_id
    for layer in resources(template, "AWS::Lambda::LayerVersion").values():
        assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert not [k for k, v in template["Resources"].items() if SAM_RESOURCE_ID in v.get("Metadata", {})]


def test_the_local_build_declares_this_machines_architecture_and_the_endpoints_on_a_closed_port(
    template, local_template
):
    functions = resources(local_template, "AWS::Lambda::Function")
    assert set(functions) == set(resources(template, "AWS::Lambda::Function"))  # the same functions, same ids
    for logical_id, function in functions.items():
        assert function["Properties"]["Architectures"] == [HOST_ARCHITECTURE], logical_id
        declared = {name: value for name, value in variables(function).items() if name.startswith("AWS_ENDPOINT")}
        assert declared == dict.fromkeys(ENDPOINT_VARIABLES, CLOSED_PORT), logical_id
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
