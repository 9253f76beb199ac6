"""A fleet's worth of events for one Run Command or Maintenance Window run, to replay.

    python -m tools.storm --instances N --failures K --out DIR [--kind command|window]
                          [--repeats 0.1] [--seed S] [--no-parent] [--force]

Writes one EventBridge event per file, numbered so that sorted order is the delivery order:
each instance's InProgress and then Success or Failed event (K instances fail), shuffled, with
the given share of exact repeats (EventBridge delivers at least once), and last the operation's
own final event (a command: EC2 Command Status-change; a window run: its task execution and then
its execution). `python -m tools.replay DIR` then runs them as the stack would.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
DOCUMENT = "AWS-RunPatchBaseline"


@dataclass(frozen=True)
class Storm:
    kind: str
    operation_id: str  # the command id, or the window execution id
    instances: list[str]
    failed: list[str]
    events: list[dict[str, Any]]  # in delivery order
    repeats: int


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _millis(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class _Events:
    def __init__(self, rng: random.Random, account: str, region: str) -> None:
        self.rng = rng
        self.account = account
        self.region = region

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def event(self, detail_type: str, at: datetime, resources: list[str], detail: dict[str, Any]) -> dict[str, Any]:
        return {
            "version": "0",
            "id": self.uuid(),
            "detail-type": detail_type,
            "source": "aws.ssm",
            "account": self.account,
            "time": _time(at),
            "region": self.region,
            "resources": resources,
            "detail": detail,
        }

    def instance_arn(self, instance: str) -> str:
        return f"arn:aws:ec2:{self.region}:{self.account}:instance/{instance}"


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
    """The events of one operation over `instances` instances, `failures` of which fail."""
    if not 0 <= failures <= instances:
        raise ValueError(f"--failures must be between 0 and --instances ({instances}), got {failures}")
    if not 0 <= repeats <= 1:
        raise ValueError(f"--repeats must be a share between 0 and 1, got {repeats}")
    if kind not in ("command", "window"):
        raise ValueError(f"--kind must be command or window, got {kind!r}")
    rng = random.Random(seed)
    make = _Events(rng, account, region)
    start = (start or datetime.now(UTC) - timedelta(minutes=15)).replace(microsecond=0)
    ids = [f"i-{rng.getrandbits(68):017x}" for _ in range(instances)]
    failed = sorted(rng.sample(ids, failures))
    failing = set(failed)
    per_instance: list[dict[str, Any]] = []
    finished = start
    operation_id = make.uuid()
    window_id = f"mw-{rng.getrandbits(68):017x}"
    task_id = make.uuid()
    window_arn = f"arn:aws:ssm:{region}:{account}:maintenancewindow/{window_id}"
    detail: dict[str, Any]
    for instance in ids:
        began = start + timedelta(seconds=rng.randint(1, 120))
        # A third finish within the second they started: their two events carry the same time.
        ended = began + timedelta(seconds=0 if rng.random() < 1 / 3 else rng.randint(1, 300))
        finished = max(finished, ended)
        if kind == "command":
            for status, at in (("InProgress", began), ("Failed" if instance in failing else "Success", ended)):
                detail = {
                    "command-id": operation_id,
                    "document-name": DOCUMENT,
                    "instance-id": instance,
                    "requested-date-time": _millis(start),
                    "status": status,
                }
                per_instance.append(
                    make.event(
                        "EC2 Command Invocation Status-change Notification", at, [make.instance_arn(instance)], detail
                    )
                )
        else:
            for status, at in (("IN_PROGRESS", began), ("FAILED" if instance in failing else "SUCCESS", ended)):
                detail = {
                    "start-time": _millis(began),
                    "window-id": window_id,
                    "window-execution-id": operation_id,
                    "task-execution-id": task_id,
                    "window-target-id": "patch-group-targets",
                    "status": status,
                    "owner-information": "storm",
                }
                if status != "IN_PROGRESS":
                    detail["end-time"] = _millis(at)
                per_instance.append(
                    make.event(
                        "Maintenance Window Task Target Invocation State-change Notification",
                        at,
                        [window_arn, make.instance_arn(instance)],
                        detail,
                    )
                )
    rng.shuffle(per_instance)
    repeated = int(len(per_instance) * repeats)
    for original in rng.sample(per_instance, repeated):
        per_instance.insert(rng.randint(0, len(per_instance)), dict(original))
    final = "Failed" if failed else "Success"
    parents: list[dict[str, Any]] = []
    done = finished + timedelta(seconds=5)
    if parent and kind == "command":
        detail = {
            "command-id": operation_id,
            "document-name": DOCUMENT,
            "expire-after": _millis(start + timedelta(minutes=10)),
            "parameters": {"Operation": ["Install"]},
            "requested-date-time": _millis(start),
            "status": final,
        }
        parents.append(make.event("EC2 Command Status-change Notification", done, [], detail))
    elif parent:
        window = {
            "start-time": _millis(start),
            "end-time": _millis(done),
            "window-id": window_id,
            "window-execution-id": operation_id,
            "status": final.upper(),
        }
        task = {**window, "task-execution-id": task_id}
        parents.append(
            make.event("Maintenance Window Task Execution State-change Notification", done, [window_arn], task)
        )
        parents.append(make.event("Maintenance Window Execution State-change Notification", done, [window_arn], window))
    return Storm(kind, operation_id, ids, failed, per_instance + parents, repeated)


def write(storm: Storm, folder: Path, force: bool = False) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    existing = sorted(folder.glob("*.json"))
    if existing and not force:
        raise SystemExit(f"storm: {folder} already holds {len(existing)} event files; --force replaces them")
    for path in existing:
        path.unlink()
    width = len(str(len(storm.events)))
    paths = []
    for number, event in enumerate(storm.events, start=1):
        path = folder / f"{number:0{width}d}.json"
        path.write_text(json.dumps(event, indent=2) + "\n")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.storm", description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, required=True, metavar="N")
    parser.add_argument("--failures", type=int, default=0, metavar="K")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")
    parser.add_argument("--kind", choices=("command", "window"), default="command")
    parser.add_argument("--repeats", type=float, default=0.1, metavar="SHARE", help="exact repeats (default 0.1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-parent", action="store_true", help="leave out the operation's final event")
    parser.add_argument("--force", action="store_true", help="replace the event files already in DIR")
    args = parser.parse_args(argv)
    if args.instances < 1:
        parser.error("--instances must be at least 1")
    try:
        storm = generate(args.instances, args.failures, args.kind, args.repeats, args.seed, not args.no_parent)
    except ValueError as error:
        parser.error(str(error))
    paths = write(storm, args.out, args.force)
    print(
        f"wrote {len(paths)} events to {args.out}: {args.kind} {storm.operation_id} on {args.instances} instances, "
        f"{len(storm.failed)} failing ({', '.join(storm.failed[:5])}{', ...' if len(storm.failed) > 5 else ''}), "
        f"{storm.repeats} repeats, {'no parent event' if args.no_parent else 'the final event last'}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
