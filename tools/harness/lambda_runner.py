"""One long-lived process per function, running its handler from the bundled asset."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.harness.lambda_worker import END_OF_LOGS
from tools.harness.template import FunctionSpec

WORKER = Path(__file__).resolve().parent / "lambda_worker.py"


@dataclass
class Invocation:
    ok: bool
    result: Any = None
    error_type: str | None = None
    error_message: str | None = None
    logs: list[str] = field(default_factory=list)


class FunctionProcess:
    """`python -I -S` with only the code asset and the layers on sys.path, like Lambda."""

    def __init__(self, spec: FunctionSpec, environment: dict[str, str]) -> None:
        self.spec = spec
        self.environment = {
            **environment,
            "AWS_LAMBDA_FUNCTION_NAME": spec.construct_id,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec.timeout),
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        self.process: subprocess.Popen[str] | None = None
        self._logs: queue.Queue[str] = queue.Queue()

    def _start(self) -> subprocess.Popen[str]:
        command = [sys.executable, "-I", "-S", str(WORKER), str(self.spec.code_dir), self.spec.handler]
        command += [str(layer) for layer in self.spec.layer_dirs]
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.environment,
            text=True,
            bufsize=1,
        )
        stderr = process.stderr
        assert stderr is not None
        threading.Thread(target=self._collect_logs, args=(stderr,), daemon=True).start()
        return process

    def _collect_logs(self, stream: Any) -> None:
        for line in stream:
            self._logs.put(line.rstrip("\n"))

    def _logs_until(self, request_id: str | None) -> list[str]:
        """The logs of one invocation: up to the worker's end marker, or what arrived so far."""
        lines: list[str] = []
        while True:
            try:
                line = self._logs.get(timeout=2 if request_id else 0.1)
            except queue.Empty:
                return lines
            if request_id and line == END_OF_LOGS + request_id:
                return lines
            lines.append(line)

    def invoke(self, event: Any) -> Invocation:
        if self.process is None or self.process.poll() is not None:
            self.process = self._start()
        process = self.process
        assert process.stdin is not None and process.stdout is not None
        request_id = str(uuid.uuid4())
        process.stdin.write(json.dumps({"event": event, "requestId": request_id}) + "\n")
        process.stdin.flush()
        answers: queue.Queue[str] = queue.Queue()
        reader = threading.Thread(target=lambda: answers.put(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        try:
            line = answers.get(timeout=self.spec.timeout + 5)  # + start-up, as Lambda's init is not timed
        except queue.Empty:
            self.close()
            return Invocation(
                False,
                error_type="Sandbox.Timedout",
                error_message=f"Task timed out after {self.spec.timeout} seconds",
                logs=self._logs_until(None),
            )
        if not line:
            code = process.wait()
            self.process = None
            return Invocation(
                False,
                error_type="Runtime.ExitError",
                error_message=f"the function's process exited with code {code}",
                logs=self._logs_until(None),
            )
        answer = json.loads(line)
        logs = self._logs_until(request_id)
        if answer["ok"]:
            return Invocation(True, result=answer["result"], logs=logs)
        return Invocation(False, error_type=answer["errorType"], error_message=answer["errorMessage"], logs=logs)

    def close(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()
            self.process = None
