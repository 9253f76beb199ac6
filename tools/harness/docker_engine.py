"""Docker for the real SAM CLI: the engine (started here when it can be), and a way from its containers to
the stand-ins.

* ``docker_engine``: a running Docker engine, or DockerUnavailable saying why not (no docker client, no
  daemon and none can be started: not root, or no dockerd). A daemon started here writes its log to
  cdk.out.local/dockerd.log and is stopped when the block ends, unless `keep`.
* ``bridged``: SAM (1.170) runs each function's container on Docker's default bridge, even with
  `--docker-network host` (it connects a container to a network named there unless that name is "host"),
  so a function cannot reach this machine's 127.0.0.1, where the stand-ins listen. Each stand-in is
  forwarded from the bridge's own address on this machine (the containers' gateway), for as long as the
  block runs: the stand-ins stay on 127.0.0.1, and only the functions' containers use the bridge.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from tools import REPO_ROOT

DOCKERD_LOG = REPO_ROOT / "cdk.out.local" / "dockerd.log"
BRIDGE_INTERFACE = "docker0"
START_TIMEOUT = 60.0


class DockerUnavailable(RuntimeError):
    """Docker cannot run here; the message says why and what would make it run."""


def engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    done = subprocess.run(["docker", "info"], capture_output=True, timeout=30, check=False)
    return done.returncode == 0


@contextlib.contextmanager
def docker_engine(log: Any, keep: bool = False) -> Iterator[None]:
    """A Docker engine that answers while the block runs: the running one, or dockerd started here."""
    if shutil.which("docker") is None:
        raise DockerUnavailable("no docker client on PATH (Debian: apt-get install docker.io)")
    if engine_answers():
        yield
        return
    dockerd = shutil.which("dockerd")
    if dockerd is None:
        raise DockerUnavailable("no Docker engine answers and no dockerd to start (Debian: apt-get install docker.io)")
    if os.geteuid() != 0:
        raise DockerUnavailable("no Docker engine answers, and only root can start dockerd here")
    DOCKERD_LOG.parent.mkdir(parents=True, exist_ok=True)
    with DOCKERD_LOG.open("ab") as output:
        # Its own session and no inherited output: a daemon left running holds no pipe of its caller open.
        daemon = subprocess.Popen(
            [dockerd], stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    deadline = time.monotonic() + START_TIMEOUT
    while not engine_answers():
        if daemon.poll() is not None or time.monotonic() > deadline:
            daemon.terminate()
            tail = DOCKERD_LOG.read_text(errors="replace").splitlines()[-10:]
            raise DockerUnavailable(f"dockerd did not start (log {DOCKERD_LOG}):\n" + "\n".join(tail))
        time.sleep(0.5)
    print(f"Docker: started dockerd (pid {daemon.pid}, log {DOCKERD_LOG})", file=log)
    try:
        yield
    finally:
        if keep:
            print(f"Docker: dockerd (pid {daemon.pid}) keeps running", file=log)
        else:
            daemon.terminate()
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                daemon.kill()


def bridge_address(interface: str = BRIDGE_INTERFACE) -> str:
    """This machine's address on Docker's default bridge: the gateway of the containers SAM starts."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            packed = fcntl.ioctl(sock.fileno(), 0x8915, struct.pack("256s", interface.encode()[:15]))  # SIOCGIFADDR
        except OSError as error:
            raise DockerUnavailable(f"no address on Docker's bridge {interface}: {error}") from error
    return socket.inet_ntoa(packed[20:24])


def _pump(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


class Forwarder:
    """Connections to (address, a free port) forwarded to 127.0.0.1:`port`."""

    def __init__(self, address: str, port: int) -> None:
        self.port = port
        self.listener = socket.create_server((address, 0))
        self.address = f"{address}:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, name=f"bridge-{port}", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.port))
            except OSError:  # the stand-in is gone: the function sees a refused connection, as without one
                client.close()
                continue
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, target), daemon=True).start()

    def close(self) -> None:
        with contextlib.suppress(OSError):  # wakes the accepting thread: a bare close leaves it listening
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()


@contextlib.contextmanager
def bridged(endpoints: dict[str, str], address: str | None = None) -> Iterator[dict[str, str]]:
    """The endpoints as the functions' containers reach them: each http://127.0.0.1:<port> forwarded from the
    bridge's address (other values as they are)."""
    address = address or bridge_address()
    forwarders: dict[int, Forwarder] = {}
    seen: dict[str, str] = {}
    try:
        for service, url in endpoints.items():
            parts = urlsplit(url) if "://" in url else None
            if parts is None or parts.hostname != "127.0.0.1" or parts.port is None:
                seen[service] = url
                continue
            if parts.port not in forwarders:
                forwarders[parts.port] = Forwarder(address, parts.port)
            seen[service] = f"{parts.scheme}://{forwarders[parts.port].address}{parts.path}"
        yield seen
    finally:
        for forwarder in forwarders.values():
            forwarder.close()
