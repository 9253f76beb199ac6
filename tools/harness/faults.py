"""The faults of DynamoDB and SNS, answered to chosen requests of a handler's own clients.

``Faults`` answers them with the error DynamoDB or SNS would send, from a botocore ``before-send``
hook (attached through ``tools.harness.sdk_hooks.clients_hooked``): the SDK parses it and retries
it exactly as it would the real one (standard retry mode: 3 attempts for SNS, 4 for DynamoDB).
``"timeout"`` ends the invocation there instead, as Lambda's timeout does (``LambdaTimeout``);
``"lost-answer"`` lets the request reach the service and loses its answer.
"""

from __future__ import annotations

import contextlib
import json
import math
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError
from botocore.httpsession import URLLib3Session


class LambdaTimeout(BaseException):
    """The invocation ran out of time here.

    A BaseException, so that no ``except Exception`` of the handler or of Powertools runs after it:
    when Lambda stops a function, none does (the idempotency record is neither completed nor deleted).
    """


# HTTP status of each error code the services document for these calls (botocore's models).
STATUS = {
    "Throttling": 400,
    "KMSThrottling": 400,
    "KMSDisabled": 400,
    "InternalError": 500,
    "ProvisionedThroughputExceededException": 400,
    "ThrottlingException": 400,
    "InternalServerError": 500,
}


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


def error_response(url: str, service: str, code: str) -> AWSResponse:
    """The error response the service sends, in its protocol (DynamoDB: JSON 1.0; SNS: query/XML)."""
    status = STATUS[code]
    request_id = str(uuid.uuid4())
    if service == "dynamodb":
        body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "injected fault"})
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": request_id}
    else:
        fault = "Receiver" if status >= 500 else "Sender"
        body = (
            '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
            f"<Error><Type>{fault}</Type><Code>{code}</Code><Message>injected fault</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        headers = {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}
    return AWSResponse(url, status, headers, _Body(body.encode()))


ALWAYS = math.inf


@dataclass
class Fault:
    """The first `times` requests of `operation` ("sns.Publish", "dynamodb.PutItem", ...) fail with `error`.

    `error` is an error code of STATUS; "timeout": the invocation ends as that request is about to be
    sent; "lost-answer": the service acts on the request but its answer is lost (a read timeout, which
    the SDK retries). `times` counts HTTP requests (the SDK's retries included); ALWAYS: every one.
    """

    operation: str
    error: str
    times: float = 1
    hits: int = 0


class Faults:
    """Faults for every delivery, or for the deliveries of one event id (see ``delivering``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str | None, list[Fault]] = {}
        self._current = threading.local()
        self.sent: Counter[str] = Counter()  # requests per operation, the failed ones included

    def add(self, operation: str, error: str, times: float = 1, event_id: str | None = None) -> Fault:
        if error not in ("timeout", "lost-answer") and error not in STATUS:
            raise ValueError(f"unknown error code {error!r}")
        fault = Fault(operation, error, times)
        with self._lock:
            self._faults.setdefault(event_id, []).append(fault)
        return fault

    def clear(self) -> None:
        """No more faults from now on."""
        with self._lock:
            self._faults.clear()

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-send", self._before_send)

    @contextlib.contextmanager
    def delivering(self, event_id: str) -> Iterator[None]:
        """The faults added for `event_id` apply to the requests this thread sends inside the block."""
        self._current.event_id = event_id
        try:
            yield
        finally:
            self._current.event_id = None

    def _before_send(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        operation = event_name.removeprefix("before-send.")
        event_id = getattr(self._current, "event_id", None)
        with self._lock:
            self.sent[operation] += 1
            candidates = self._faults.get(None, []) + (self._faults.get(event_id, []) if event_id else [])
            fault = next((f for f in candidates if f.operation == operation and f.hits < f.times), None)
            if fault is None:
                return None
            fault.hits += 1
        if fault.error == "timeout":
            raise LambdaTimeout(operation)
        if fault.error == "lost-answer":
            # The service gets the request and acts on it; its answer never arrives (a read timeout).
            URLLib3Session().send(request)
            raise ReadTimeoutError(endpoint_url=request.url)
        return error_response(request.url, operation.split(".")[0], fault.error)
