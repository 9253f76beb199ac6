"""Fleet scale: one 10,000-instance Run Command through the batch function, beside bare writes.

The operation of `make storm` made ten times bigger (tools/storm_events.py): 20,002 events, each
instance InProgress then final, 10 % repeated, shuffled, through the batch function and the sweeper
as Lambda runs them (tools.harness.operation_run: as many concurrent execution environments as the
template's event source mapping allows, its batch size; the figures are the table's and the
recorder's), checked against the storm's own list.

DynamoDB Local never throttles: tools.harness.partition_meter counts the writes per partition key and
second, and throttles a partition over DynamoDB's limit as DynamoDB does. Bare: the same events,
one unconditional PutItem each, from as many threads.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import threading
from typing import Any

import boto3

from ssm_event_notifier.contract.operations_table import PARTITION_KEY, SORT_KEY
from tools import REPO_ROOT
from tools.harness.endpoints import local_aws_environment
from tools.harness.operation_run import in_threads, run_operation
from tools.harness.partition_meter import PARTITION_WRITE_LIMIT
from tools.harness.services import dynamodb_local, moto_process
from tools.harness.soak import environment
from tools.harness.tables import create_operations_table, unique_name
from tools.harness.template import Template, ensure_synthesized
from tools.storm_events import Storm, generate

# What the issue asks the recorder to hold: 20,000 events of one operation within 5 minutes.
GOAL_EVENTS, GOAL_SECONDS = 20_000, 300


def _bare(storm: Storm, dynamodb: Any, table: str, threads: int) -> float:
    """The same events as unconditional PutItems of the item, from as many threads."""
    pending = iter(range(len(storm.events)))
    lock = threading.Lock()
    key = f"command#{storm.operation_id}"

    def worker(_number: int) -> None:
        while True:
            with lock:
                index = next(pending, None)
            if index is None:
                return
            detail = storm.events[index]["detail"]
            dynamodb.put_item(
                TableName=table,
                Item={
                    PARTITION_KEY: {"S": key},
                    SORT_KEY: {"S": detail.get("instance-id", "#operation")},
                    "status": {"S": detail["status"]},
                },
            )

    return in_threads(worker, threads)


def measure(
    template: Template,
    instances: int,
    failures: int,
    workers: int | None = None,
    partition_write_limit: int = PARTITION_WRITE_LIMIT,
) -> dict[str, Any]:
    """The environment must point at the local services (DynamoDB Local, moto)."""
    storm = generate(instances, failures, kind="command", seed=10)
    run = run_operation(template, storm, workers, partition_write_limit)
    meter, recorded = run.meter, run.recorded
    peak, mean = meter.busiest()
    dynamodb = boto3.client("dynamodb")
    bare_seconds = _bare(storm, dynamodb, create_operations_table(dynamodb, unique_name("bench-bare")), run.workers)
    events = len(storm.events)
    return {
        "instances": instances,
        "events": events,
        "repeats": storm.repeats,
        "workers": run.workers,
        "batch_size": run.batch_size,
        "seconds": round(recorded["seconds"], 1),
        "events_per_second": round(events / recorded["seconds"], 1),
        "bare_events_per_second": round(events / bare_seconds, 1),
        "throughput_ratio": round(bare_seconds / recorded["seconds"], 2),
        "goal": f"{GOAL_EVENTS:,} events within {GOAL_SECONDS} s, no throttling, none lost",
        "batches": recorded["batches"],
        "delivered_again": recorded.get("delivered_again", 0),
        "dead_lettered": recorded.get("dead_lettered", 0),
        "instances_not_final": len(run.not_final),
        "throttled_requests": meter.throttled,
        "recorder_requests": dict(sorted(meter.requests.items())),
        "sweep_requests": dict(sorted(run.sweep_meter.requests.items())),
        "partition_peak_writes_per_second": peak,
        "partition_mean_writes_per_second": round(mean, 1),
        "partition_write_limit": partition_write_limit,
        "partition_writes_per_event": round(meter.written(run.partition) / events, 3),
        "partition_writes_per_second_at_goal": round(
            meter.written(run.partition) / events * GOAL_EVENTS / GOAL_SECONDS, 1
        ),
        "sweep_seconds": round(run.sweep_seconds, 2),
        "problems": run.problems,
        "subjects": [e["Subject"] for e in run.received],
    }


def main(argv: list[str] | None = None) -> int:
    """This benchmark alone, on its own local services: python -m bench.fleet [--instances N]."""
    parser = argparse.ArgumentParser(prog="python -m bench.fleet", description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--failures", type=int, default=20)
    parser.add_argument("--partition-limit", type=int, default=PARTITION_WRITE_LIMIT, help="writes/s per partition")
    args = parser.parse_args(argv)
    with (
        dynamodb_local(REPO_ROOT / "cdk.out.local" / "bench-fleet-dynamodb-local.log") as ddb,
        moto_process() as moto,
        environment(**local_aws_environment(ddb.endpoint_url, moto, "ssm-event-notifier-bench")),
        contextlib.redirect_stdout(io.StringIO()),  # the handlers' logs
    ):
        result = measure(
            Template(ensure_synthesized()), args.instances, args.failures, partition_write_limit=args.partition_limit
        )
    print(json.dumps(result, indent=2))
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
