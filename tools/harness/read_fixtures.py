"""Answers to the AWS read calls the functions make to explain failures, served from fixture files.

moto implements none of the reads a failure message needs (ListCommandInvocations with plugin
output, GetAutomationExecution with step failures, DescribeImages with a StateReason, ...), so the
local tools answer them from files named ``*.reads.json``, found anywhere under the folders given.
A file is a JSON list of entries, tried in file order, files sorted by path, the first match wins::

    [
      {"call": "ssm.ListCommandInvocations",
       "request": {"CommandId": "c-1", "InstanceId": "i-1"},
       "answer": {"CommandInvocations": [...]}},
      {"call": "ec2.DescribeImages", "request": {"ImageIds": ["ami-1"]},
       "error": {"code": "AccessDeniedException", "message": "not allowed"}, "status": 403},
      {"call": "ssm.GetAutomationExecution", "request": {}, "answer": {...}, "delay": 5.0}
    ]

An entry matches a call when "call" is "<service>.<Operation>" and every key of its "request" (a
subset of the request, which may say more) has the same JSON value in the request. "answer" is
what boto3 returns (its JSON shape, also for EC2); "error" makes boto3 raise ClientError with that
code, with "status" (default 400); "delay" seconds are slept first, to stand for a slow read.

EC2 speaks the query protocol (form in, XML out), not JSON: ``ec2_request`` decodes its form into
the boto3 request shape and ``ec2_response`` / ``ec2_error`` write the XML boto3 parses, both
driven by botocore's own EC2 model, so the XML names are the ones EC2 uses.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

import botocore.session

FIXTURE_GLOB = "**/*.reads.json"
EC2_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/"


class FixtureError(ValueError):
    """A fixture file that cannot be served; the message names the file and the entry."""


@dataclass(frozen=True)
class Fixture:
    call: str  # "<service>.<Operation>", e.g. "ssm.ListCommandInvocations"
    request: dict[str, Any]
    answer: dict[str, Any] | None  # None: `error` is answered instead
    error: dict[str, str] | None
    status: int
    delay: float
    source: str  # "<file>#<index>", for the messages of a fixture that cannot be served

    def matches(self, call: str, request: dict[str, Any]) -> bool:
        return call == self.call and all(
            key in request and _json(request[key]) == _json(value) for key, value in self.request.items()
        )


def _json(value: Any) -> str:
    """Values compared as JSON: lists and objects must be equal, and true is not 1."""
    return json.dumps(value, sort_keys=True)


def _fixture(entry: Any, source: str) -> Fixture:
    if not isinstance(entry, dict) or not isinstance(entry.get("call"), str) or "." not in entry["call"]:
        raise FixtureError(f'{source}: an entry is an object with "call": "<service>.<Operation>"')
    if "answer" in entry and "error" in entry:
        raise FixtureError(f'{source}: "answer" or "error", not both')
    request, answer, error = entry.get("request", {}), entry.get("answer", {}), entry.get("error")
    if not isinstance(request, dict) or not isinstance(answer, dict):
        raise FixtureError(f'{source}: "request" and "answer" are JSON objects')
    if error is not None and not (isinstance(error, dict) and isinstance(error.get("code"), str)):
        raise FixtureError(f'{source}: "error" is {{"code": "...", "message": "..."}}')
    status = entry.get("status", 400 if error is not None else 200)
    if not isinstance(status, int) or not (400 <= status <= 599 if error is not None else 200 <= status <= 299):
        raise FixtureError(f'{source}: "status" is 4xx or 5xx with "error", 2xx with "answer"')
    delay = entry.get("delay", 0.0)
    if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
        raise FixtureError(f'{source}: "delay" is a number of seconds')
    return Fixture(
        call=entry["call"],
        request=request,
        answer=None if error is not None else answer,
        error=None if error is None else {"code": error["code"], "message": str(error.get("message", ""))},
        status=status,
        delay=float(delay),
        source=source,
    )


class ReadFixtures:
    """Every entry of the *.reads.json files under `folders`, and the calls answered from them."""

    def __init__(self, folders: list[Path]) -> None:
        self.files = sorted({path for folder in folders for path in folder.glob(FIXTURE_GLOB) if path.is_file()})
        self.fixtures: list[Fixture] = []
        for path in self.files:
            try:
                entries = json.loads(path.read_text())
            except (OSError, ValueError) as error:
                raise FixtureError(f"{path}: not a JSON file ({error})") from error
            if not isinstance(entries, list):
                raise FixtureError(f"{path}: a fixture file is a JSON list of entries")
            self.fixtures += [_fixture(entry, f"{path}#{index}") for index, entry in enumerate(entries)]
        # "<service>.<Operation>" -> calls answered from a fixture; handler threads count concurrently.
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.fixtures)

    def find(self, service: str, operation: str, request: dict[str, Any]) -> Fixture | None:
        call = f"{service}.{operation}"
        return next((fixture for fixture in self.fixtures if fixture.matches(call, request)), None)

    def answer(self, service: str, operation: str, request: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        """(HTTP status, body) of the first fixture matching, after its delay; None when none does.

        The body is the fixture's answer or, for an error (status 400 or more, and only then),
        {"code": ..., "message": ...}: each protocol writes its errors its own way.
        """
        fixture = self.find(service, operation, request)
        if fixture is None:
            return None
        with self._lock:
            self.calls[fixture.call] += 1
        if fixture.delay > 0:
            time.sleep(fixture.delay)
        if fixture.error is not None:
            return fixture.status, dict(fixture.error)
        return fixture.status, dict(fixture.answer or {})


# --- EC2's query protocol ----------------------------------------------------------------


@functools.cache
def _ec2_model() -> Any:
    """botocore's EC2 model: loaded once, on the first EC2 call, as it takes a moment."""
    return botocore.session.get_session().get_service_model("ec2")


