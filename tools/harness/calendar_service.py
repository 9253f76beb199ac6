"""A local stand-in for the SSM and EC2 reads the functions make: calendars from .ics files, the rest from fixtures.

moto can store no ChangeCalendar (TEXT) document and has no GetCalendarState, so the local
tools answer `GetDocument` (DocumentFormat TEXT) and `GetCalendarState` from calendar files
named <DocumentName>.ics, over SSM's own JSON protocol, with the same calendar code the
functions run. A `GetDocument` of one DocumentVersion (a calendar edit's versions) reads
<DocumentName>@<version>.ics, or <DocumentName>.ics when there is no file of that version.
moto does not implement the reads that explain failures either (ListCommandInvocations,
DescribeImages, ...): any SSM or EC2 call that a *.reads.json fixture matches is answered from it
(tools.harness.read_fixtures), and a fixture wins over a calendar.

One server speaks both protocols, told apart as AWS does: SSM sends `X-Amz-Target:
AmazonSSM.<Operation>` and JSON, EC2 a form with `Action=` and gets XML back. An SSM call that
neither a fixture nor the calendars answer is refused (UnsupportedOperation); an EC2 call
without a fixture gets an empty result, which is what EC2 answers a filter that matches nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from notifier.calendars.change_calendar import ChangeCalendar
from notifier.calendars.instants import iso_utc
from tools.harness.read_fixtures import FixtureError, ReadFixtures, ec2_error, ec2_operation, ec2_request, ec2_response


class CalendarService:
    def __init__(self, folders: list[Path], fixtures: list[Path] | None = None) -> None:
        self.files: dict[str, Path] = {}
        for folder in folders:  # later folders win, as --calendars overrides calendars/
            self.files.update({path.stem: path for path in sorted(folder.glob("*.ics"))})
        # <name>@<version>: one version of a calendar, not a calendar of its own.
        self.versions = {stem: self.files.pop(stem) for stem in [s for s in self.files if "@" in s]}
        self.reads = ReadFixtures(fixtures or [])

    def names(self) -> list[str]:
        return sorted(self.files)

    def _text(self, name: str, version: str | None = None) -> str:
        name = name.rsplit("document/", 1)[-1]
        path = self.versions.get(f"{name}@{version}") or self.files.get(name)
        if path is None:
            raise LookupError(name)
        return path.read_text()

    def get_document(self, request: dict[str, Any]) -> dict[str, Any]:
        text = self._text(request["Name"], request.get("DocumentVersion"))
        return {
            "Name": request["Name"],
            "DocumentVersion": request.get("DocumentVersion") or hashlib.sha256(text.encode()).hexdigest()[:12],
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
    operations = {
        "GetDocument": service.get_document,
        "GetCalendarState": service.get_calendar_state,
        # A managed node no fixture tags has no tags (the routes by tags' read), as EC2 answers for an instance.
        "ListTagsForResource": lambda request: {"TagList": []},
    }

    def ssm(target: str, body: bytes) -> tuple[int, dict[str, Any]]:
        operation = target.removeprefix("AmazonSSM.")
        request = json.loads(body or b"{}")
        found = service.reads.answer("ssm", operation, request)
        if found is not None:
            status, answer = found
            return (status, {"__type": answer["code"], "message": answer["message"]}) if status >= 400 else found
        try:
            if operation not in operations:
                raise NotImplementedError(operation)
            return 200, operations[operation](request)
        except LookupError as error:
            return 400, {"__type": "InvalidDocument", "message": f"document {error} not found locally"}
        except NotImplementedError:
            return 400, {"__type": "UnsupportedOperation", "message": f"{operation} is not stood in"}

    def ec2(body: bytes) -> tuple[int, bytes]:
        action, request = ec2_request(body)
        request_id = str(uuid.uuid4())
        if ec2_operation(action) is None:
            return 400, ec2_error(
                "InvalidAction", f"The action {action} is not valid for this web service.", request_id
            )
        status, answer = service.reads.answer("ec2", action, request) or (200, {})
        if status >= 400:
            return status, ec2_error(answer["code"], answer["message"], request_id)
        try:
            return status, ec2_response(action, answer, request_id)
        except FixtureError as error:  # an answer EC2 could not have sent: say so, with a 400 boto3 does not retry
            return 400, ec2_error("InvalidFixture", str(error), request_id)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            target = self.headers.get("X-Amz-Target")
            if target is None and (body.startswith(b"Action=") or b"&Action=" in body):
                status, payload = ec2(body)
                self._send(status, "text/xml;charset=UTF-8", payload)
            else:
                status, answer = ssm(target or "", body)
                self._send(status, "application/x-amz-json-1.1", json.dumps(answer).encode())

        def _send(self, status: int, content_type: str, payload: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler


@contextlib.contextmanager
def calendar_service(folders: list[Path], fixtures: list[Path] | None = None) -> Iterator[tuple[str, CalendarService]]:
    """Serve the calendars, and the reads of the *.reads.json files under `fixtures`, on a free port of 127.0.0.1.

    Yields (endpoint URL, service): the same URL serves SSM and EC2.
    """
    service = CalendarService(folders, fixtures)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(service))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", service
    finally:
        server.shutdown()
        server.server_close()
