"""The synthesized stack as the local tools see it: rules, functions, assets, references.

The local tools run the code of a synthesis made for this machine (`-c layerPlatform=host`,
in cdk.out.local/): the Lambda build of the layer holds Linux ARM64 wheels for Lambda's
Python, which do not import here. Both builds come from the same lambdas/requirements.txt.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools import REPO_ROOT

STACK_NAME = "SsmEventNotifier"
LOCAL_OUTDIR = REPO_ROOT / "cdk.out.local"
SOURCES = ("app.py", "cdk.json", "infra", "lambdas")
CDK_ENV = {
    "CDK_HOME": str(REPO_ROOT / ".cdk-home"),
    "CDK_DISABLE_CLI_TELEMETRY": "true",
    "CDK_DISABLE_VERSION_CHECK": "1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
}


def _newest_source_mtime(context_files: Iterable[Path] = ()) -> float:
    newest = max((file.stat().st_mtime for file in context_files), default=0.0)
    for name in SOURCES:
        path = REPO_ROOT / name
        files: Iterable[Path] = [path] if path.is_file() else path.rglob("*")
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts:
                newest = max(newest, file.stat().st_mtime)
    return newest


def ensure_synthesized(
    outdir: Path = LOCAL_OUTDIR, log: Any = sys.stderr, context: Mapping[str, str] | None = None
) -> Path:
    """The template path, synthesizing first when it is missing or older than the sources.

    `context`: CDK context (`-c key=value`) beside the project's; each set of it gets its own folder. A
    value that names a file (a routes file) is a source too: editing it synthesizes again.
    """
    if context:
        digest = hashlib.sha256(json.dumps(sorted(context.items())).encode()).hexdigest()[:12]
        outdir = outdir / f"context-{digest}"
    template = outdir / f"{STACK_NAME}.template.json"
    outdir.mkdir(parents=True, exist_ok=True)
    # One synth at a time: pytest's workers may all find the build stale after a change, and a synth
    # that rewrites the assets while another worker reads them fails that worker's test.
    with open(outdir / ".synth.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # Relative to the repository, where the app runs.
        files = [REPO_ROOT / value for value in (context or {}).values() if value and (REPO_ROOT / value).is_file()]
        if template.exists() and template.stat().st_mtime >= _newest_source_mtime(files):
            return template
        print(f"synthesizing {STACK_NAME} for this machine into {outdir.name}/ ...", file=log, flush=True)
        command = ["npx", "--no-install", "cdk", "synth", "--no-notices", "--quiet"]
        command += ["-c", "layerPlatform=host", "--output", str(outdir)]
        command += [word for key, value in sorted((context or {}).items()) for word in ("-c", f"{key}={value}")]
        env = {**os.environ, **CDK_ENV}
        done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"cdk synth failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        template.touch()
        return template


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    construct_id: str  # e.g. "AmiNotifier", the construct that owns the function
    handler: str
    code_dir: Path
    layer_dirs: tuple[Path, ...]
    timeout: int
    memory: int
    environment: dict[str, Any]  # values may still be CloudFormation references
    retries: int
    on_failure: dict[str, Any] | None


@dataclass(frozen=True)
class RuleSpec:
    logical_id: str
    pattern: Any  # the EventPattern, or the ScheduleExpression of a scheduled rule
    target_functions: tuple[str, ...]  # logical ids
    target_queues: tuple[str, ...] = ()  # logical ids


@dataclass(frozen=True)
class EventSourceMappingSpec:
    """A Lambda event source mapping that reads an SQS queue."""

    logical_id: str
    queue: str  # logical id
    function: str  # logical id
    batch_size: int
    report_batch_item_failures: bool
    dead_letter_queue: str | None = None  # logical id, from the queue's redrive policy
    max_receive_count: int | None = None
    max_concurrency: int | None = None  # ScalingConfig: the most batches Lambda runs at once


class Template:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.outdir = path.parent
        self.body: dict[str, Any] = json.loads(path.read_text())
        self.resources: dict[str, dict[str, Any]] = self.body["Resources"]

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == resource_type}

    def asset_dir(self, logical_id: str) -> Path:
        return self.outdir / self.resources[logical_id]["Metadata"]["aws:asset:path"]

    def layer_build(self) -> dict[str, Any]:
        """What the layer was built for (written by infra/ssm_event_notifier/layer.py)."""
        for logical_id in self.of_type("AWS::Lambda::LayerVersion"):
            info = self.asset_dir(logical_id) / "python" / "ssm_event_notifier_layer.json"
            if info.exists():
                return dict(json.loads(info.read_text()))
        return {"platform": "unknown"}

    def functions(self) -> dict[str, FunctionSpec]:
        invoke_configs = {
            config["Properties"]["FunctionName"]["Ref"]: config["Properties"]
            for config in self.of_type("AWS::Lambda::EventInvokeConfig").values()
        }
        specs = {}
        for logical_id, function in self.of_type("AWS::Lambda::Function").items():
            props = function["Properties"]
            config = invoke_configs.get(logical_id, {})
            path = function["Metadata"].get("aws:cdk:path", logical_id)
            specs[logical_id] = FunctionSpec(
                logical_id=logical_id,
                construct_id=path.split("/")[1] if "/" in path else logical_id,
                handler=props["Handler"],
                code_dir=self.asset_dir(logical_id),
                layer_dirs=tuple(self.asset_dir(layer["Ref"]) for layer in props.get("Layers", [])),
                timeout=int(props.get("Timeout", 3)),
                memory=int(props.get("MemorySize", 128)),
                environment=dict(props.get("Environment", {}).get("Variables", {})),
                retries=int(config.get("MaximumRetryAttempts", 2)),
                on_failure=config.get("DestinationConfig", {}).get("OnFailure"),
            )
        return specs

    def find_function(self, name: str) -> FunctionSpec:
        """A function by logical id, construct id (AmiNotifier) or catalog name (ami)."""
        wanted = name.replace("-", "").lower()
        for spec in self.functions().values():
            names = {
                spec.logical_id.lower(),
                spec.construct_id.lower(),
                spec.construct_id.lower().removesuffix("notifier"),
            }
            if wanted in names or name == spec.logical_id:
                return spec
        known = ", ".join(sorted(spec.construct_id for spec in self.functions().values()))
        raise KeyError(f"no function {name!r} in {self.path.name}; known: {known}")

    def rules(self) -> list[RuleSpec]:
        """The rules that match events (their EventPattern)."""
        return self._rules("EventPattern")

    def schedules(self) -> list[RuleSpec]:
        """The rules that run on a schedule (their pattern is the ScheduleExpression)."""
        return self._rules("ScheduleExpression")

    def _rules(self, kind: str) -> list[RuleSpec]:
        rules = []
        for logical_id, rule in sorted(self.of_type("AWS::Events::Rule").items()):
            props = rule["Properties"]
            if kind not in props:
                continue
            targets = [
                target["Arn"]["Fn::GetAtt"][0]
                for target in props.get("Targets", [])
                if isinstance(target.get("Arn"), dict) and "Fn::GetAtt" in target["Arn"]
            ]
            functions = tuple(t for t in targets if self._type(t) == "AWS::Lambda::Function")
            queues = tuple(t for t in targets if self._type(t) == "AWS::SQS::Queue")
            rules.append(RuleSpec(logical_id, props[kind], functions, queues))
        return rules

    def construct_path(self, logical_id: str) -> str:
        """Where a resource is in the app, e.g. "StormControl/Buffer" (the logical id if unknown)."""
        path = str(self.resources[logical_id].get("Metadata", {}).get("aws:cdk:path", logical_id))
        return "/".join(path.split("/")[1:]).removesuffix("/Resource") or logical_id

    def _type(self, logical_id: str) -> str | None:
        resource = self.resources.get(logical_id)
        return str(resource["Type"]) if resource else None

    def event_source_mappings(self) -> list[EventSourceMappingSpec]:
        """The functions that read SQS queues, in batches."""
        mappings = []
        for logical_id, mapping in sorted(self.of_type("AWS::Lambda::EventSourceMapping").items()):
            props = mapping["Properties"]
            source = props.get("EventSourceArn")
            if not (isinstance(source, dict) and "Fn::GetAtt" in source):
                continue
            queue = source["Fn::GetAtt"][0]
            if self._type(queue) != "AWS::SQS::Queue" or props.get("Enabled", True) is False:
                continue
            redrive = self.resources[queue]["Properties"].get("RedrivePolicy") or {}
            target = redrive.get("deadLetterTargetArn")
            scaling = props.get("ScalingConfig") or {}
            mappings.append(
                EventSourceMappingSpec(
                    logical_id=logical_id,
                    queue=queue,
                    function=props["FunctionName"]["Ref"],
                    batch_size=int(props.get("BatchSize", 10)),
                    report_batch_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                    dead_letter_queue=target["Fn::GetAtt"][0] if isinstance(target, dict) else None,
                    max_receive_count=int(redrive["maxReceiveCount"]) if "maxReceiveCount" in redrive else None,
                    max_concurrency=int(scaling["MaximumConcurrency"]) if "MaximumConcurrency" in scaling else None,
                )
            )
        return mappings


def resolve(value: Any, refs: dict[str, str], attributes: dict[tuple[str, str], str], account: str) -> Any:
    """Replace Ref / Fn::GetAtt / Fn::Join / AWS::AccountId with the local resources' names and ARNs."""
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            if value["Ref"] == "AWS::AccountId":
                return account
            return refs[value["Ref"]]
        if set(value) == {"Fn::GetAtt"}:
            logical_id, attribute = value["Fn::GetAtt"]
            return attributes[(logical_id, attribute)]
        if set(value) == {"Fn::Join"}:  # e.g. a JSON variable that names resources (Stack.to_json_string)
            separator, parts = value["Fn::Join"]
            return str(separator).join(str(resolve(part, refs, attributes, account)) for part in parts)
        return {k: resolve(v, refs, attributes, account) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, refs, attributes, account) for v in value]
    return value
