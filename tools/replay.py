"""Replay events through the synthesized stack on local stand-ins for AWS, without Docker.

    python -m tools.replay [--json] [--repeat N] [--account ID] [--endpoint URL] [--keep] PATH...

Each event is matched against every rule of the template (moto's EventBridge pattern
matcher), delivered to the rule's target function as Lambda delivers asynchronous events
(retries from the template, then the on-failure queue), run from the bundled asset, and
what the subscriber queue received is shown. Exit code 0 when every delivery ended
notified, duplicate or unmatched; 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moto.events.models import EventPattern

from tools import local_aws
from tools.calendar_service import calendar_service
from tools.lambda_runner import FunctionProcess, Invocation
from tools.local_stack import LocalStack
from tools.template import REPO_ROOT, Template, ensure_synthesized

# "checked": a scheduled run (the calendar reconciler) that had nothing to announce.
OK_OUTCOMES = ("notified", "duplicate", "unmatched", "checked")
# Raised by the handlers for events they refuse (lambdas/notifier/models.py).
REFUSAL = "InvalidEventError"


@dataclass
class Delivery:
    file: str
    event_id: str | None
    detail_type: str | None
    rule: str | None = None
    function: str | None = None
    outcome: str = "unmatched"
    error: str | None = None
    attempts: int = 0
    dead_letter_queue: str | None = None
    notifications: list[dict[str, Any]] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "eventId": self.event_id,
            "detailType": self.detail_type,
            "rule": self.rule,
            "function": self.function,
            "outcome": self.outcome,
            "error": self.error,
            "attempts": self.attempts,
            "deadLetterQueue": self.dead_letter_queue,
            "notifications": self.notifications,
        }


def event_files(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files += sorted(path.rglob("*.json"))
        elif path.is_file():
            files.append(path)
        else:
            raise SystemExit(f"replay: no such file or folder: {name}")
    return sorted(files)


def _display(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(REPO_ROOT))
    return str(path)


class Replayer:
    def __init__(
        self, template: Template, stack: LocalStack, base_environment: dict[str, str], account: str | None
    ) -> None:
        self.template = template
        self.stack = stack
        self.account = account
        self.base_environment = base_environment
        self.functions = template.functions()
        self.processes: dict[str, FunctionProcess] = {}
        self.sqs = stack.client("sqs")

    def process(self, logical_id: str) -> FunctionProcess:
        if logical_id not in self.processes:
            environment = {**self.base_environment, **self.stack.function_environment(logical_id)}
            self.processes[logical_id] = FunctionProcess(self.functions[logical_id], environment)
        return self.processes[logical_id]

    def close(self) -> None:
        for process in self.processes.values():
            process.close()

    def run_schedules(self, calendars: str) -> list[Delivery]:
        """Invoke each scheduled function once (the calendar reconciler), watching the served calendars."""
        deliveries = []
        for rule in self.template.schedules():
            for function in rule.target_functions:
                self.process(function).environment["MONITORED_CALENDARS"] = calendars
                event: dict[str, Any] = {
                    "version": "0",
                    "id": str(uuid.uuid4()),
                    "detail-type": "Scheduled Event",
                    "source": "aws.events",
                    "account": self.stack.account,
                    "time": datetime.now(UTC).isoformat(),
                    "region": local_aws.REGION,
                    "resources": [],
                    "detail": {},
                }
                delivery = Delivery(
                    f"(schedule {rule.logical_id})", event["id"], "Scheduled Event", rule.logical_id, function
                )
                delivery = self.deliver(delivery, event)
                if delivery.outcome == "notified" and not delivery.notifications:
                    delivery.outcome = "checked"
                deliveries.append(delivery)
        return deliveries

    def matching_rules(self, event: dict[str, Any]) -> list[tuple[str, str]]:
        """(rule, target function) pairs whose pattern matches, the account taken as the stack's."""
        account = self.account or str(event.get("account"))
        matched = []
        for rule in self.template.rules():
            pattern = self.stack.resolve(rule.pattern, account=account)
            if EventPattern.load(json.dumps(pattern)).matches_event(event):  # type: ignore[arg-type]
                matched += [(rule.logical_id, target) for target in rule.target_functions]
        return matched

    def replay_file(self, path: Path) -> list[Delivery]:
        name = _display(path)
        try:
            event = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            return [Delivery(name, None, None, outcome="failed", error=f"cannot read the event: {error}")]
        if not isinstance(event, dict):
            return [Delivery(name, None, None, outcome="failed", error="the event is not a JSON object")]
        event_id, detail_type = event.get("id"), event.get("detail-type")
        matched = self.matching_rules(event)
        if not matched:
            return [Delivery(name, event_id, detail_type)]
        return [
            self.deliver(Delivery(name, event_id, detail_type, rule, function), event) for rule, function in matched
        ]

    def deliver(self, delivery: Delivery, event: dict[str, Any]) -> Delivery:
        """Invoke as Lambda does for EventBridge: asynchronously, retried, then to the on-failure queue."""
        assert delivery.function is not None
        spec = self.functions[delivery.function]
        delivery.function = spec.construct_id
        invocation = Invocation(False)
        for _attempt in range(1 + spec.retries):
            delivery.attempts += 1
            invocation = self.process(spec.logical_id).invoke(event)
            delivery.logs += invocation.logs
            if invocation.ok:
                break
        if invocation.ok:
            result = invocation.result if isinstance(invocation.result, dict) else {}
            delivery.outcome = "duplicate" if result.get("duplicate") else "notified"
        else:
            delivery.outcome = "rejected" if invocation.error_type == REFUSAL else "failed"
            delivery.error = f"{invocation.error_type}: {invocation.error_message}"
            delivery.dead_letter_queue = self.send_to_on_failure_queue(spec.logical_id, event, invocation, delivery)
        delivery.notifications = self.received()
        return delivery

    def send_to_on_failure_queue(
        self, function: str, event: dict[str, Any], invocation: Invocation, delivery: Delivery
    ) -> str | None:
        """The record Lambda's on-failure destination receives, sent to the function's queue."""
        destination = self.functions[function].on_failure
        if not destination:
            return None
        arn = self.stack.resolve(destination["Destination"])
        record = {
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(),
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.stack.resolve({"Fn::GetAtt": [function, "Arn"]}),
                "condition": "RetriesExhausted",
                "approximateInvokeCount": delivery.attempts,
            },
            "requestPayload": event,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "responsePayload": {"errorType": invocation.error_type, "errorMessage": invocation.error_message},
        }
        self.sqs.send_message(QueueUrl=self.stack.queue_urls[arn], MessageBody=json.dumps(record))
        return str(arn).rsplit(":", 1)[-1]

    def received(self) -> list[dict[str, Any]]:
        """What the subscriber queue got (SNS envelopes), as a subscriber reads it."""
        notifications = []
        for message in local_aws.drain_queue(self.sqs, self.stack.subscriber_queue_url, empty_polls=1, pause=0):
            envelope = json.loads(message["Body"])
            document = json.loads(envelope["Message"])
            notifications.append(
                {
                    "subject": envelope.get("Subject"),
                    "attributes": {k: v["Value"] for k, v in envelope.get("MessageAttributes", {}).items()},
                    "email": document.get("text"),
                    "json": document,
                }
            )
        return notifications


