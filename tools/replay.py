"""Replay events through the synthesized stack on local stand-ins for AWS, without Docker.

    python -m tools.replay [--json] [--repeat N] [--account ID] [--endpoint URL] [--keep] [--settle S] PATH...

Each event is matched against every rule of the template (moto's EventBridge pattern
matcher), delivered to the rule's target function as Lambda delivers asynchronous events
(retries from the template, then the on-failure queue), run from the bundled asset, and
what the subscriber queue received is shown. A rule that targets an SQS queue sends the
event there; after the files of a pass, every queue a function reads (an event source
mapping) is drained in batches as Lambda does, and then every scheduled function runs once.
Exit code 0 when every delivery ended notified, duplicate, unmatched, checked, buffered or
recorded; 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
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

from tools import REPO_ROOT, repo_relative
from tools.harness import services
from tools.harness.calendar_service import calendar_service
from tools.harness.endpoints import REGION, function_environment
from tools.harness.lambda_runner import FunctionProcess, Invocation
from tools.harness.local_stack import LocalStack
from tools.harness.samples import event_files, read
from tools.harness.subscribers import drain_queue
from tools.harness.template import EventSourceMappingSpec, Template, ensure_synthesized

# "checked": a scheduled run (the calendar reconciler, the digest sweeper) that had nothing to announce;
# "buffered": sent to a queue a function reads in batches; "recorded": a batch read without a failure.
OK_OUTCOMES = ("notified", "duplicate", "unmatched", "checked", "buffered", "recorded")
# Lambda's own limit on the records of one SQS receive; bigger batches take several receives.
SQS_RECEIVE_MAX = 10
# A record that failed this often is dropped from a queue that has no redrive policy to end its retries.
GIVE_UP_RECEIVES = 10
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
    queue: str | None = None  # where a rule sent the event, or the queue a batch was read from

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
            "queue": self.queue,
            "notifications": self.notifications,
        }


class Replayer:
    def __init__(
        self,
        template: Template,
        stack: LocalStack,
        base_environment: dict[str, str],
        account: str | None,
        settle_seconds: int | None = None,
    ) -> None:
        self.template = template
        self.stack = stack
        self.account = account
        self.base_environment = base_environment
        self.settle_seconds = settle_seconds
        self.functions = template.functions()
        self.mappings = template.event_source_mappings()
        self.processes: dict[str, FunctionProcess] = {}
        self.sqs = stack.client("sqs")
        # Messages sent to each queue a function reads and not yet read: a batch is read as soon as
        # one is full, as Lambda's pollers do, so that queues stay short (moto's receive is O(n)).
        self.unread: dict[str, int] = {mapping.queue: 0 for mapping in self.mappings}

    def process(self, logical_id: str) -> FunctionProcess:
        if logical_id not in self.processes:
            environment = {**self.base_environment, **self.stack.function_environment(logical_id)}
            if self.settle_seconds is not None and "DIGEST_SETTLE_SECONDS" in environment:
                # A local run digests an operation as soon as its final event is recorded.
                environment["DIGEST_SETTLE_SECONDS"] = str(self.settle_seconds)
            self.processes[logical_id] = FunctionProcess(self.functions[logical_id], environment)
        return self.processes[logical_id]

    def close(self) -> None:
        for process in self.processes.values():
            process.close()

    def run_schedules(self, calendars: str) -> list[Delivery]:
        """Invoke each scheduled function once (calendar reconciler, digest sweeper).

        The reconciler watches the calendars the replay serves (`calendars`, comma-separated).
        """
        deliveries = []
        for rule in self.template.schedules():
            for function in rule.target_functions:
                if "MONITORED_CALENDARS" in self.functions[function].environment:
                    self.process(function).environment["MONITORED_CALENDARS"] = calendars
                event: dict[str, Any] = {
                    "version": "0",
                    "id": str(uuid.uuid4()),
                    "detail-type": "Scheduled Event",
                    "source": "aws.events",
                    "account": self.stack.account,
                    "time": datetime.now(UTC).isoformat(),
                    "region": REGION,
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

    def matching_rules(self, event: dict[str, Any]) -> list[tuple[str, str, bool]]:
        """(rule, target, target is a queue) of the rules whose pattern matches, the account taken as the stack's."""
        account = self.account or str(event.get("account"))
        matched = []
        for rule in self.template.rules():
            pattern = self.stack.resolve(rule.pattern, account=account)
            if EventPattern.load(json.dumps(pattern)).matches_event(event):  # type: ignore[arg-type]
                matched += [(rule.logical_id, target, False) for target in rule.target_functions]
                matched += [(rule.logical_id, queue, True) for queue in rule.target_queues]
        return matched

    def replay_file(self, path: Path) -> list[Delivery]:
        name = repo_relative(path)
        try:
            event: Any = read(path)  # any JSON: a file given to replay need not hold an object
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            return [Delivery(name, None, None, outcome="failed", error=f"cannot read the event: {error}")]
        if not isinstance(event, dict):
            return [Delivery(name, None, None, outcome="failed", error="the event is not a JSON object")]
        event_id, detail_type = event.get("id"), event.get("detail-type")
        matched = self.matching_rules(event)
        if not matched:
            return [Delivery(name, event_id, detail_type)]
        deliveries = []
        for rule, target, is_queue in matched:
            if is_queue:
                deliveries.append(self.send_to_queue(Delivery(name, event_id, detail_type, rule), target, event))
                deliveries += self.drain_queues(full_batches_only=True)
            else:
                deliveries.append(self.deliver(Delivery(name, event_id, detail_type, rule, target), event))
        return deliveries

    def send_to_queue(self, delivery: Delivery, queue: str, event: dict[str, Any]) -> Delivery:
        """An SQS rule target: EventBridge sends the event as the message body."""
        self.sqs.send_message(QueueUrl=self.stack.refs[queue], MessageBody=json.dumps(event))
        if queue in self.unread:
            self.unread[queue] += 1
        delivery.queue = self.template.construct_path(queue)
        delivery.outcome = "buffered"
        delivery.attempts = 1
        return delivery

    def drain_queues(self, full_batches_only: bool = False) -> list[Delivery]:
        """Every queue a function reads, in batches as Lambda's event source mapping does, until empty
        (or, with `full_batches_only`, while a full batch waits).

        With ReportBatchItemFailures the records the function names are left in the queue (made
        visible again at once instead of after the visibility timeout) and the others deleted;
        the queue's redrive policy moves a record received maxReceiveCount times to its
        dead-letter queue, as SQS does.
        """
        deliveries = []
        for mapping in self.mappings:
            url = self.stack.refs[mapping.queue]
            arn = self.stack.attributes[(mapping.queue, "Arn")]
            spec = self.functions[mapping.function]
            while not full_batches_only or self.unread[mapping.queue] >= mapping.batch_size:
                messages = self._receive(url, mapping.batch_size)
                if not messages:
                    break
                delivery = Delivery(
                    f"(batch of {len(messages)} from {self.template.construct_path(mapping.queue)})",
                    None,
                    None,
                    mapping.logical_id,
                    spec.construct_id,
                    queue=self.template.construct_path(mapping.queue),
                )
                deliveries.append(self.invoke_batch(delivery, mapping, url, arn, messages))
        return deliveries

    def _receive(self, url: str, count: int) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while len(messages) < count:
            batch = self.sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(SQS_RECEIVE_MAX, count - len(messages)),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not batch:
                break
            messages += batch
        return messages

    def invoke_batch(
        self, delivery: Delivery, mapping: EventSourceMappingSpec, url: str, arn: str, messages: list[dict[str, Any]]
    ) -> Delivery:
        records = [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": message.get("MessageAttributes", {}),
                "md5OfBody": message.get("MD5OfBody"),
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": REGION,
            }
            for message in messages
        ]
        delivery.attempts = 1
        invocation = self.process(mapping.function).invoke({"Records": records})
        delivery.logs += invocation.logs
        by_id = {message["MessageId"]: message for message in messages}
        if invocation.ok:
            result = invocation.result if isinstance(invocation.result, dict) else {}
            failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
        else:  # the whole batch failed (Powertools raises when every record did)
            failed = set(by_id)
        done = [message for message_id, message in by_id.items() if message_id not in failed]
        self.unread[mapping.queue] = max(self.unread[mapping.queue] - len(done), 0)
        for start in range(0, len(done), SQS_RECEIVE_MAX):
            self.sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(done[start : start + SQS_RECEIVE_MAX])
                ],
            )
        for message_id in failed:  # retried at once rather than after the visibility timeout
            message = by_id[message_id]
            received = int(message.get("Attributes", {}).get("ApproximateReceiveCount", 1))
            delivery.attempts = max(delivery.attempts, received)
            if mapping.dead_letter_queue and mapping.max_receive_count and received >= mapping.max_receive_count:
                # SQS moves it to the dead-letter queue instead of the next receive.
                delivery.dead_letter_queue = self.stack.attributes[(mapping.dead_letter_queue, "QueueName")]
            if received >= GIVE_UP_RECEIVES:
                # A queue without a redrive policy would be retried forever: stop here.
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                continue
            self.sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        if failed:
            delivery.outcome = "failed"
            reasons = _logged_errors(invocation.logs) or [
                _last_line(f"{invocation.error_type}: {invocation.error_message}")
            ]
            delivery.error = f"{len(failed)} of {len(messages)} records failed: {'; '.join(reasons)}"
        else:
            delivery.outcome = "recorded"
        delivery.notifications = self.received()
        return delivery

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
        for message in drain_queue(self.sqs, self.stack.subscriber_queue_url, empty_polls=1, pause=0):
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


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else text


