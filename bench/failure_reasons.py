"""Why it failed: the AWS reads a failure message makes, and the time they add to the sweep.

One Run Command (tools/storm_events.py) over `instances` instances, `failures` of which fail with
one of 3 outputs, goes through handlers.operation_events into a fresh operations table (recorded by
tools.harness.operation_run), then the real handlers.operation_sweeper, loaded fresh, sums it up in
one message: once with the stack's read budget (FAILURE_READS calls and FAILURE_READ_SECONDS seconds
per message), once with reads off (FAILURE_READS=0), rounds interleaved, a new storm seed and new
tables each round; the sweep time is the median of the rounds.

The reads (ssm.ListCommandInvocations per sampled instance, ec2.DescribeInstances for the names)
are answered by the local SSM and EC2 stand-in (tools.harness.calendar_service) from *.reads.json
fixtures, each answer after READ_DELAY seconds, to stand for AWS's latency: the added time is that
of reads at READ_DELAY each, run as the sweeper runs them (in parallel, within the budget), plus
making the SSM and EC2 clients on the first failure, as a fresh execution environment does.
The calls are counted twice: by the stand-in (what it served) and by the message (`failure.calls`).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3

from ssm_event_notifier.contract.environment import FAILURE_READ_SECONDS, FAILURE_READS
from tools import REPO_ROOT
from tools.harness.calendar_service import calendar_service
from tools.harness.context import fake_context
from tools.harness.endpoints import local_aws_environment
from tools.harness.operation_run import HANDLER, SWEEPER, buffer_mapping, load_environment, record_all
from tools.harness.read_fixtures import ReadFixtures
from tools.harness.services import dynamodb_local, moto_process
from tools.harness.soak import environment
from tools.harness.subscribers import Subscribers, create_topic_with_queues, drain_queue, envelope_of
from tools.harness.tables import create_operations_table, unique_name
from tools.harness.template import Template, ensure_synthesized
from tools.storm_events import Storm, generate

READ_DELAY = 0.03  # seconds before the stand-in answers each read: a typical SSM or EC2 read
ROUNDS = 5
WORKERS = 4  # execution environments of the batch function recording the storm
OUTPUTS = (
    "Reading package lists...\nE: Unable to locate package foo",
    "Downloading patches\nerror: disk full on /var",
    "Traceback (most recent call last):\nPermissionError: [Errno 13] Permission denied: '/etc/shadow'",
)


def _invocation(command_id: str, instance: str, output: str) -> dict[str, Any]:
    plugin = {"Name": "PatchLinux", "Status": "Failed", "StatusDetails": "Failed", "ResponseCode": 100}
    return {
        "call": "ssm.ListCommandInvocations",
        "request": {"CommandId": command_id, "InstanceId": instance},
        "answer": {"CommandInvocations": [{"InstanceId": instance, "CommandPlugins": [{**plugin, "Output": output}]}]},
        "delay": READ_DELAY,
    }


def _names(instances: list[str]) -> dict[str, Any]:
    reservations = [
        {"Instances": [{"InstanceId": i, "Tags": [{"Key": "Name", "Value": f"web-{n:04d}"}]}]}
        for n, i in enumerate(instances)
    ]
    return {
        "call": "ec2.DescribeInstances",
        "request": {},
        "answer": {"Reservations": reservations},
        "delay": READ_DELAY,
    }


def _fixtures(storm: Storm, folder: Path) -> ReadFixtures:
    """What AWS would answer about this storm's failures: 3 outputs over the failed instances, and their names."""
    entries = [_invocation(storm.operation_id, i, OUTPUTS[n % len(OUTPUTS)]) for n, i in enumerate(storm.failed)]
    (folder / "bench.reads.json").write_text(json.dumps([*entries, _names(storm.failed)]))
    return ReadFixtures([folder])


def _sweep_once(
    template: Template, storm: Storm, reads: int, subscribers: Subscribers, dead_letters: str
) -> tuple[float, dict[str, Any]]:
    """The storm recorded in a new table, then one sweep with `reads` calls per message: (seconds, document)."""
    dynamodb, sqs = boto3.client("dynamodb"), boto3.client("sqs")
    table = create_operations_table(dynamodb, unique_name("bench-reasons"))
    with environment(
        OPERATIONS_TABLE_NAME=table,
        NOTIFICATION_TOPIC_ARN=subscribers.topic_arn,
        DEAD_LETTER_QUEUE_URL=dead_letters,
        DIGEST_SETTLE_SECONDS="0",
        FAILURE_READS=str(reads),
        FAILURE_READ_SECONDS=str(FAILURE_READ_SECONDS),
    ):
        environments = [load_environment(HANDLER) for _ in range(WORKERS)]
        record_all(storm, environments, buffer_mapping(template))
        sweeper = load_environment(SWEEPER)
        started = time.perf_counter()
        sweeper.handler({"detail-type": "Scheduled Event"}, fake_context())
        seconds = time.perf_counter() - started
    received = [envelope_of(message) for message in drain_queue(sqs, subscribers.envelope_queue_url)]
    if len(received) != 1:
        return seconds, {"messages": len(received)}
    document: dict[str, Any] = json.loads(received[0]["Message"])
    return seconds, document


