"""`sam local invoke` by the real SAM CLI, and what it answered.

The SAM CLI lives in a virtual environment of its own (`make test-sam` and `make sam-invoke` install the
version tests/sam/requirements-sam.txt pins): it pins its own boto3, as checkov does. Against the local
stand-ins SAM runs with placeholder credentials and no profile, so the function in the container gets
those and nothing of the user's; `--docker-network host` lets it reach the stand-ins on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tools import REPO_ROOT
from tools.harness.endpoints import ENVIRONMENT_CLEARED, NOWHERE, REGION, local_aws_environment
from tools.harness.replayer import REFUSAL

SAM_HOME = REPO_ROOT / ".venv" / "sam"
# What SAM passes on to the function of its own environment: credentials and region (placeholders here).
SAM_CREDENTIALS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
)
# SAM's own logs for every resource it does not run; the local build names them all (SamResourceId).
SAM_PATH_WARNING = "Cannot detect function id from aws:cdk:path metadata"


def find_sam() -> str | None:
    """SAM_CLI, else the project's own (.venv/sam), else a `sam` on PATH."""
    named = os.environ.get("SAM_CLI")
    if named:
        return named
    own = SAM_HOME / "bin" / "sam"
    return str(own) if own.exists() else shutil.which("sam")


def sam_environment(local: bool) -> dict[str, str]:
    """SAM's own environment: no telemetry; against the stand-ins, placeholder credentials only."""
    environment = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    if local:
        for name in ENVIRONMENT_CLEARED:
            environment.pop(name, None)
        placeholders = local_aws_environment(NOWHERE, NOWHERE)
        environment.update({name: placeholders[name] for name in SAM_CREDENTIALS})
    return environment


@dataclass
class SamInvocation:
    command: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def answer(self) -> object:
        """The function's result or error document: the last line of SAM's standard output that is JSON."""
        for line in reversed(self.stdout.strip().splitlines()):
            try:
                return json.loads(line)
            except ValueError:
                continue
        return None

    @property
    def error(self) -> tuple[str, str] | None:
        """(errorType, errorMessage) when the function raised, or SAM could not run it."""
        answer = self.answer
        if isinstance(answer, dict) and "errorType" in answer:
            return str(answer["errorType"]), str(answer.get("errorMessage"))
        if self.returncode or (answer is None and not self.stdout.strip()):
            tail = "\n".join(self.stderr.strip().splitlines()[-15:])
            return "SamError", f"sam exited with {self.returncode} and no answer:\n{tail}"
        return None

    @property
    def outcome(self) -> str:
        """As the replay names it: notified, duplicate, rejected (refused by the handler) or failed."""
        error = self.error
        if error:
            return "rejected" if error[0] == REFUSAL else "failed"
        answer = self.answer
        return "duplicate" if isinstance(answer, dict) and answer.get("duplicate") else "notified"

    @property
    def logs(self) -> list[str]:
        """What SAM and the function wrote on standard error, without SAM's lines about resources it skips."""
        return [line for line in self.stderr.splitlines() if SAM_PATH_WARNING not in line]


def local_invoke(
    sam: str,
    template: Path,
    function_id: str,
    event: Path,
    env_vars: Path,
    image: str | None,
    local: bool = True,
    timeout: float = 600,
) -> SamInvocation:
    """`sam local invoke` of one function with one event; `image` instead of the one SAM would pull."""
    command = [sam, "local", "invoke", "-t", str(template), function_id, "-e", str(event)]
    command += ["--env-vars", str(env_vars), "--docker-network", "host"]
    if local:
        command += ["--region", REGION]
    if image:
        command += ["--invoke-image", image, "--skip-pull-image"]
    started = time.monotonic()
    done = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=sam_environment(local),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    return SamInvocation(command, done.returncode, done.stdout, done.stderr, time.monotonic() - started)