def _logged_errors(logs: list[str]) -> list[str]:
    """The exceptions a function logged with Powertools (JSON lines with "exception"), once each."""
    reasons: list[str] = []
    for line in logs:
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            if isinstance(record, dict) and isinstance(record.get("exception"), str):
                reason = _last_line(record["exception"])
                if reason not in reasons:
                    reasons.append(reason)
    return reasons


def print_human(delivery: Delivery, verbose: bool, out: Any) -> None:
    target = delivery.function or delivery.queue
    route = f"{delivery.rule} -> {target}" if delivery.rule else "no rule matched"
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
        moto = args.endpoint or stack.enter_context(services.moto_process(keep=args.keep))
        if args.dynamodb_endpoint:
            dynamodb, which = args.dynamodb_endpoint, "given endpoint"
        elif args.endpoint:
            dynamodb, which = args.endpoint, "moto (given endpoint)"
        elif services.dynamodb_local_available():
            log_path = REPO_ROOT / "cdk.out.local" / f"dynamodb-local-{os.getpid()}.log"
            server = stack.enter_context(services.dynamodb_local(log_path, keep=args.keep))
            dynamodb, which = server.endpoint_url, "DynamoDB Local"
        else:
            dynamodb, which = moto, "moto (no Java or DynamoDB Local jar found)"
        folders = [REPO_ROOT / "calendars", *([args.calendars] if args.calendars else [])]
        ssm, calendars = stack.enter_context(calendar_service(folders))
        print(
            f"stand-ins: moto server at {moto} for SNS, SQS and EventBridge; DynamoDB: {which} at {dynamodb}; "
            f"SSM calendars ({', '.join(calendars.names())}) served from {', '.join(map(repo_relative, folders))}",
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
        "--hide",
        type=lambda value: {word.strip() for word in value.split(",") if word.strip()},
        default=set(),
        metavar="OUTCOMES",
        help="human output: leave out the deliveries that ended so, e.g. buffered,recorded (still counted)",
    )
    parser.add_argument(
        "--calendars",
        metavar="DIR",
        type=Path,
        help="Change Calendar files (<DocumentName>.ics) to serve besides calendars/, for the reconciler",
    )
    parser.add_argument(
        "--settle",
        type=int,
        default=0,
        metavar="SECONDS",
        help="how long the digest of an operation waits after its final event (default 0: at the end of the pass)",
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
        environment = function_environment(endpoints)
        replayer = Replayer(template, stack, environment, args.account, args.settle)
        try:
            for round_number in range(args.repeat):
                if args.repeat > 1 and not args.json:
                    print(f"--- pass {round_number + 1} of {args.repeat} ---", file=out)
                deliveries = [delivery for path in files for delivery in replayer.replay_file(path)]
                deliveries += replayer.drain_queues()
                deliveries += replayer.run_schedules(endpoints["calendars"])
                for delivery in deliveries:
                    outcomes[delivery.outcome] += 1
                    if args.json:
                        print(json.dumps(delivery.as_json(), ensure_ascii=False), file=out, flush=True)
                    elif delivery.outcome not in args.hide:
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
