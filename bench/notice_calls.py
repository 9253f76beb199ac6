"""AWS calls per run of the advance notices' look-ahead, for 10 and 100 Maintenance Windows (`make bench`).

The real look-ahead handler (its module, as Lambda imports it) runs as of two ticks of its schedule: one
when no run is due (most of its runs), and one when every window runs within the hour, each window with one
target by tag and one task (the worst run: a notice each). The windows are served by the SSM stand-in from a
fixture file (tools/harness/window_fixtures.py), the claims go to DynamoDB Local, the notices to moto's SNS;
calls are counted from botocore's request events on the function's clients (tools/harness/sdk_hooks.py).
No calendar is monitored: each monitored calendar adds one GetDocument per run.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from bench.calls import operations
from tools.harness.calendar_service import calendar_service
from tools.harness.context import fake_context
from tools.harness.handler_loader import load_module
from tools.harness.sdk_hooks import Calls, clients_hooked
from tools.harness.soak import environment
from tools.harness.tables import create_idempotency_table, unique_name
from tools.harness.window_fixtures import FixtureWindow, window_id, write_windows

WINDOW_COUNTS = (10, 100)
# Far ahead (DynamoDB Local expires the claims of runs past): a Friday noon, then 30 minutes before the runs.
QUIET, BUSY = "2035-01-12T12:00:00Z", "2035-01-13T01:30:00Z"


def _windows(count: int) -> list[FixtureWindow]:
    return [
        FixtureWindow(
            window_id(number + 1),
            f"window-{number + 1}",
            schedule="cron(0 2 ? * SAT *)",
            zone="UTC",
            targets=[("servers", [("tag:Team", ["web"])])],
            tasks=[("patch", "RUN_COMMAND", "AWS-RunPatchBaseline")],
        )
        for number in range(count)
    ]


def _run(handler: Any, calls: Calls, at: str) -> dict[str, Any]:
    calls.take()
    result = handler({"id": unique_name("tick"), "time": at, "detail-type": "Scheduled Event"}, fake_context())
    counted: Counter[str] = calls.take()
    return {
        "calls": sum(counted.values()),
        "notices": len(result["notices"]),
        "by_operation": dict(sorted(counted.items())),
    }


def measure(command: str) -> dict[str, Any]:
    """The environment must point at the local services; the table, topic and fixtures are made here."""
    started = time.monotonic()
    topic = boto3.client("sns").create_topic(Name=unique_name("bench-notices"))["TopicArn"]
    figures: dict[str, Any] = {}
    for count in WINDOW_COUNTS:
        # A table of its own: the same windows' notices, claimed in another count's run, would not go out.
        table = create_idempotency_table(boto3.client("dynamodb"), unique_name("bench-notices"))
        with tempfile.TemporaryDirectory(prefix="bench-notices-") as folder:
            write_windows(Path(folder), _windows(count), nodes={"tag:Team=web": 20})
            with calendar_service([], [Path(folder)]) as (endpoint, _):
                calls = Calls()
                variables = {
                    "IDEMPOTENCY_TABLE_NAME": table,
                    "NOTIFICATION_TOPIC_ARN": topic,
                    "AWS_ENDPOINT_URL_SSM": endpoint,
                    "NOTICE_BEFORE_MINUTES": "60",
                    "MONITORED_CALENDARS": "",
                }
                with environment(**variables), clients_hooked(calls.attach):
                    handler = load_module("handlers.notices").handler
                    figures[str(count)] = {"quiet": _run(handler, calls, QUIET), "busy": _run(handler, calls, BUSY)}
    return {
        "windows": figures,
        "measured": {
            "date": datetime.now(UTC).strftime("%Y-%m-%d"),
            "command": command,
            "seconds": round(time.monotonic() - started, 1),
        },
    }


def rows(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The benchmark table's rows: per number of windows, a run with nothing due and a run with every window due."""
    measured = result["measured"]
    found = []
    for count, figure in result["windows"].items():
        quiet, busy = figure["quiet"], figure["busy"]
        found.append(
            (
                f"notices: AWS calls per look-ahead run, {count} windows (`{measured['command']}`, {measured['date']})",
                f"nothing due **{quiet['calls']}** ({operations(quiet['by_operation'])}); every window due "
                f"**{busy['calls']}** for {busy['notices']} notices ({operations(busy['by_operation'])})",
                "-",
                "-",
            )
        )
    return found
