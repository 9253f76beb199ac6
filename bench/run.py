"""Run every benchmark once and write bench/results.json (see bench/__init__.py).

    python -m bench.run [--quick] [--quiet] [--only cold_start|route_calls|notice_calls] [--out bench/results.json]

--quick uses reduced sizes (a smoke run); `make bench` runs the full ones. --only cold_start measures
the cold starts and the asset sizes alone (about 2 minutes) and puts them into the existing results,
the other figures kept with the date of their own run (`make bench-cold-start`); --only route_calls the
calls per new event with routes (under a minute, `make bench-route-calls`); --only notice_calls the
advance notices' calls per look-ahead run (under a minute). The soak shows a bar with its deliveries
counted and their rate (on stderr; --quiet for none). Exit code 1 when the
soak found an event lost or published twice outside the documented case, or the fleet or failure
reasons benchmark found problems; figures that miss their goal are reported, not failed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from rich.console import Console

from bench import assets, calls, cold_start, cost, failure_reasons, fleet, notice_calls, report, route_calls, throughput
from notifier.core.models import parse_event
from notifier.core.render import render
from ssm_event_notifier.cli.console import progress
from tools import REPO_ROOT
from tools.harness.endpoints import ENVIRONMENT_CLEARED, local_aws_environment
from tools.harness.sdk_hooks import sdk_backoff_skipped
from tools.harness.services import dynamodb_local, moto_process
from tools.harness.soak import create_resources, run_soak, soak_samples
from tools.harness.tables import create_idempotency_table, scan_all, unique_name
from tools.harness.template import STACK_NAME, Template, ensure_synthesized

RESULTS = Path(__file__).resolve().parent / "results.json"
LAMBDA_TEMPLATE = REPO_ROOT / "cdk.out" / f"{STACK_NAME}.template.json"
SIZES = {
    "full": {
        "cold_runs": 15,
        "bytecode_runs": 3,
        "throughput_events": 1200,
        "rounds": 4,
        "soak_events": 10_000,
        "fleet_instances": 10_000,
        "reasons_instances": 1_000,
        "reasons_failures": 200,
        "reasons_rounds": 5,
    },
    "quick": {
        "cold_runs": 3,
        "bytecode_runs": 2,
        "throughput_events": 200,
        "rounds": 2,
        "soak_events": 600,
        "fleet_instances": 1_000,
        "reasons_instances": 200,
        "reasons_failures": 40,
        "reasons_rounds": 3,
    },
}
SOAK_THREADS = 12
# The fleet benchmark again, with DynamoDB's partition limit lowered until it throttles.
THROTTLED_INSTANCES, THROTTLED_PARTITION_LIMIT = 1_000, 100
SOAK_TIMEOUT = 1.5  # seconds per attempt: Lambda's 30 s scaled down, well above one attempt under this load


class CountingNull(io.TextIOBase):
    """Where the handlers' logs and metrics go (stdout, as in Lambda): counted, not kept."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        return len(text)


def machine() -> str:
    """What ran the figures: the processor, cores, operating system."""
    model = next(
        (line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith(("model name", "Model"))),
        platform.processor() or platform.machine(),
    )
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()} {platform.machine()}"


def _cpuinfo() -> list[str]:
    try:
        return Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return []


def _cold_start(host: Template, templates: dict[str, Template], sizes: dict[str, int], command: str) -> dict[str, Any]:
    """The cold starts (bench.cold_start) with when and on what they ran, and the asset sizes."""
    _say(f"cold start ({sizes['cold_runs']} runs of {len(host.functions())} functions and the baseline)")
    started = time.monotonic()
    cold = cold_start.measure(host, sizes["cold_runs"], sizes["bytecode_runs"])
    cold["measured"] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": machine(),
        "command": command,
        "seconds": round(time.monotonic() - started, 1),
    }
    _say("asset sizes")
    return {"cold_start": cold, "assets": assets.measure(templates)}


