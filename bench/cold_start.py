"""Cold start: a fresh process importing and initializing each function from its bundled asset,
against a bare baseline (import boto3, create the DynamoDB and SNS clients) from the same layer.

Each run is `python -I -S` with only the code asset and the layer on sys.path, as
tools/harness/lambda_worker.py runs a function; the clock starts after the interpreter is up, so both
sides are timed from the same point. Runs alternate baseline and functions so that drift on a
shared machine hits both. A second pass with -X importtime says where the time goes.

The layer of the host build (cdk.out.local/) holds compiled bytecode, as pip leaves it; the
Lambda build ships none and /opt is read-only in Lambda, so there every cold start compiles what
it imports. The `without_bytecode` figures measure that case (-X pycache_prefix pointing at an
empty folder, -B: no bytecode read or written).
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from typing import Any

from tools.harness.template import FunctionSpec, Template

FUNCTION = """
import importlib, sys, time
started = time.perf_counter()
code, module, *layers = sys.argv[1:]
sys.path[:0] = [code] + [layer + "/python" for layer in layers]
importlib.import_module(module)
print(time.perf_counter() - started)
"""
BASELINE = """
import sys, time
started = time.perf_counter()
code, module, *layers = sys.argv[1:]
sys.path[:0] = [layer + "/python" for layer in layers]
import boto3
boto3.client("dynamodb")
boto3.client("sns")
print(time.perf_counter() - started)
"""


def environment(spec: FunctionSpec) -> dict[str, str]:
    """What Lambda gives the function: its variables (references as placeholders), fake credentials."""
    variables = {
        name: value if isinstance(value, str) else f"bench-{name.lower()}" for name, value in spec.environment.items()
    }
    variables["NOTIFICATION_TOPIC_ARN"] = "arn:aws:sns:us-east-1:123456789012:bench-notifications"
    return {
        **variables,
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        # As in Lambda: Powertools sees a function (so its Tracer is on, as with tracing ACTIVE).
        "AWS_LAMBDA_FUNCTION_NAME": spec.construct_id,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
        "LAMBDA_TASK_ROOT": str(spec.code_dir),
    }


def _run(script: str, spec: FunctionSpec, flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    # -I ignores PYTHON* variables: options go on the command line.
    module = spec.handler.rsplit(".", 1)[0]
    command = [sys.executable, "-I", "-S", *flags, "-c", script, str(spec.code_dir), module]
    command += [str(layer) for layer in spec.layer_dirs]
    done = subprocess.run(command, env=environment(spec), capture_output=True, text=True, timeout=120, check=False)
    if done.returncode:
        raise RuntimeError(f"cold start of {spec.construct_id} failed:\n{done.stderr[-3000:]}")
    return done


def _timed(script: str, spec: FunctionSpec, flags: tuple[str, ...] = ()) -> float:
    return float(_run(script, spec, flags).stdout.strip().splitlines()[-1])


def _without_bytecode(script: str, spec: FunctionSpec) -> float:
    """Nothing compiled to read (an empty cache folder), nothing written: Lambda's read-only /opt."""
    with tempfile.TemporaryDirectory() as empty:
        return _timed(script, spec, ("-B", "-X", f"pycache_prefix={empty}"))


def where_the_time_goes(script: str, spec: FunctionSpec) -> dict[str, Any]:
    """One run with -X importtime: milliseconds importing each top-level package (self time), and
    the rest of the run (creating sessions and clients, loading their models, module-level set-up)."""
    done = _run(script, spec, ("-X", "importtime"))
    packages: Counter[str] = Counter()
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:
            packages[match.group(2).split(".")[0]] += int(match.group(1))
    total_ms = float(done.stdout.strip().splitlines()[-1]) * 1000
    import_ms = sum(packages.values()) / 1000
    return {
        "total_ms": round(total_ms, 1),
        "other_than_imports_ms": round(total_ms - import_ms, 1),
        "import_ms": {name: round(micros / 1000, 1) for name, micros in packages.items()},
    }


def what_costs_the_rest(spec: FunctionSpec, count: int = 8) -> dict[str, Any]:
    """The function's time over the baseline's, by package imported and by the rest (-X importtime)."""
    function, baseline = where_the_time_goes(FUNCTION, spec), where_the_time_goes(BASELINE, spec)
    extra = Counter(function["import_ms"])
    extra.subtract(baseline["import_ms"])
    return {
        "function_total_ms": function["total_ms"],
        "baseline_total_ms": baseline["total_ms"],
        "extra_import_ms_by_package": {name: round(ms, 1) for name, ms in extra.most_common(count)},
        "extra_other_than_imports_ms": round(function["other_than_imports_ms"] - baseline["other_than_imports_ms"], 1),
        "note": "-X importtime slows every import a little; the shares, not the sums, are the point",
    }


def measure(template: Template, runs: int, bytecode_runs: int) -> dict[str, Any]:
    specs = sorted(template.functions().values(), key=lambda spec: spec.construct_id)
    baseline: list[float] = []
    times: dict[str, list[float]] = {spec.construct_id: [] for spec in specs}
    for _ in range(runs):
        baseline.append(_timed(BASELINE, specs[0]))
        for spec in specs:
            times[spec.construct_id].append(_timed(FUNCTION, spec))
    base = statistics.median(baseline)
    functions = {
        name: {
            "median_seconds": round(statistics.median(values), 3),
            "ratio": round(statistics.median(values) / base, 2),
        }
        for name, values in times.items()
    }
    worst = max(functions, key=lambda name: functions[name]["ratio"])
    worst_spec = next(spec for spec in specs if spec.construct_id == worst)

    # Lambda's case: no bytecode to read, none written (a fresh, empty cache folder per run).
    cold_base: list[float] = []
    cold_worst: list[float] = []
    for _ in range(bytecode_runs):
        cold_base.append(_without_bytecode(BASELINE, worst_spec))
        cold_worst.append(_without_bytecode(FUNCTION, worst_spec))
    breakdown = what_costs_the_rest(worst_spec)
    typical = min(
        specs,
        key=lambda spec: abs(
            functions[spec.construct_id]["ratio"] - statistics.median(f["ratio"] for f in functions.values())
        ),
    )
    return {
        "cold_start_ratio": functions[worst]["ratio"],
        "goal": "<= 1.5",
        "worst_function": worst,
        "baseline_median_seconds": round(base, 3),
        "baseline": "python -I -S; import boto3; boto3.client('dynamodb'); boto3.client('sns') (same layer)",
        "functions": functions,
        "runs": runs,
        "what_costs_the_rest": {worst: breakdown, typical.construct_id: what_costs_the_rest(typical)},
        "without_bytecode": {
            "function": worst,
            "median_seconds": round(statistics.median(cold_worst), 3),
            "baseline_median_seconds": round(statistics.median(cold_base), 3),
            "ratio": round(statistics.median(cold_worst) / statistics.median(cold_base), 2),
            "runs": bytecode_runs,
        },
        "layer_build": template.layer_build().get("platform"),
    }