def print_human(delivery: Delivery, verbose: bool, out: Any) -> None:
    route = f"{delivery.rule} -> {delivery.function}" if delivery.rule else "no rule matched"
    print(f"[{delivery.outcome:>9}] {delivery.file}  ({route})", file=out)
    if delivery.error:
        print(f"            {delivery.error}", file=out)
        if delivery.dead_letter_queue:
            print(
                f"            after {delivery.attempts} attempts, in dead-letter queue {delivery.dead_letter_queue}",
                file=out,
            )
    if verbose:
        for notification in delivery.notifications:
            print(f"    Subject: {notification['subject']}", file=out)
            for line in (notification["email"] or "").splitlines():
                print(f"    | {line}", file=out)
            print(file=out)
    if delivery.outcome == "failed":
        for line in delivery.logs[-20:]:
            print(f"    log: {line}", file=out)


@contextlib.contextmanager
def stand_ins(args: argparse.Namespace, log: Any) -> Iterator[dict[str, str]]:
    """Endpoints of running stand-ins, started here unless --endpoint names them."""
    with contextlib.ExitStack() as stack:
        moto = args.endpoint or stack.enter_context(local_aws.moto_process(keep=args.keep))
        if args.dynamodb_endpoint:
            dynamodb, which = args.dynamodb_endpoint, "given endpoint"
        elif args.endpoint:
            dynamodb, which = args.endpoint, "moto (given endpoint)"
        elif local_aws.dynamodb_local_available():
            server = stack.enter_context(local_aws.dynamodb_local_process(keep=args.keep))
            dynamodb, which = server, "DynamoDB Local"
        else:
            dynamodb, which = moto, "moto (no Java or DynamoDB Local jar found)"
        folders = [REPO_ROOT / "calendars", *([args.calendars] if args.calendars else [])]
        ssm, calendars = stack.enter_context(calendar_service(folders))
        print(
            f"stand-ins: moto server at {moto} for SNS, SQS and EventBridge; DynamoDB: {which} at {dynamodb}; "
            f"SSM calendars ({', '.join(calendars.names())}) served from {', '.join(map(_display, folders))}",
            file=log,
        )
        if args.keep:
            print(f"kept running: --endpoint {moto} --dynamodb-endpoint {dynamodb}", file=log)
        yield {
            "sns": moto,
            "sqs": moto,
            "ssm": ssm,
            "events": moto,
            "dynamodb": dynamodb,
            "calendars": ",".join(calendars.names()),
        }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.replay", description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", metavar="PATH", help="event files or folders (sorted)")
    parser.add_argument("--json", action="store_true", help="one JSON object per delivery, one per line")
    parser.add_argument("--repeat", type=int, default=1, metavar="N", help="replay every file N times")
    parser.add_argument("--account", help="the stack's account (default: each event's own account)")
    parser.add_argument("--endpoint", metavar="URL", help="use a running moto server instead of starting one")
    parser.add_argument("--dynamodb-endpoint", metavar="URL", help="use a running DynamoDB (Local) too")
    parser.add_argument("--keep", action="store_true", help="leave the stand-ins running and print their endpoints")
    parser.add_argument("--quiet", action="store_true", help="human output: one line per delivery")
    parser.add_argument(
        "--calendars",
        metavar="DIR",
        type=Path,
        help="Change Calendar files (<DocumentName>.ics) to serve besides calendars/; also runs the reconciler",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    out, log = sys.stdout, sys.stderr
    files = event_files(args.paths)
    template = Template(ensure_synthesized(log=log))
    build = template.layer_build()
    print(
        f"template: {template.path.relative_to(REPO_ROOT)}; layer build: {build.get('platform')} "
        f"({build.get('runtime')}, {build.get('architecture')})",
        file=log,
    )
    outcomes: Counter[str] = Counter()
    with stand_ins(args, log) as endpoints:
        stack = LocalStack(template, endpoints).deploy()
        environment = local_aws.function_environment(endpoints)
        replayer = Replayer(template, stack, environment, args.account)
        try:
            for round_number in range(args.repeat):
                if args.repeat > 1 and not args.json:
                    print(f"--- pass {round_number + 1} of {args.repeat} ---", file=out)
                deliveries = [delivery for path in files for delivery in replayer.replay_file(path)]
                if args.calendars:
                    deliveries += replayer.run_schedules(endpoints["calendars"])
                for delivery in deliveries:
                    outcomes[delivery.outcome] += 1
                    if args.json:
                        print(json.dumps(delivery.as_json(), ensure_ascii=False), file=out, flush=True)
                    else:
                        print_human(delivery, verbose=not args.quiet and round_number == 0, out=out)
        finally:
            replayer.close()
    elapsed = time.monotonic() - started
    counts = ", ".join(f"{outcomes[name]} {name}" for name in (*OK_OUTCOMES, "rejected", "failed"))
    print(
        f"replayed {sum(outcomes.values())} deliveries of {len(files)} files x {args.repeat} in {elapsed:.1f} s: "
        f"{counts}",
        file=log,
    )
    return 0 if set(outcomes) <= set(OK_OUTCOMES) else 1


if __name__ == "__main__":
    sys.exit(main())