def only_cold_start(out: Path, sizes: dict[str, int]) -> int:
    """--only cold_start: the cold starts and asset sizes, into the results of the last full run."""
    host = Template(ensure_synthesized())
    templates = {"lambda": Template(LAMBDA_TEMPLATE), "host": host} if LAMBDA_TEMPLATE.exists() else {"host": host}
    results = json.loads(out.read_text()) if out.exists() else {}
    results.update(_cold_start(host, templates, sizes, "python -m bench.run --only cold_start"))
    out.write_text(json.dumps(results, indent=2) + "\n")
    _say(f"wrote the cold starts and asset sizes into {out}")
    return 0


def only_calls(out: Path, part: str) -> int:
    """--only route_calls or notice_calls: those calls, into the results of the last full run."""
    results = json.loads(out.read_text()) if out.exists() else {}
    with (
        dynamodb_local(REPO_ROOT / "cdk.out.local" / f"bench-{part}-dynamodb-local.log") as ddb,
        moto_process() as moto,
        contextlib.redirect_stdout(io.StringIO()),  # the handlers' logs
    ):
        _local_environment(ddb.endpoint_url, moto)
        if part == "route_calls":
            results[part] = route_calls.measure("make bench-route-calls")
        else:
            results[part] = notice_calls.measure("python -m bench.run --only notice_calls")
    out.write_text(json.dumps(results, indent=2) + "\n")
    _say(f"wrote the {part.replace('_', ' ')} into {out}")
    return 0


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _item_bytes(item: dict[str, Any]) -> int:
    """DynamoDB's item size, closely enough: attribute names plus values."""
    return sum(len(name.encode()) + len(str(next(iter(value.values()))).encode()) for name, value in item.items())


def _local_environment(dynamodb_endpoint: str, moto_endpoint: str) -> None:
    for name in ENVIRONMENT_CLEARED:
        os.environ.pop(name, None)
    os.environ.update(local_aws_environment(dynamodb_endpoint, moto_endpoint, "ssm-event-notifier-bench"))
    for service in ("SSM", "EVENTS", "EC2"):  # EC2: the tags routes by tags read
        os.environ[f"AWS_ENDPOINT_URL_{service}"] = moto_endpoint
    # The notification path without failure reads (the failing samples would read from nowhere here):
    # bench.failure_reasons measures what the reads cost, beside this setting, with a stand-in answering.
    os.environ["FAILURE_READS"] = "0"