def ec2_operation(action: str) -> Any | None:
    """The model of an EC2 action, None for an action EC2 does not have."""
    model = _ec2_model()
    return model.operation_model(action) if action in model.operation_names else None


def _form_tree(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """`Filter.1.Value.1=x` -> {"Filter": {"1": {"Value": {"1": "x"}}}}."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        *parents, last = key.split(".")
        node = root
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[last] = value
    return root


def _decode(shape: Any, node: Any) -> Any:
    """A node of the form tree as boto3 would have passed it, the way botocore's EC2 serializer wrote it."""
    if shape.type_name == "structure":
        decoded = {}
        for name, member in shape.members.items():
            wire = member.serialization.get("queryName") or member.serialization.get("name", name)
            wire = wire[:1].upper() + wire[1:]
            if isinstance(node, dict) and wire in node:
                decoded[name] = _decode(member, node[wire])
        return decoded
    if shape.type_name == "list":  # `Name.1`, `Name.2`, ...: in index order, as serialized
        items = sorted((int(i), value) for i, value in node.items() if i.isdigit()) if isinstance(node, dict) else []
        return [_decode(shape.member, value) for _, value in items]
    if shape.type_name in ("integer", "long"):
        return int(node)
    if shape.type_name in ("float", "double"):
        return float(node)
    if shape.type_name == "boolean":
        return node == "true"
    return node


def ec2_request(body: bytes) -> tuple[str, dict[str, Any]]:
    """(Action, request in boto3's shape) of an EC2 form: `ImageId.1=ami-1` -> {"ImageIds": ["ami-1"]}.

    The request is empty for an action EC2 does not have.
    """
    pairs = parse_qsl(body.decode(), keep_blank_values=True)
    action = dict(pairs).get("Action", "")
    operation = ec2_operation(action)
    if operation is None:
        return action, {}
    return action, _decode(operation.input_shape, _form_tree(pairs))


def _xml(shape: Any, value: Any, where: str) -> str:
    if shape.type_name == "structure":
        if not isinstance(value, dict):
            raise FixtureError(f"{where}: an object is expected")
        unknown = sorted(set(value) - set(shape.members))
        if unknown:
            raise FixtureError(f"{where}: {shape.name} has no {', '.join(unknown)}")
        parts = []
        for name, member_value in value.items():
            member = shape.members[name]
            tag = member.serialization.get("name", name)
            parts.append(f"<{tag}>{_xml(member, member_value, f'{where}.{name}')}</{tag}>")
        return "".join(parts)
    if shape.type_name == "list":
        if not isinstance(value, list):
            raise FixtureError(f"{where}: a list is expected")
        tag = shape.member.serialization.get("name", "member")
        return "".join(f"<{tag}>{_xml(shape.member, item, f'{where}[{i}]')}</{tag}>" for i, item in enumerate(value))
    if shape.type_name == "map":
        raise FixtureError(f"{where}: map values are not served")
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def ec2_response(action: str, answer: dict[str, Any], request_id: str) -> bytes:
    """EC2's XML answer to `action`, from an answer in boto3's JSON shape.

    Lists the answer leaves out are sent empty, as EC2 does (an empty imagesSet for a filter that
    matches nothing), so boto3 returns [] for them rather than leaving the key out.
    """
    operation = ec2_operation(action)
    if operation is None:
        raise FixtureError(f"EC2 has no action {action!r}")
    shape = operation.output_shape
    filled = dict(answer)
    if shape is not None:
        for name, member in shape.members.items():
            if member.type_name == "list":
                filled.setdefault(name, [])
    body = _xml(shape, filled, f"ec2.{action}") if shape is not None else ""
    root = f"{action}Response"
    text = f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{EC2_NAMESPACE}">'
    return f"{text}<requestId>{request_id}</requestId>{body}</{root}>".encode()


def ec2_error(code: str, message: str, request_id: str) -> bytes:
    """EC2's XML error, which boto3 raises as ClientError with `code`."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{escape(code)}</Code>'
        f"<Message>{escape(message)}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
    ).encode()
