"""The events of one fleet-wide operation, as AWS sends them, for `python -m tools.storm`.

One builder per kind of operation (Run Command, Maintenance Window run, Automation execution, State
Manager association run, compliance scan wave). Each item (instance, target or step) reports
running and then finished, a third within the same second; failing items say why as AWS's events
do (an error code, a severity, a step's action). Item events are shuffled, a share is repeated
exactly (EventBridge delivers at least once), and the operation's own events come first (running)
and last (final), where the kind has them.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ssm_event_notifier.contract.catalog import EVENT_TYPES

ACCOUNT = "123456789012"
REGION = "us-east-1"
DOCUMENT = "AWS-RunPatchBaseline"
KINDS = ("command", "window", "automation", "association", "compliance")
# Why failing items fail, in turn: a few reasons, so that the message groups them.
ERROR_CODES = ("1", "127")
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM")
# The detail-type of each (operation, role), from the catalog: the storm sends what the rules match.
DETAIL_TYPES = {(e.operation, e.role): e.detail_type for e in EVENT_TYPES if e.operation}


@dataclass(frozen=True)
class Storm:
    kind: str
    operation_id: str  # the command id, window execution id, execution id, association id, or "Patch/<baseline>"
    instances: list[str]  # the items: instances, or an Automation execution's steps
    failed: list[str]
    events: list[dict[str, Any]]  # in delivery order
    repeats: int


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _millis(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _automation_time(moment: datetime) -> str:
    """Automation's own spelling, as in AWS's samples: "Nov 29, 2024 7:43:20 PM"."""
    return moment.astimezone(UTC).strftime("%b %d, %Y %I:%M:%S %p").replace(" 0", " ")


@dataclass
class _Builder:
    rng: random.Random
    account: str
    region: str
    start: datetime
    operation_id: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)
    first: list[dict[str, Any]] = field(default_factory=list)  # the operation's own, before its items
    last: list[dict[str, Any]] = field(default_factory=list)  # the operation's own, after its items
    finished: datetime | None = None

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def event(
        self, detail_type: str, at: datetime, resources: list[str], detail: dict[str, Any], source: str = "aws.ssm"
    ) -> dict[str, Any]:
        return {
            "version": "0",
            "id": self.uuid(),
            "detail-type": detail_type,
            "source": source,
            "account": self.account,
            "time": _time(at),
            "region": self.region,
            "resources": resources,
            "detail": detail,
        }

    def arn(self, kind: str, name: str) -> str:
        return f"arn:aws:{'ec2' if kind == 'instance' else 'ssm'}:{self.region}:{self.account}:{kind}/{name}"

    def times(self) -> tuple[datetime, datetime]:
        """When an item starts and ends: a third end within the second they started."""
        began = self.start + timedelta(seconds=self.rng.randint(1, 120))
        ended = began + timedelta(seconds=0 if self.rng.random() < 1 / 3 else self.rng.randint(1, 300))
        self.finished = max(self.finished or ended, ended)
        return began, ended

    @property
    def done(self) -> datetime:
        return (self.finished or self.start) + timedelta(seconds=5)


def _command(b: _Builder, names: list[str], failing: set[str]) -> None:
    b.operation_id = b.uuid()
    common = {"command-id": b.operation_id, "document-name": DOCUMENT, "requested-date-time": _millis(b.start)}
    for name in names:
        for status, at in zip(("InProgress", "Failed" if name in failing else "Success"), b.times(), strict=True):
            detail = {**common, "instance-id": name, "status": status}
            b.items.append(b.event(DETAIL_TYPES["command", "item"], at, [b.arn("instance", name)], detail))
    own = {**common, "expire-after": _millis(b.start + timedelta(minutes=10)), "parameters": {"Operation": ["Install"]}}
    parent = DETAIL_TYPES["command", "parent"]
    b.first.append(b.event(parent, b.start, [], {**own, "status": "InProgress"}))
    b.last.append(b.event(parent, b.done, [], {**own, "status": "Failed" if failing else "Success"}))


def _window(b: _Builder, names: list[str], failing: set[str]) -> None:
    b.operation_id = b.uuid()
    window_id = f"mw-{b.rng.getrandbits(68):017x}"
    task_id = b.uuid()
    window_arn = b.arn("maintenancewindow", window_id)
    run = {"window-id": window_id, "window-execution-id": b.operation_id}
    for name in names:
        began, ended = b.times()
        for status, at in (("IN_PROGRESS", began), ("FAILED" if name in failing else "SUCCESS", ended)):
            detail = {
                "start-time": _millis(began),
                **run,
                "task-execution-id": task_id,
                "window-target-id": "patch-group-targets",
                "status": status,
                "owner-information": "storm",
            }
            if status != "IN_PROGRESS":
                detail["end-time"] = _millis(at)
            b.items.append(
                b.event(
                    DETAIL_TYPES["window-execution", "item"],
                    at,
                    [window_arn, b.arn("instance", name)],
                    detail,
                )
            )
    final = "FAILED" if failing else "SUCCESS"
    closing = {**run, "start-time": _millis(b.start), "end-time": _millis(b.done), "status": final}
    b.first.append(
        b.event(
            DETAIL_TYPES["window-execution", "parent"],
            b.start,
            [window_arn],
            {**run, "start-time": _millis(b.start), "status": "IN_PROGRESS"},
        )
    )
    task_type = DETAIL_TYPES["window-execution", "task"]
    b.last.append(b.event(task_type, b.done, [window_arn], {**closing, "task-execution-id": task_id}))
    b.last.append(b.event(DETAIL_TYPES["window-execution", "parent"], b.done, [window_arn], closing))


def _automation(b: _Builder, names: list[str], failing: set[str]) -> None:
    b.operation_id = b.uuid()
    runbook = "Patch-And-Verify"
    resources = [b.arn("automation-execution", b.operation_id), b.arn("automation-definition", f"{runbook}:1")]
    common = {"ExecutionId": b.operation_id, "Definition": runbook, "DefinitionVersion": 1.0}
    for number, name in enumerate(names):
        began, ended = b.times()
        action = "aws:runCommand" if number % 2 else "aws:executeScript"
        for status, at in (("InProgress", began), ("Failed" if name in failing else "Success", ended)):
            detail = {**common, "Status": status, "StartTime": _automation_time(began), "StepName": name}
            detail["Action"] = action
            if status != "InProgress":
                detail["EndTime"] = _automation_time(at)
            b.items.append(b.event(DETAIL_TYPES["automation", "item"], at, resources, detail))
    own = {**common, "StartTime": _automation_time(b.start), "ExecutedBy": f"arn:aws:iam::{b.account}:user/ops"}
    parent = DETAIL_TYPES["automation", "parent"]
    b.first.append(b.event(parent, b.start, resources, {**own, "Status": "InProgress"}))
    final = {**own, "Status": "Failed" if failing else "Success", "EndTime": _automation_time(b.done)}
    b.last.append(b.event(parent, b.done, resources, final))


def _association(b: _Builder, names: list[str], failing: set[str]) -> None:
    b.operation_id = b.uuid()
    document = "AWS-UpdateSSMAgent"
    common = {"association-id": b.operation_id, "document-name": document, "document-version": "1"}
    for number, name in enumerate(sorted(failing) + [n for n in names if n not in failing]):
        began, ended = b.times()
        fails = name in failing
        for status, at in (("InProgress", began), ("Failed" if fails else "Success", ended)):
            detail = {**common, "instance-id": name, "status": status, "last-execution-date": _time(at)}
            detail["detailed-status"] = status
            if fails and status == "Failed":
                detail["error-code"] = ERROR_CODES[number % len(ERROR_CODES)]
                detail["execution-summary"] = "1 out of 1 plugin processed, 0 success, 1 failed"
            resources = [b.arn("instance", name), b.arn("document", document)]
            b.items.append(b.event(DETAIL_TYPES["association", "item"], at, resources, detail))
    counts = f'{{"Failed":{len(failing)},"Success":{len(names) - len(failing)}}}'
    own = {**common, "schedule-expression": "rate(30 minutes)", "association-status-aggregated-count": counts}
    parent = DETAIL_TYPES["association", "parent"]
    resources = [b.arn("document", document)]
    b.last.append(b.event(parent, b.done, resources, {**own, "status": "Failed" if failing else "Success"}))


def _compliance(b: _Builder, names: list[str], failing: set[str]) -> None:
    baseline = f"pb-{b.rng.getrandbits(68):017x}"
    b.operation_id = f"Patch/{baseline}"
    for number, name in enumerate(sorted(failing) + [n for n in names if n not in failing]):
        _began, ended = b.times()
        detail = {
            "resource-type": "managed-instance",
            "resource-id": name,
            "compliance-status": "non_compliant" if name in failing else "compliant",
            "compliance-type": "Patch",
            "patch-baseline-id": baseline,
            "severity": SEVERITIES[number % len(SEVERITIES)] if name in failing else "UNSPECIFIED",
        }
        resources = [b.arn("managed-instance", name)]
        b.items.append(b.event(DETAIL_TYPES["compliance", "item"], ended, resources, detail))


BUILDERS: dict[str, Callable[[_Builder, list[str], set[str]], None]] = {
    "command": _command,
    "window": _window,
    "automation": _automation,
    "association": _association,
    "compliance": _compliance,
}


def generate(
    instances: int,
    failures: int,
    kind: str = "command",
    repeats: float = 0.1,
    seed: int = 0,
    parent: bool = True,
    start: datetime | None = None,
    account: str = ACCOUNT,
    region: str = REGION,
) -> Storm:
    """The events of one operation over `instances` items, `failures` of which fail."""
    if not 0 <= failures <= instances:
        raise ValueError(f"--failures must be between 0 and --instances ({instances}), got {failures}")
    if not 0 <= repeats <= 1:
        raise ValueError(f"--repeats must be a share between 0 and 1, got {repeats}")
    if kind not in BUILDERS:
        raise ValueError(f"--kind must be one of {', '.join(KINDS)}, got {kind!r}")
    rng = random.Random(seed)
    builder = _Builder(
        rng, account, region, (start or datetime.now(UTC) - timedelta(minutes=15)).replace(microsecond=0)
    )
    if kind == "automation":
        names = [f"step{number:03d}" for number in range(1, instances + 1)]
    else:
        names = [f"i-{rng.getrandbits(68):017x}" for _ in range(instances)]
    failed = sorted(rng.sample(names, failures))
    BUILDERS[kind](builder, names, set(failed))
    items = builder.items
    rng.shuffle(items)
    repeated = int(len(items) * repeats)
    for original in rng.sample(items, repeated):
        items.insert(rng.randint(0, len(items)), dict(original))
    own = (builder.first + builder.last) if parent else []
    events = [e for e in own if e in builder.first] + items + [e for e in own if e in builder.last]
    return Storm(kind, builder.operation_id, names, failed, events, repeated)
