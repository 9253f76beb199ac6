"""Cold start as Lambda starts a function, beside a bare boto3 start (docs/benchmarks.md).

    python -m bench.cold_start [--runs N] [--bytecode-runs N] [--source lambdas/]

What runs is what Lambda runs, on this machine's architecture: the runtime's Python
(infra/layer.RUNTIME_VERSION, found as the layer's build finds it), the function code and the layer
built by the Lambda build's own recipe (ssm_event_notifier/layer.py: wheels for that Python, pruned, compiled),
for this machine's platform (the Lambda build's ARM64 wheels do not load here). Each start is a
fresh `python -I -S -B bench/cold_start_probe.py` with nothing on sys.path but the code, the layer
and the runtime's folder (/var/runtime in Lambda: its interface client, awslambdaric, and its
boto3). The client's bootstrap is loaded before the function's init is timed, as Lambda's runtime
is up before it; -B writes no bytecode, as on Lambda's read-only /var/task and /opt (checked: no
file appears in either copy).

Two phases, timed apart in one process, from the moment the interpreter runs the bootstrap:
- init: the handler module imported (its settings, clients and Powertools set up at module scope);
- first invocation: one representative event (SAMPLES, with a fresh id and time) through the handler,
  traced as with tracing ACTIVE, on the local stand-ins (moto, DynamoDB Local, the SSM stand-in).

The baseline is a bare function as Lambda starts it: the whole boto3 the runtime ships, compiled
(here the version the layer pins, in the runtime's folder), the DynamoDB and SNS clients; its first
invocation makes the calls a notification makes (PutItem, Publish, UpdateItem), bare.
cold_start_ratio: a function's init plus first invocation over the baseline's, the worst function's
(medians of the runs, wall clock; the processes' CPU time beside it, which a busy shared machine
does not inflate). `without_bytecode`: the same with the code and the layer shipped without
bytecode (the build before bytecode was shipped); the baseline keeps the runtime's. `where_the_time_goes`:
one more start each, sampled every millisecond, by package.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.runtime_build import RUNTIME_INTERFACE_CLIENT, RuntimeBuild
from ssm_event_notifier.runtime_python import RUNTIME_VERSION, runtime_python
from tools import LAMBDAS_DIR
from tools.harness.endpoints import function_environment
from tools.harness.local_stack import LocalStack
from tools.harness.samples import CALENDAR_DOCUMENTS, load
from tools.harness.sqs_records import as_queued
from tools.harness.stand_ins import stand_ins
from tools.harness.template import FunctionSpec, Template

# The representative event of each function (its handler module): the kind it gets most often.
SAMPLES = {
    "handlers.ami": "ami/available",
    "handlers.calendar": "calendar/open",
    "handlers.maintenance_window": "maintenance-window/task-target-invocation-success",
    "handlers.run_command": "run-command/invocation-success",
    "handlers.systems_manager": "state-manager/instance-association-success",
    "handlers.operation_events": "run-command/invocation-success",  # a batch of one, from the buffer
    "handlers.operation_sweeper": "schedule",
    "handlers.calendar_reconciler": "schedule",
}
# The functions that handle most events: a tighter goal.
HOT = ("handlers.run_command", "handlers.maintenance_window", "handlers.systems_manager")
GOAL, HOT_GOAL = 1.3, 1.2
BASELINE = "baseline"
TRACE_ID = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
TOP = 8
# A calendar event is news when its state differs from the last one and it is later, to the second.
_STATES = itertools.cycle(("OPEN", "CLOSED"))
_LATER = itertools.count()
# One start, run as a script in a fresh interpreter (never imported here).
PROBE = Path(__file__).with_name("cold_start_probe.py")


def fresh(event: dict[str, Any]) -> dict[str, Any]:
    """The sample as a new event: its own id, time and operation (so that it is news to every dedupe)."""
    # A second apart at least (calendar transitions are compared to the second), never going back.
    at = datetime.now(UTC) + timedelta(seconds=next(_LATER))
    now = at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    event = {**event, "id": str(uuid.uuid4()), "time": now}
    detail = dict(event.get("detail") or {})
    for field in ("command-id", "window-execution-id", "association-id", "execution-id"):
        if field in detail:
            detail[field] = str(uuid.uuid4())
    if "ImageId" in detail:  # one message per image and state: a new image's state is news
        detail["ImageId"] = f"ami-{uuid.uuid4().hex[:17]}"
    if "atTime" in detail:
        detail["atTime"] = now
    if detail.get("state") in ("OPEN", "CLOSED"):  # a transition: the other state than the start before
        detail["state"] = next(_STATES)
    return {**event, "detail": detail}


def event_for(spec: FunctionSpec, account: str) -> dict[str, Any]:
    sample = SAMPLES[spec.handler.rsplit(".", 1)[0]]
    if sample == "schedule":
        return fresh({"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "account": account,
                      "region": "us-east-1", "resources": [], "detail": {}})  # fmt: skip
    event = fresh({**load(sample), "account": account})
    if spec.handler.startswith("handlers.operation_events."):
        arn = f"arn:aws:sqs:us-east-1:{account}:buffer"
        return as_queued([event], arn)
    return event


def lambda_variables(spec: FunctionSpec, daemon: str) -> dict[str, str]:
    """What Lambda sets for the function beside its own variables (tracing ACTIVE, JSON logs)."""
    return {
        "AWS_LAMBDA_FUNCTION_NAME": spec.construct_id,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{RUNTIME_VERSION}",
        "LAMBDA_TASK_ROOT": "/var/task",
        "AWS_XRAY_DAEMON_ADDRESS": daemon,
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "_X_AMZN_TRACE_ID": TRACE_ID,
    }


class Starter:
    """Fresh starts of the functions and of the baseline, on the stand-ins."""

    def __init__(self, template: Template, build: RuntimeBuild, endpoints: dict[str, str], daemon: str) -> None:
        self.build = build
        self.stack = LocalStack(template, endpoints).deploy()
        self.specs = sorted(
            (s for s in template.functions().values() if s.handler.rsplit(".", 1)[0] in SAMPLES),
            key=lambda spec: spec.construct_id,
        )
        self.environments = {}
        for spec in self.specs:
            environment = {**function_environment(endpoints), **self.stack.function_environment(spec.logical_id)}
            environment.pop("POWERTOOLS_TRACE_DISABLED", None)  # traced, as with tracing ACTIVE
            if "MONITORED_CALENDARS" in environment:
                environment["MONITORED_CALENDARS"] = endpoints["calendars"]
            self.environments[spec.construct_id] = {**environment, **lambda_variables(spec, daemon)}
        notifier = next(s for s in self.specs if "IDEMPOTENCY_TABLE_NAME" in self.environments[s.construct_id])
        self.environments[BASELINE] = self.environments[notifier.construct_id]

    def start(self, name: str, compiled: bool = True, profile: bool = False) -> dict[str, Any]:
        spec = next((s for s in self.specs if s.construct_id == name), None)
        compiled = compiled or spec is None  # the baseline's boto3 is the runtime's: compiled
        arguments = {
            "path": self.build.path(compiled, function=spec is not None),
            "handler": spec.handler if spec else None,
            "event": event_for(spec, self.stack.account) if spec else fresh({"detail": {}}),
            "request_id": str(uuid.uuid4()),
            "profile": profile,
            "roots": self.build.roots(compiled) if profile else [],
        }
        command = [self.build.python, "-I", "-S", "-B", str(PROBE), json.dumps(arguments)]
        done = subprocess.run(
            command, env=self.environments[name], capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode or not done.stdout.strip():
            raise RuntimeError(f"cold start of {name} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        result = answer.pop("result")
        if isinstance(result, dict) and (result.get("batchItemFailures") or result.get("duplicate")):
            raise RuntimeError(f"{name}: the first invocation did not take the usual path: {result}")
        return answer


@contextmanager
def xray_daemon() -> Iterator[str]:
    """A UDP port that takes the trace segments, as the X-Ray daemon does in Lambda (never read)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"127.0.0.1:{sock.getsockname()[1]}"


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def summary(starts: list[dict[str, Any]]) -> dict[str, float]:
    """Medians of the runs: wall clock by phase and in all, and the process's CPU time."""
    return {
        "init_seconds": _median([s["init"] for s in starts]),
        "first_invocation_seconds": _median([s["first"] for s in starts]),
        "seconds": _median([s["init"] + s["first"] for s in starts]),
        "cpu_seconds": _median([s["cpu"] for s in starts]),
    }


