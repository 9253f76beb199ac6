"""Replay events through the synthesized stack on local stand-ins for AWS, without Docker.

    python -m tools.replay [--json] [--repeat N] [--account ID] [--endpoint URL] [--keep] [--settle S]
                           [-c KEY=VALUE ...] PATH...

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
import json
import sys
import time
from collections import Counter
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

from tools import REPO_ROOT
from tools.harness.endpoints import function_environment
from tools.harness.local_stack import LocalStack
from tools.harness.outcomes import FAILED_OUTCOMES, OK_OUTCOMES, ReplayedEvent
from tools.harness.replayer import Replayer
from tools.harness.samples import event_files
from tools.harness.stand_ins import stand_ins
from tools.harness.template import Template, ensure_synthesized


def print_chat(card: dict[str, Any], out: Any) -> None:
    """A chat card as the channel shows it, roughly: title, description, next steps."""
    content = card.get("content", {})
    print(f"    Chat card (thread {card.get('metadata', {}).get('threadId')}):", file=out)
    print(f"    # {content.get('title')}", file=out)
    for line in str(content.get("description", "")).splitlines():
        print(f"    # {line}", file=out)
    for step in content.get("nextSteps", []):
        print(f"    # -> {step}", file=out)
    print(file=out)


def print_human(
    delivery: ReplayedEvent, verbose: bool, out: Any, show: AbstractSet[str] = frozenset({"email"})
) -> None:
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
            if "email" in show:
                print(f"    Subject: {notification['subject']}", file=out)
                for line in (notification["email"] or "").splitlines():
                    print(f"    | {line}", file=out)
                print(file=out)
            if "chat" in show and notification.get("chat"):
                print_chat(notification["chat"], out)
    if delivery.outcome == "failed":
        for line in delivery.logs[-20:]:
            print(f"    log: {line}", file=out)


def message_topic(notification: dict[str, Any]) -> str:
    """What a message is about: its operation (a digest), or its detail-type and subject."""
    document = notification.get("json") or {}
    operation = document.get("operation")
    if isinstance(operation, dict) and operation.get("key"):
        return f"operation {operation['key']}: {notification.get('subject')}"
    return f"{document.get('detailType')}: {notification.get('subject')}"


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
        help="Change Calendar files (<DocumentName>.ics, <DocumentName>@<version>.ics) to serve besides "
        "calendars/; monitored (their edits and the reconciler) unless -c monitoredCalendars=... says otherwise",
    )
    parser.add_argument(
        "--settle",
        type=int,
        default=0,
        metavar="SECONDS",
        help="how long the digest of an operation waits after its final event (default 0: at the end of the pass)",
    )
    parser.add_argument(
        "--show",
        type=lambda value: {word.strip() for word in value.split(",") if word.strip()},
        default={"email"},
        metavar="WHAT",
        help="human output: what to show of each notification, email and/or chat (default: email)",
    )
    parser.add_argument(
        "-c",
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="CDK context for the synthesis, as `cdk synth -c` takes it (e.g. organizationId=o-abc123)",
    )
    args = parser.parse_args(argv)
    if any("=" not in pair for pair in args.context):
        parser.error("-c takes KEY=VALUE")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    out, log = sys.stdout, sys.stderr
    files = event_files(args.paths)
    context = dict(pair.split("=", 1) for pair in args.context)
    if args.calendars and "monitoredCalendars" not in context:
        served = sorted({path.stem for path in args.calendars.glob("*.ics") if "@" not in path.stem})
        context["monitoredCalendars"] = ",".join(served)
    template = Template(ensure_synthesized(log=log, context=context))
    build = template.layer_build()
    print(
        f"template: {template.path.relative_to(REPO_ROOT)}; layer build: {build.get('platform')} "
        f"({build.get('runtime')}, {build.get('architecture')})",
        file=log,
    )
    outcomes: Counter[str] = Counter()
    messages: Counter[str] = Counter()
    with stand_ins(log, args.endpoint, args.dynamodb_endpoint, args.keep, args.calendars) as endpoints:
        stack = LocalStack(template, endpoints).deploy()
        environment = function_environment(endpoints)
        replayer = Replayer(template, stack, environment, args.account, args.settle)
        try:
            for round_number in range(args.repeat):
                if args.repeat > 1 and not args.json:
                    print(f"--- pass {round_number + 1} of {args.repeat} ---", file=out)
                deliveries = [delivery for path in files for delivery in replayer.replay_file(path)]
                deliveries += replayer.queues.drain()
                deliveries += replayer.run_schedules(endpoints["calendars"])
                deliveries += replayer.queues.drain()  # the chat queue, filled by the notifications above
                replayer.attach_chat(deliveries)
                for delivery in deliveries:
                    outcomes[delivery.outcome] += 1
                    messages.update(message_topic(n) for n in delivery.notifications)
                    if args.json:
                        print(json.dumps(delivery.as_json(), ensure_ascii=False), file=out, flush=True)
                    elif delivery.outcome not in args.hide:
                        print_human(delivery, verbose=not args.quiet and round_number == 0, out=out, show=args.show)
        finally:
            replayer.close()
    elapsed = time.monotonic() - started
    counts = ", ".join(f"{outcomes[name]} {name}" for name in (*OK_OUTCOMES, *FAILED_OUTCOMES))
    print(
        f"replayed {sum(outcomes.values())} deliveries of {len(files)} files x {args.repeat} in {elapsed:.1f} s: "
        f"{counts}",
        file=log,
    )
    if messages:
        print(f"subscribers received {sum(messages.values())} messages:", file=log)
        for topic, count in sorted(messages.items()):
            print(f"  {count:>5}  {topic}", file=log)
    return 0 if set(outcomes) <= set(OK_OUTCOMES) else 1


if __name__ == "__main__":
    sys.exit(main())
