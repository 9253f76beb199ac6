"""Replay events through the synthesized stack on local stand-ins for AWS, without Docker.

    python -m tools.replay [--json] [--repeat N] [--account ID] [--endpoint URL] [--keep] [--settle S]
                           [-c KEY=VALUE ...] [--secrets FILE] [--later PATH] [--answer PREFIX=STATUS,...]
                           [--now TIME] [--fixtures DIR ...]
                           [--preview FILE] PATH...

Each event is matched against every rule of the template (moto's EventBridge pattern
matcher), delivered to the rule's target function as Lambda delivers asynchronous events
(retries from the template, then the on-failure queue), run from the bundled asset, and
what the subscriber queue received is shown. A rule that targets an SQS queue sends the
event there; after the files of a pass, every queue a function reads (an event source
mapping) is drained in batches as Lambda does, and then every scheduled function runs once (the look-ahead
of advance notices only with --now, as of that time: its notices depend on the time). With
routes (-c routes=FILE), the route relay delivers to a local HTTP stand-in for the webhooks,
PagerDuty and JSM, its secrets made from --secrets; each row says what its notifications became
there (`deliveries`). --preview writes every message on one HTML page (ssm_event_notifier.cli.preview_page).
Exit code 0 when every delivery ended notified, duplicate, unmatched, checked, buffered or
recorded; 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from ssm_event_notifier.cli.preview_page import write_page
from tools import REPO_ROOT
from tools.harness.endpoints import function_environment
from tools.harness.http_destinations import Receiver
from tools.harness.local_stack import LocalStack
from tools.harness.outcomes import FAILED_OUTCOMES, OK_OUTCOMES, ReplayedEvent
from tools.harness.replayer import Replayer
from tools.harness.route_stand_ins import RouteDeliveries, create_secrets, read_secrets, secret_strings
from tools.harness.samples import event_files
from tools.harness.stand_ins import EVENTS_DIR, stand_ins
from tools.harness.template import Template, ensure_synthesized
from tools.replay_output import message_topic, print_counts, print_human, progress_line


def answers(value: str) -> tuple[str, list[int]]:
    """ "/pagerduty=429,500" -> ("/pagerduty", [429, 500])."""
    prefix, _, statuses = value.partition("=")
    codes = [int(status) for status in statuses.split(",") if status.strip()]
    if not prefix.startswith("/") or not codes or not all(100 <= code <= 599 for code in codes):
        raise ValueError(value)
    return prefix, codes


def instant(value: str) -> datetime:
    """ "2026-05-15T23:00:00Z" (or without a zone: UTC) -> that instant."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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
        "--no-progress", action="store_true", help="no progress line on stderr (shown on a terminal only)"
    )
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
        "--later",
        action="append",
        default=[],
        metavar="PATH",
        help="event files or folders replayed after the others of each pass, once their messages went out "
        "(queues drained, scheduled functions run): e.g. a recovery after its failure's message",
    )
    parser.add_argument(
        "--secrets",
        type=Path,
        metavar="FILE",
        help="the routes' secrets, made in the local Secrets Manager: JSON, name -> value (a string or an "
        "object); {receiver} in a value is the local HTTP stand-in for the destinations",
    )
    parser.add_argument(
        "--answer",
        type=answers,
        action="append",
        default=[],
        metavar="PREFIX=STATUS,...",
        help="the HTTP stand-in answers the next requests to paths under PREFIX so, e.g. /pagerduty=429,500",
    )
    parser.add_argument(
        "--preview",
        type=Path,
        metavar="FILE",
        help="write every message the replay produced, as each channel shows it, on one self-contained HTML page",
    )
    parser.add_argument(
        "--now",
        type=instant,
        metavar="TIME",
        help="run the scheduled functions as of TIME (ISO 8601, UTC unless it says otherwise), their event's "
        "time: the look-ahead of advance notices runs only with it",
    )
    parser.add_argument(
        "--fixtures",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="a folder whose *.reads.json the SSM and EC2 stand-in serves too (e.g. the Maintenance Windows a "
        "notice announces), besides those of events/ and of the folders replayed",
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
    missing = [str(folder) for folder in args.fixtures if not folder.is_dir()]
    if missing:
        parser.error(f"--fixtures: not a folder: {', '.join(missing)}")
    if args.secrets:
        try:
            args.secrets = read_secrets(args.secrets)
        except (OSError, ValueError) as error:
            parser.error(f"--secrets: {error}")
    return args


def prepare_routes(args: argparse.Namespace, stack: LocalStack, routes: RouteDeliveries, log: Any) -> None:
    """The routes' secrets in the local Secrets Manager, and the answers scripted for the HTTP stand-in."""
    strings = secret_strings(args.secrets or {}, routes.receiver.base_url)
    create_secrets(stack.client("secretsmanager"), strings)
    for prefix, statuses in args.answer:
        routes.receiver.answer(*((status, '{"status": "scripted"}') for status in statuses), path=prefix)
    missing = sorted({d.secret for d in routes.destinations.values() if d.secret} - set(strings))
    print(
        f"route destinations: {len(routes.destinations)} relayed, on the HTTP stand-in at {routes.receiver.base_url}"
        + (f"; secrets not in --secrets (their deliveries fail): {', '.join(missing)}" if missing else ""),
        file=log,
    )


def reads_beside(paths: list[str]) -> tuple[Path, ...]:
    """The folders replayed outside events/: their *.reads.json answer the functions' SSM and EC2 reads
    (events/ is always served)."""
    inside = EVENTS_DIR.resolve()
    folders = (Path(path).resolve() for path in paths if Path(path).is_dir())
    return tuple(folder for folder in folders if folder != inside and inside not in folder.parents)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    out, log = sys.stdout, sys.stderr
    # A file given to --later is replayed in the later wave only.
    later = event_files(args.later)
    waves = [[path for path in event_files(args.paths) if path.resolve() not in {p.resolve() for p in later}], later]
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
    emailed: Counter[str] = Counter()
    replayed: list[ReplayedEvent] = []  # for the preview: their notifications are complete once the wave ends
    with (
        stand_ins(
            log,
            args.endpoint,
            args.dynamodb_endpoint,
            args.keep,
            args.calendars,
            (*reads_beside(args.paths), *args.fixtures),
        ) as endpoints,
        contextlib.closing(Receiver()) as receiver,
    ):
        endpoints = {**endpoints, "destinations": receiver.base_url}
        stack = LocalStack(template, endpoints).deploy()
        routes = RouteDeliveries.of(receiver, [stack.function_environment(name) for name in template.functions()])
        if routes.destinations:
            prepare_routes(args, stack, routes, log)
        environment = function_environment(endpoints)
        replayer = Replayer(
            template,
            stack,
            environment,
            args.account,
            args.settle,
            routes if routes.destinations else None,
            now=args.now,
        )
        # On a terminal, a line counting the deliveries (a storm's thousands hide their rows); the rows then
        # go through it (its stand-in for stdout), above the line.
        interactive = sys.stdout.isatty() and not (args.no_progress or args.json)
        try:
            with progress_line(Console(stderr=True) if interactive else None) as advance:
                out = sys.stdout
                for round_number in range(args.repeat):
                    if args.repeat > 1 and not args.json:
                        print(f"--- pass {round_number + 1} of {args.repeat} ---", file=out)
                    for wave_number, wave in enumerate(waves):
                        if not wave:
                            continue
                        if wave_number and not args.json:
                            print(f"--- later: {len(wave)} files, after the messages above went out ---", file=out)
                        for delivery in replayer.replay_wave(wave, endpoints["calendars"]):
                            replayed += [delivery] if args.preview else []
                            outcomes[delivery.outcome] += 1
                            advance(delivery.outcome)
                            messages.update(message_topic(n) for n in delivery.notifications)
                            emailed.update(a for n in delivery.notifications for a in n.get("emailedTo", []))
                            if args.json:
                                print(json.dumps(delivery.as_json(), ensure_ascii=False), file=out, flush=True)
                            elif delivery.outcome not in args.hide:
                                verbose = not args.quiet and round_number == 0
                                print_human(delivery, verbose=verbose, out=out, show=args.show)
        finally:
            replayer.close()
    elapsed = time.monotonic() - started
    counts = ", ".join(f"{outcomes[name]} {name}" for name in (*OK_OUTCOMES, *FAILED_OUTCOMES))
    print(
        f"replayed {sum(outcomes.values())} deliveries of {sum(map(len, waves))} files x {args.repeat} "
        f"in {elapsed:.1f} s: {counts}",
        file=log,
    )
    print_counts(messages, emailed, replayer, log)
    if args.preview:
        count = write_page((delivery.as_json() for delivery in replayed), args.preview)
        print(f"preview of {count} messages: {args.preview.resolve()}", file=log)
    return 0 if set(outcomes) <= set(OK_OUTCOMES) else 1


if __name__ == "__main__":
    sys.exit(main())