def _soak(sizes: dict[str, int], quiet: bool) -> dict[str, Any]:
    dynamodb, sns, sqs = boto3.client("dynamodb"), boto3.client("sns"), boto3.client("sqs")
    log = Console(stderr=True, highlight=False)
    with sdk_backoff_skipped():
        result = run_soak(
            sqs=sqs,
            resources=create_resources(dynamodb, sns, sqs),
            events=sizes["soak_events"],
            threads=SOAK_THREADS,
            timeout=SOAK_TIMEOUT,
            progress=lambda total: progress(log, total, "soak deliveries", quiet),
        )
    result["attempt_timeout_seconds"] = SOAK_TIMEOUT
    result["sdk_backoff"] = "skipped (the SDK's retries themselves run)"
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="reduced sizes (a smoke run)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--quiet", action="store_true", help="no progress bar (for CI logs)")
    parser.add_argument(
        "--only",
        choices=["cold_start", "route_calls", "notice_calls"],
        help="measure this part alone, keep the other figures",
    )
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    sizes = SIZES[mode]
    if args.only in ("route_calls", "notice_calls"):
        return only_calls(args.out, args.only)
    if args.only:
        return only_cold_start(args.out, sizes)
    started = time.monotonic()
    real_stdout, logs = sys.stdout, CountingNull()
    sys.stdout = logs  # the handlers log to stdout, as in Lambda
    try:
        host = Template(ensure_synthesized())
        templates = {"host": host}
        if LAMBDA_TEMPLATE.exists():
            templates = {"lambda": Template(LAMBDA_TEMPLATE), **templates}
        command = "make bench" if mode == "full" else "python -m bench.run --quick"
        measured = _cold_start(host, templates, sizes, command)
        cold, sized = measured["cold_start"], measured["assets"]
        with (
            dynamodb_local(REPO_ROOT / "cdk.out.local" / "bench-dynamodb-local.log") as ddb,
            moto_process() as moto,
        ):
            _local_environment(ddb.endpoint_url, moto)
            dynamodb, sns = boto3.client("dynamodb"), boto3.client("sns")
            table = create_idempotency_table(dynamodb, unique_name("bench"))
            os.environ["IDEMPOTENCY_TABLE_NAME"] = table
            os.environ["NOTIFICATION_TOPIC_ARN"] = sns.create_topic(Name=unique_name("bench"))["TopicArn"]
            _say("AWS requests per event")
            counted = calls.measure()
            item_bytes = max(_item_bytes(item) for item in scan_all(dynamodb, table))
            message_bytes = max(render(parse_event(event), event).size() for _, event in soak_samples())
            _say(f"throughput ({sizes['throughput_events']} events, handler and bare)")
            speed = throughput.measure(sizes["throughput_events"], sizes["rounds"], lambda: logs.bytes)
            _say(f"soak ({sizes['soak_events']} events, {SOAK_THREADS} threads)")
            soak = _soak(sizes, args.quiet)
            _say(f"fleet ({sizes['fleet_instances']:,}-instance Run Command, then throttled)")
            scale = fleet.measure(host, sizes["fleet_instances"], failures=20)
            throttled = fleet.measure(
                host, THROTTLED_INSTANCES, failures=5, partition_write_limit=THROTTLED_PARTITION_LIMIT
            )
            _say(
                f"failure reasons ({sizes['reasons_failures']} of {sizes['reasons_instances']:,} instances failed, "
                f"reads on and off, {sizes['reasons_rounds']} rounds)"
            )
            reasons = failure_reasons.measure(
                host, sizes["reasons_instances"], sizes["reasons_failures"], sizes["reasons_rounds"]
            )
            _say("AWS calls per new event with routes")  # last: it loads the handler modules afresh
            routed = route_calls.measure(command)
            _say("AWS calls per run of the advance notices' look-ahead")
            noticed = notice_calls.measure(command)
        typical = {name: f for name, f in counted["families"].items() if name not in calls.EXEMPT}
        weights = sum(f["samples"] for f in typical.values())

        def averaged(kind: str) -> dict[str, float]:
            operations = {op for f in typical.values() for op in f[f"{kind}_by_operation"]}
            return {
                op: round(
                    sum(f[f"{kind}_by_operation"].get(op, 0) * f["samples"] for f in typical.values()) / weights, 2
                )
                for op in sorted(operations)
            }

        priced = cost.per_million(
            averaged("new"), averaged("duplicate"), item_bytes, message_bytes, speed["log_bytes_per_event"]
        )
    finally:
        sys.stdout = real_stdout
    results = {
        "run": {
            "mode": mode,
            "wall_seconds": round(time.monotonic() - started, 1),
            "cores": os.cpu_count(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d"),
            "python": sys.version.split()[0],
            "machine": machine(),
            "command": "make bench" if mode == "full" else "python -m bench.run --quick",
        },
        "cold_start": cold,
        "calls": counted,
        "throughput": speed,
        "assets": sized,
        "soak": soak,
        "fleet": {"scale": scale, "throttled": throttled},
        "failure_reasons": reasons,
        "route_calls": routed,
        "notice_calls": noticed,
        "cost": priced,
    }
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(report.markdown(results))
    _say(f"wrote {args.out} in {results['run']['wall_seconds']} s")
    if soak["problem_count"]:
        _say(f"the soak found {soak['problem_count']} problems: {soak['problems']}")
        return 1
    if scale["problems"] or throttled["problems"]:
        _say(f"the fleet benchmark found problems: {scale['problems'] + throttled['problems']}")
        return 1
    if reasons["problems"]:
        _say(f"the failure reasons benchmark found problems: {reasons['problems']}")
        return 1
    return 0 if math.isfinite(cold["cold_start_ratio"]) else 1


if __name__ == "__main__":
    sys.exit(main())