def _top(milliseconds: dict[str, float]) -> dict[str, float]:
    return dict(list(milliseconds.items())[:TOP])


def figures(spec: FunctionSpec, starts: list[dict[str, Any]], base: dict[str, float]) -> dict[str, Any]:
    module = spec.handler.rsplit(".", 1)[0]
    own = summary(starts)
    return {
        "handler": spec.handler,
        "sample": SAMPLES[module],
        **own,
        "ratio": round(own["seconds"] / base["seconds"], 2),
        "init_ratio": round(own["init_seconds"] / base["init_seconds"], 2),
        "cpu_ratio": round(own["cpu_seconds"] / base["cpu_seconds"], 2),
        "goal": HOT_GOAL if module in HOT else GOAL,
    }


def measure(template: Template, runs: int, bytecode_runs: int, source: Path = LAMBDAS_DIR) -> dict[str, Any]:
    python = runtime_python(required=True)
    if python is None:  # LAYER_PYTHON=none: nothing compiled to measure
        raise RuntimeError(f"the cold-start benchmark needs a Python {RUNTIME_VERSION} interpreter (LAYER_PYTHON)")
    build = RuntimeBuild(python, source)
    with stand_ins(sys.stderr, calendars=CALENDAR_DOCUMENTS) as endpoints, xray_daemon() as daemon:
        starter = Starter(template, build, endpoints, daemon)
        names = [BASELINE, *(spec.construct_id for spec in starter.specs)]
        for name in names:  # the stand-ins' first requests of each kind (JIT, connections) are nobody's cold start
            starter.start(name)
        starts: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for _ in range(runs):  # alternated, so that drift on a shared machine hits every function alike
            for name in names:
                starts[name].append(starter.start(name))
        bare: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for _ in range(bytecode_runs):
            for name in names:
                bare[name].append(starter.start(name, compiled=False))
        profiles = {name: starter.start(name, profile=True) for name in names}
    written = {folder: count for folder, count in build.file_counts().items() if count != build.counts[folder]}
    if written:
        raise RuntimeError(f"files appeared in the read-only copies (bytecode written?): {written}")
    base = summary(starts[BASELINE])
    functions = {spec.construct_id: figures(spec, starts[spec.construct_id], base) for spec in starter.specs}
    without: dict[str, Any] = {"runs": bytecode_runs}
    if bytecode_runs:
        bare_base = summary(bare[BASELINE])
        without["baseline"] = bare_base
        for spec in starter.specs:
            functions[spec.construct_id]["without_bytecode"] = figures(spec, bare[spec.construct_id], bare_base)
    worst = max(functions, key=lambda name: functions[name]["ratio"])
    return {
        "cold_start_ratio": functions[worst]["ratio"],
        "worst_function": worst,
        "goal": f"<= {GOAL} every function, <= {HOT_GOAL} for {', '.join(m.split('.')[1] for m in HOT)}",
        "met": all(f["ratio"] <= f["goal"] for f in functions.values()),
        "runtime": f"python{build.version} ({os.uname().machine}), code and layer built by the Lambda build for it",
        "how": (
            "python -I -S -B: the code, the layer and the runtime's folder only, no bytecode written; "
            f"{RUNTIME_INTERFACE_CLIENT}'s bootstrap loaded first, as Lambda's runtime is; init, then one event"
        ),
        "baseline": {
            **base,
            "what": "import the runtime's boto3, DynamoDB and SNS clients; then PutItem, Publish, UpdateItem",
        },
        "functions": functions,
        "without_bytecode": {
            "what": "the code and the layer without bytecode (each start compiles them); the baseline's boto3 compiled",
            **without,
        },
        "where_the_time_goes": {
            name: {"init_ms": _top(p["init_ms"]), "first_invocation_ms": _top(p["first_ms"])}
            for name, p in profiles.items()
        },
        "profile_note": "sampled every millisecond in one more start (the sampling slows it a little)",
        "runs": runs,
        "layer": {key: build.info[key] for key in ("runtime", "bytecode", "pruned_bytes")},
    }


def main(argv: list[str] | None = None) -> int:
    from tools.harness.template import ensure_synthesized

    parser = argparse.ArgumentParser(prog="python -m bench.cold_start", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bytecode-runs", type=int, default=2)
    parser.add_argument("--source", type=Path, default=LAMBDAS_DIR, help="the function code (default: lambdas/)")
    args = parser.parse_args(argv)
    result = measure(Template(ensure_synthesized()), args.runs, args.bytecode_runs, args.source)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
