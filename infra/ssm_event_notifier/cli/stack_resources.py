"""Where a stack's resources are: its template (which queue is whose dead-letter queue, which function reads
which queue) and each resource's physical id, with the clients that reach them.

``deployed`` reads a deployed stack from CloudFormation (its processed template and its resources); the
repository's tools/local_operations.py builds the same view of the local stand-ins. The commands
(status, redrive, test-route) read only this view, so both run the same code.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_STACK = "SsmEventNotifier"


@dataclass(frozen=True)
class Invoked:
    """What one synchronous invocation of a function answered."""

    ok: bool
    result: Any = None
    error_type: str | None = None
    error_message: str | None = None
    logs: tuple[str, ...] = ()


def _no_moves(queues: Iterable[str]) -> None:
    """A deployed stack's pollers read a queue messages were moved back to: nothing to do here."""


def _no_environment(function: str) -> dict[str, str]:
    return {}


@dataclass
class StackResources:
    """A stack as the commands see it. `physical`: logical id -> queue URL, function name, table name,
    topic ARN or alarm name; `invoke(function logical id, event)` runs a function synchronously (its log
    lines in the answer); `environment(function logical id)` is its variables as deployed."""

    name: str
    template: dict[str, Any]
    physical: dict[str, str]
    client: Callable[[str], Any]
    invoke: Callable[[str, Any], Invoked]
    local: bool = False
    environment: Callable[[str], dict[str, str]] = _no_environment
    # Local stand-ins only: run the functions that read these queues, as Lambda's pollers would.
    after_move: Callable[[Iterable[str]], None] = _no_moves
    _arns: dict[str, str] = field(default_factory=dict)

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return dict(self.template.get("Resources", {}))

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {key: value for key, value in self.resources.items() if value.get("Type") == resource_type}

    def label(self, logical_id: str) -> str:
        """The resource's place in the app, e.g. "AmiNotifier/DeadLetterQueue" (its logical id when unknown)."""
        path = str(self.resources.get(logical_id, {}).get("Metadata", {}).get("aws:cdk:path", logical_id))
        return "/".join(path.split("/")[1:]).removesuffix("/Resource").removesuffix("/Function") or logical_id

    def queue_arn(self, logical_id: str) -> str:
        if logical_id not in self._arns:
            attributes = self.client("sqs").get_queue_attributes(
                QueueUrl=self.physical[logical_id], AttributeNames=["QueueArn"]
            )
            self._arns[logical_id] = attributes["Attributes"]["QueueArn"]
        return self._arns[logical_id]

    def functions(self) -> dict[str, str]:
        """Logical id -> label of every function."""
        return {logical_id: self.label(logical_id) for logical_id in self.of_type("AWS::Lambda::Function")}

    def find_function(self, name: str) -> str:
        """A function's logical id by logical id, label (AmiNotifier), catalog name (ami) or deployed name."""
        wanted = name.replace("-", "").lower()
        for logical_id, label in self.functions().items():
            names = {logical_id.lower(), label.lower(), label.lower().removesuffix("notifier")}
            if wanted in names or name in (logical_id, self.physical.get(logical_id)):
                return logical_id
        raise KeyError(
            f"no function {name!r} in stack {self.name}; known: {', '.join(sorted(self.functions().values()))}"
        )

    def function_of_arn(self, arn: str) -> str | None:
        """The logical id of the function an ARN (or a name) names, if it is this stack's."""
        name = arn.split(":function:")[-1].split(":")[0]
        for logical_id in self.of_type("AWS::Lambda::Function"):
            if name in (self.physical.get(logical_id), logical_id, self.label(logical_id)):
                return logical_id
        return None


def deployed(stack_name: str, region: str | None = None, profile: str | None = None) -> StackResources:
    """A deployed stack: its template as CloudFormation processed it, and its resources' physical ids."""
    import boto3
    from botocore.config import Config

    session = boto3.Session(profile_name=profile, region_name=region)
    cloudformation = session.client("cloudformation")
    body = cloudformation.get_template(StackName=stack_name, TemplateStage="Processed")["TemplateBody"]
    template = body if isinstance(body, dict) else json.loads(body)
    physical = {}
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_name):
        for resource in page["StackResourceSummaries"]:
            physical[resource["LogicalResourceId"]] = resource.get("PhysicalResourceId", "")
    # One try per invocation: a function that timed out may have published, and its retry would be the
    # redrive's next run, which the idempotency record answers.
    lambda_client = session.client("lambda", config=Config(read_timeout=910, retries={"total_max_attempts": 1}))

    def invoke(logical_id: str, event: Any) -> Invoked:
        response = lambda_client.invoke(
            FunctionName=physical[logical_id], Payload=json.dumps(event).encode(), LogType="Tail"
        )
        payload = json.loads(response["Payload"].read() or b"null")
        logs = tuple(base64.b64decode(response.get("LogResult", "")).decode("utf-8", "replace").splitlines())
        if response.get("FunctionError"):
            answer = payload if isinstance(payload, dict) else {}
            error_type = answer.get("errorType", response["FunctionError"])
            return Invoked(False, None, error_type, answer.get("errorMessage"), logs)
        return Invoked(True, payload, logs=logs)

    @functools.cache
    def environment(logical_id: str) -> dict[str, str]:
        configuration = lambda_client.get_function_configuration(FunctionName=physical[logical_id])
        return dict(configuration.get("Environment", {}).get("Variables", {}))

    clients = functools.cache(session.client)
    return StackResources(stack_name, template, physical, clients, invoke, environment=environment)
