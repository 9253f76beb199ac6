"""Stand-ins for the HTTPS destinations of routes (webhooks, PagerDuty's Events API, Jira Service
Management's alerts API) on this machine: every request is recorded, and each answers as the real API
does (202 for PagerDuty, 200 otherwise) unless a test scripts other answers (429, 500, 400...) first."""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """One HTTP server; `url(path)` is a destination's URL; `answers` the statuses it answers next."""

    requests: list[Request] = field(default_factory=list)
    answers: deque[tuple[int, str]] = field(default_factory=deque)

    def __post_init__(self) -> None:
        lock = threading.Lock()
        receiver = self

        class Endpoint(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    receiver.requests.append(Request(self.path, dict(self.headers.items()), body))
                    status, text = receiver.answers.popleft() if receiver.answers else (receiver._ok(self.path), "{}")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(text.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
        threading.Thread(target=self.server.serve_forever, name="http-destinations", daemon=True).start()

    @staticmethod
    def _ok(path: str) -> int:
        return 202 if path.startswith("/pagerduty") else 200

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def answer(self, *answers: tuple[int, str]) -> None:
        self.answers.extend(answers)

    def received(self, prefix: str) -> list[Request]:
        return [request for request in self.requests if request.path.startswith(prefix)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
