"""What bench.cold_start starts the functions from: the code and the layer built by the Lambda build's
recipe (ssm_event_notifier.layer) for the runtime's Python on this machine, and the runtime's own
folder (Lambda's /var/runtime)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from ssm_event_notifier.layer import (
    RECIPE,
    REQUIREMENTS,
    RUNTIME_VERSION,
    build_layer,
    compile_tree,
    copy_code,
    host_platform_tag,
)
from tools import LAMBDAS_DIR, REPO_ROOT

BUILDS = REPO_ROOT / "cdk.out.local" / "runtime-build"
# What Lambda's Python runtimes start functions with (/var/runtime): its bootstrap is imported
# before each start's init is timed, as Lambda's runtime is up before the function's init.
RUNTIME_INTERFACE_CLIENT = "awslambdaric==4.2.2"


def _files(root: Path) -> int:
    return sum(1 for path in root.rglob("*") if path.is_file())


class RuntimeBuild:
    """The code and the layer, built as for Lambda for the runtime's Python on this machine, each
    with and without bytecode. The layer is kept between runs (keyed by what it is built from)."""

    def __init__(self, python: str, source: Path = LAMBDAS_DIR, name: str = "code") -> None:
        self.python = python
        self.version = subprocess.run(
            [python, "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        key = f"{REQUIREMENTS.read_text()}{RECIPE}{host_platform_tag()}{self.version}"
        layers = BUILDS / f"layer-{uuid.uuid5(uuid.NAMESPACE_URL, key).hex[:12]}"
        self.layer = {True: layers / "compiled", False: layers / "source"}
        if not (layers / "done").exists():
            shutil.rmtree(layers, ignore_errors=True)
            info = build_layer(self.layer[True] / "python", RUNTIME_VERSION, host_platform_tag(), python)
            shutil.copytree(self.layer[True], self.layer[False], ignore=shutil.ignore_patterns("__pycache__"))
            (layers / "done").write_text(json.dumps(info, indent=2))
        self.info: dict[str, Any] = json.loads((layers / "done").read_text())
        # Lambda's /var/runtime: its runtime interface client, and the whole boto3 it ships (compiled),
        # which the layer's own shadows for the functions.
        self.runtime = layers / "runtime"
        if not (self.runtime / "done").exists():
            shutil.rmtree(self.runtime, ignore_errors=True)
            pip = [sys.executable, "-m", "pip", "install", "--quiet", "--quiet", "--disable-pip-version-check"]
            pip += ["--target", str(self.runtime), "--python-version", RUNTIME_VERSION, "--only-binary=:all:"]
            pip += ["--platform", host_platform_tag(), "--implementation", "cp", RUNTIME_INTERFACE_CLIENT]
            subprocess.run([*pip, _pinned("boto3")], check=True)
            compile_tree(self.runtime, python)
            (self.runtime / "done").write_text(_pinned("boto3"))
        self.code = {True: BUILDS / name / "compiled", False: BUILDS / name / "source"}
        shutil.rmtree(BUILDS / name, ignore_errors=True)
        for compiled, folder in self.code.items():
            copy_code(folder, source)
            if compiled:
                compile_tree(folder, python)
        self.counts = self.file_counts()

    def file_counts(self) -> dict[str, int]:
        return {str(folder): _files(folder) for folder in [*self.layer.values(), *self.code.values()]}

    def path(self, compiled: bool, function: bool = True) -> list[str]:
        """Lambda's order: the function's code, the layer, the runtime; the bare baseline has the runtime only."""
        return [str(self.code[compiled]), str(self.layer[compiled] / "python")] * function + [str(self.runtime)]

    def roots(self, compiled: bool) -> list[str]:
        """Where the function's code is, then the packages (for where_the_time_goes)."""
        return [str(self.code[compiled]), str(self.layer[compiled] / "python"), str(self.runtime)]


def _pinned(package: str) -> str:
    """`package==version` as lambdas/requirements.txt pins it."""
    return next(line for line in REQUIREMENTS.read_text().splitlines() if line.startswith(f"{package}=="))