def measure(template: Template, instances: int, failures: int, rounds: int = ROUNDS) -> dict[str, Any]:
    """The environment must point at the local services (DynamoDB Local, moto); the SSM and EC2 stand-in starts here."""
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    subscribers = create_topic_with_queues(sns, sqs, "bench-reasons")
    dead_letters = sqs.create_queue(QueueName=unique_name("bench-reasons-dlq"))["QueueUrl"]
    seconds: dict[int, list[float]] = {0: [], FAILURE_READS: []}
    served: dict[int, list[int]] = {0: [], FAILURE_READS: []}
    documents: dict[int, list[dict[str, Any]]] = {0: [], FAILURE_READS: []}
    with (
        tempfile.TemporaryDirectory() as folder,
        calendar_service([], [Path(folder)]) as (endpoint, service),
        environment(AWS_ENDPOINT_URL_SSM=endpoint, AWS_ENDPOINT_URL_EC2=endpoint),
    ):
        for number in range(rounds):
            storm = generate(instances, failures, kind="command", seed=100 + number)
            for reads in (0, FAILURE_READS):
                service.reads = _fixtures(storm, Path(folder))
                took, document = _sweep_once(template, storm, reads, subscribers, dead_letters)
                seconds[reads].append(took)
                documents[reads].append(document)
                served[reads].append(sum(service.reads.calls.values()))
    off, on = (statistics.median(seconds[reads]) for reads in (0, FAILURE_READS))
    failure = documents[FAILURE_READS][-1].get("failure", {})
    reasons = failure.get("reasons", [])
    return {
        "instances": instances,
        "failures": failures,
        "outputs": len(OUTPUTS),
        "rounds": rounds,
        "read_delay_seconds": READ_DELAY,
        "calls_per_message": max(served[FAILURE_READS]),
        "calls_per_message_off": max(served[0]),
        "calls_per_message_by_message": max(d.get("failure", {}).get("calls", 0) for d in documents[FAILURE_READS]),
        "sweep_seconds_off": round(off, 3),
        "sweep_seconds_on": round(on, 3),
        "added_seconds": round(on - off, 3),
        "reasons": len(reasons),
        "reasons_read": sum(1 for r in reasons if r["read"]),
        "reasons_off": max(len(d.get("failure", {}).get("reasons", [])) for d in documents[0]),
        "unavailable": len(failure.get("unavailable", [])),
        "budget": {"calls": FAILURE_READS, "seconds": FAILURE_READ_SECONDS},
        "problems": _problems(documents, served, on - off),
    }


def _wrong(document: dict[str, Any], reads: int, calls: int) -> list[str]:
    """What is wrong with one sweep's message, `calls` the reads the stand-in served for it."""
    if "messages" in document:
        return [f"{document['messages']} messages received, expected 1"]
    failure: dict[str, Any] | None = document.get("failure")
    if not reads:
        return [f"the message was read for ({calls} calls served)"] if failure is not None or calls else []
    if failure is None:
        return ["the message carries no failure reasons"]
    wrong = []
    read = [r for r in failure["reasons"] if r["read"]]
    if len(read) != len(OUTPUTS):
        wrong.append(f"{len(read)} reasons read, expected {len(OUTPUTS)}")
    if failure["calls"] > FAILURE_READS or calls > FAILURE_READS:
        wrong.append(f"{failure['calls']} calls ({calls} served), over the bound")
    if failure["unavailable"]:
        wrong.append(f"unavailable: {failure['unavailable'][:2]}")
    return wrong


def _problems(documents: dict[int, list[dict[str, Any]]], served: dict[int, list[int]], added: float) -> list[str]:
    """What is wrong with the outcome: empty when nothing."""
    problems = [
        f"round {number + 1}, reads {'on' if reads else 'off'}: {wrong}"
        for reads, runs in documents.items()
        for number, document in enumerate(runs)
        for wrong in _wrong(document, reads, served[reads][number])
    ]
    if added >= FAILURE_READ_SECONDS:
        problems.append(f"the reads added {added:.2f} s, over the {FAILURE_READ_SECONDS:g} s budget")
    return problems


def main(argv: list[str] | None = None) -> int:
    """This benchmark alone, on its own local services: python -m bench.failure_reasons [--instances N]."""
    parser = argparse.ArgumentParser(prog="python -m bench.failure_reasons", description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=1_000)
    parser.add_argument("--failures", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args(argv)
    with (
        dynamodb_local(REPO_ROOT / "cdk.out.local" / "bench-reasons-dynamodb-local.log") as ddb,
        moto_process() as moto,
        environment(**local_aws_environment(ddb.endpoint_url, moto, "ssm-event-notifier-bench")),
        contextlib.redirect_stdout(io.StringIO()),  # the handlers' logs
    ):
        result = measure(Template(ensure_synthesized()), args.instances, args.failures, args.rounds)
    print(json.dumps(result, indent=2))
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
