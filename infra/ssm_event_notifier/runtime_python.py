"""The interpreter that compiles the functions' bytecode: one of the Lambda runtime's exact Python version,
named by LAYER_PYTHON or found (python3.13 on PATH, pyenv, uv). CDK-free, so that the cold-start bench
uses it too."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

RUNTIME_VERSION = "3.13"  # the functions' runtime, python3.13 (ssm_event_notifier.layer.RUNTIME)
# The interpreter that compiles the bytecode: a path, or "none" to ship none (slower cold starts).
BUILD_PYTHON = "LAYER_PYTHON"


class BuildError(RuntimeError):
    """The assets cannot be built as Lambda needs them (the message says what to install)."""


@functools.cache  # an interpreter's version: asked once per process, not at every asset's hash
def version_of(python: str) -> str | None:
    try:
        done = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


@functools.cache
def find_python(version: str = RUNTIME_VERSION) -> str | None:
    """An interpreter of exactly `version` (a pyenv shim of a version not selected fails: checked by running it)."""
    candidates = [sys.executable, shutil.which(f"python{version}") or ""]
    homes = [Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"]
    homes.append(Path.home() / ".local" / "share" / "uv" / "python")
    for home in homes:
        candidates += sorted(map(str, home.glob(f"*{version}.*/bin/python{version}")), reverse=True)
    return next((c for c in candidates if c and version_of(c) == version), None)


def runtime_python(required: bool) -> str | None:
    """The interpreter that compiles for the runtime; None when none is wanted or (not `required`) found."""
    chosen = os.environ.get(BUILD_PYTHON, "")
    if chosen.lower() == "none":
        return None
    if chosen:
        if version_of(chosen) != RUNTIME_VERSION:
            raise BuildError(f"{BUILD_PYTHON}={chosen} is not a Python {RUNTIME_VERSION} interpreter")
        return chosen
    found = find_python()
    if found is None and required:
        raise BuildError(
            f"the Lambda layer ships bytecode compiled for the python{RUNTIME_VERSION} runtime, which needs a Python "
            f"{RUNTIME_VERSION} interpreter on this machine, and none was found (python{RUNTIME_VERSION} on PATH, "
            f"pyenv, uv). Install one (`pyenv install {RUNTIME_VERSION}`, `uv python install {RUNTIME_VERSION}`, "
            f"or your system's python{RUNTIME_VERSION} package), or name it: {BUILD_PYTHON}=/path/to/python"
            f"{RUNTIME_VERSION}. {BUILD_PYTHON}=none builds without bytecode (each cold start compiles it)."
        )
    return found
