"""The file `sam local invoke --env-vars` reads: each function's variables, under its SAM id (AmiNotifier).

SAM gives a function the variables its template declares, each taken from this file when the file names
it, else from the shell, else the template's value; a variable the template does not declare is never
set (so the local build declares the endpoint variables: ssm_event_notifier/local_build.py). The file
holds every declared variable of every function of the local build, its references resolved:

* ``local_env_vars``: to the resources on the local stand-ins (tools.harness.local_stack), the endpoint
  variables the stand-ins' endpoints;
* ``deployed_env_vars``: to a deployed stack's resources (CloudFormation's physical ids), the endpoint
  variables empty, which boto3 takes as unset: AWS's own endpoints.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tools.harness.local_stack import LocalStack
from tools.harness.template import FunctionSpec, Template, resolve

ENDPOINT_PREFIX = "AWS_ENDPOINT_URL"
EnvVars = dict[str, dict[str, str]]


def sam_id(spec: FunctionSpec) -> str:
    """The id SAM knows a function of the local build by (its SamResourceId): the construct's."""
    return spec.construct_id


def local_env_vars(template: Template, stack: LocalStack, overrides: Mapping[str, str] | None = None) -> EnvVars:
    """Every function's variables on the stand-ins; `overrides` replace those a function declares
    (e.g. MONITORED_CALENDARS: the calendars the stand-in serves)."""
    found: EnvVars = {}
    for spec in template.functions().values():
        environment = stack.function_environment(spec.logical_id)
        environment.update({k: v for k, v in (overrides or {}).items() if k in environment})
        found[sam_id(spec)] = environment
    return found


def _attributes(
    template: Template, refs: Mapping[str, str], region: str, partition: str, account: str
) -> dict[tuple[str, str], str]:
    """The Fn::GetAtt values the functions' variables use, from the resources' physical ids."""
    attributes: dict[tuple[str, str], str] = {}
    for logical_id, physical in refs.items():
        kind = template.resources.get(logical_id, {}).get("Type")
        if kind == "AWS::SQS::Queue":  # its physical id is its URL
            name = physical.rsplit("/", 1)[-1]
            attributes[(logical_id, "Arn")] = f"arn:{partition}:sqs:{region}:{account}:{name}"
            attributes[(logical_id, "QueueName")] = name
            attributes[(logical_id, "QueueUrl")] = physical
        elif kind == "AWS::SNS::Topic":  # its ARN
            attributes[(logical_id, "TopicArn")] = physical
        elif kind == "AWS::DynamoDB::Table":  # its name
            attributes[(logical_id, "Arn")] = f"arn:{partition}:dynamodb:{region}:{account}:table/{physical}"
        elif kind == "AWS::Lambda::Function":
            attributes[(logical_id, "Arn")] = f"arn:{partition}:lambda:{region}:{account}:function:{physical}"
    return attributes


def deployed_env_vars(template: Template, resources: list[dict[str, Any]], region: str) -> tuple[EnvVars, list[str]]:
    """Every function's variables on a deployed stack, from its resources as CloudFormation lists them
    (ListStackResources' summaries); and what could not be resolved (the stack was deployed with other
    settings than the local build's), one line each. The endpoint variables are empty."""
    refs = {str(r["LogicalResourceId"]): str(r["PhysicalResourceId"]) for r in resources if r.get("PhysicalResourceId")}
    arns = [value.split(":") for value in refs.values() if value.startswith("arn:")]
    if not arns:
        raise ValueError("the stack lists no resource with an ARN (its topics): is it the notifier's stack?")
    partition, account = arns[0][1], arns[0][4]
    attributes = _attributes(template, refs, region, partition, account)
    pseudo = {"AWS::Region": region, "AWS::Partition": partition, "AWS::URLSuffix": "amazonaws.com"}
    found: EnvVars = {}
    unresolved: list[str] = []
    for spec in template.functions().values():
        environment = {}
        for name, value in spec.environment.items():
            if name.startswith(ENDPOINT_PREFIX):
                environment[name] = ""
                continue
            try:
                environment[name] = str(resolve(value, {**refs, **pseudo}, attributes, account))
            except KeyError as missing:
                unresolved.append(f"{sam_id(spec)}: {name} names {missing}, which the deployed stack does not have")
        found[sam_id(spec)] = environment
    return found, unresolved


def write_env_vars(env_vars: EnvVars, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(env_vars, indent=2, sort_keys=True) + "\n")
    return path
