"""A local stand-in for the two SSM calls the calendar functions make, served from .ics files.

moto can store no ChangeCalendar (TEXT) document and has no GetCalendarState, so the local
tools answer `GetDocument` (DocumentFormat TEXT) and `GetCalendarState` from calendar files
named <DocumentName>.ics, over SSM's own JSON protocol, with the same calendar code the
functions run. Any other SSM call is refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from notifier.calendars.change_calendar import ChangeCalendar, iso_utc


class CalendarService:
    def __init__(self, folders: list[Path]) -> None:
        self.files: dict[str, Path] = {}
        for folder in folders:  # later folders win, as --calendars overrides calendars/
            self.files.update({path.stem: path for path in sorted(folder.glob("*.ics"))})

    def names(self) -> list[str]:
        return sorted(self.files)

    def _text(self, name: str) -> str:
        path = self.files.get(name.rsplit("document/", 1)[-1])
        if path is None:
            raise LookupError(name)
        return path.read_text()

    def get_document(self, request: dict[str, Any]) -> dict[str, Any]:
        text = self._text(request["Name"])
        return {
            "Name": request["Name"],
            "DocumentVersion": hashlib.sha256(text.encode()).hexdigest()[:12],
            "Status": "Active",
            "Content": text,
            "DocumentType": "ChangeCalendar",
            "DocumentFormat": "TEXT",
        }

    def get_calendar_state(self, request: dict[str, Any]) -> dict[str, Any]:
        at = datetime.fromisoformat(request["AtTime"]) if request.get("AtTime") else datetime.now(UTC)
        states = []
        for name in request["CalendarNames"]:
            calendar = ChangeCalendar(name, self._text(name))
            states.append((calendar.state_at(at), calendar.next_transition(at)))
        state = "CLOSED" if any(s == "CLOSED" for s, _ in states) else "OPEN"
        answer: dict[str, Any] = {"State": state, "AtTime": iso_utc(at)}
        upcoming = sorted(t.at for _, t in states if t is not None)
        if upcoming:
            answer["NextTransitionTime"] = iso_utc(upcoming[0])
        return answer


def _handler(service: CalendarService) -> type[BaseHTTPRequestHandler]:
    operations = {"GetDocument": service.get_document, "GetCalendarState": service.get_calendar_state}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            operation = self.headers.get("X-Amz-Target", "").removeprefix("AmazonSSM.")
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            try:
                if operation not in operations:
                    raise NotImplementedError(operation)
                status, body = 200, operations[operation](request)
            except LookupError as error:
                status, body = 400, {"__type": "InvalidDocument", "message": f"document {error} not found locally"}
            except NotImplementedError:
                status, body = 400, {"__type": "UnsupportedOperation", "message": f"{operation} is not stood in"}
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler


@contextlib.contextmanager
def calendar_service(folders: list[Path]) -> Iterator[tuple[str, CalendarService]]:
    """Serve the calendars on a free port of 127.0.0.1; yields (endpoint URL, service)."""
    service = CalendarService(folders)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(service))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", service
    finally:
        server.shutdown()
        server.server_close()
