"""Stand-ins for the HTTPS destinations of routes (webhooks, PagerDuty's Events API, Jira Service
Management's alerts API) on this machine: every request is recorded with the status it was answered,
and each answers as the real API does (202 for PagerDuty and JSM, 200 otherwise) unless other answers
(429, 500, 400..., with headers such as Retry-After) were scripted first, for every path or for the
paths under a prefix."""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# The APIs' own paths on the stand-in; a local run points the functions' variables for them here
# (tools.harness.local_stack), never at the real APIs.
LOCAL_APIS = {"PAGERDUTY_EVENTS_URL": "/pagerduty/v2/enqueue", "JSM_ALERTS_URL": "/jsm/v2/alerts"}
# A scripted answer: (status, body) or (status, body, headers).
Answer = tuple[int, str] | tuple[int, str, dict[str, str]]


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0  # what the stand-in answered

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """One HTTP server; `url(path)` is a destination's URL; `answer` scripts the statuses it answers next."""

    requests: list[Request] = field(default_factory=list)
    # path prefix ("" for every path) -> the answers still scripted for it, first first
    scripted: dict[str, deque[Answer]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        lock = threading.Lock()
        receiver = self

        class Endpoint(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    status, text, *headers = receiver._next_answer(self.path, body)
                    receiver.requests.append(Request(self.path, dict(self.headers.items()), body, status))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for name, value in (headers[0] if headers else {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(text.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
        threading.Thread(target=self.server.serve_forever, name="http-destinations", daemon=True).start()

    def _next_answer(self, path: str, body: bytes) -> Answer:
        # The longest prefix with an answer left: a destination's own script before the one for every path.
        for prefix in sorted(self.scripted, key=len, reverse=True):
            if path.startswith(prefix) and self.scripted[prefix]:
                return self.scripted[prefix].popleft()
        return self._ok(path, body)

    @staticmethod
    def _ok(path: str, body: bytes) -> tuple[int, str]:
        """What the real API answers a request it accepts."""
        if path.startswith("/pagerduty"):
            try:
                dedup_key = json.loads(body).get("dedup_key")
            except (ValueError, AttributeError):
                dedup_key = None
            return 202, json.dumps({"status": "success", "message": "Event processed", "dedup_key": dedup_key})
        if path.startswith("/jsm"):
            return 202, json.dumps({"result": "Request will be processed", "requestId": str(uuid.uuid4())})
        return 200, '"ok"'

    @property
    def base_url(self) -> str:
        return self.url("")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def answer(self, *answers: Answer, path: str = "") -> None:
        """Answer the next requests to paths under `path` (every path: "") so, in order."""
        self.scripted.setdefault(path, deque()).extend(answers)

    def received(self, prefix: str) -> list[Request]:
        return [request for request in self.requests if request.path.startswith(prefix)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
