"""Lambda's asynchronous invocation and the faults of DynamoDB and SNS, for the fault, soak and bench runs.

* ``AsyncLambda`` runs a handler the way Lambda runs an event EventBridge sent it: one try and
  two retries, then the on-failure record in the dead-letter queue (the shape tools.replay writes).
  A retry comes only after the failed attempt's deadline: Lambda waits a minute or more and the
  functions time out at 30 s, so an idempotency record left IN_PROGRESS has expired by then.
  Time is scaled down: the attempts get a short timeout (``timeout`` seconds).
* ``Faults`` answers chosen requests of the handler's own clients with the error DynamoDB or SNS
  would send, from a botocore ``before-send`` hook: the SDK parses it and retries it exactly as it
  would the real one (standard retry mode: 3 attempts for SNS, 4 for DynamoDB). ``"timeout"`` ends
  the invocation there instead, as Lambda's timeout does; ``"lost-answer"`` lets the request reach
  the service and loses its answer.
* ``Calls`` counts the HTTP requests the handler's clients send, per ``service.Operation``.

The hooks reach the clients the handler creates through ``clients_hooked``, which wraps
``boto3.session.Session.client`` while the handler is built (the SNS client and Powertools'
DynamoDB client are created there).
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import boto3
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError
from botocore.httpsession import URLLib3Session

from tools.harness.lambda_worker import LambdaContext
from tools.harness.subscribers import drain_queue

# Lambda's retries of an asynchronous invocation, as the stack sets them (infra/functions.py ASYNC_RETRIES).
ASYNC_RETRIES = 2
TIMEOUT_ERROR = "Sandbox.Timedout"


class LambdaTimeout(BaseException):
    """The invocation ran out of time here.

    A BaseException, so that no ``except Exception`` of the handler or of Powertools runs after it:
    when Lambda stops a function, none does (the idempotency record is neither completed nor deleted).
    """


# The patch below is process-wide: two threads inside the block at once would undo each other's.
_HOOKING = threading.Lock()


@contextlib.contextmanager
def clients_hooked(*hooks: Callable[[Any], None]) -> Iterator[None]:
    """Every boto3 client created inside the block is passed to each hook (one thread at a time)."""
    with _HOOKING:
        original = boto3.session.Session.client

        def client(self: boto3.session.Session, *args: Any, **kwargs: Any) -> Any:
            created = original(self, *args, **kwargs)
            for hook in hooks:
                hook(created)
            return created

        with mock.patch.object(boto3.session.Session, "client", client):
            yield


@contextlib.contextmanager
def sdk_backoff_skipped() -> Iterator[None]:
    """The SDK's retry sleeps are skipped (up to 1+2 s per throttled call); its retry decisions are not."""
    with mock.patch("botocore.retries.standard.ExponentialBackoff.delay_amount", return_value=0):
        yield


# --- requests counted --------------------------------------------------------------------


class Calls:
    """HTTP requests per ``service.Operation`` (retries included), from botocore's request events."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def attach(self, client: Any) -> None:
        client.meta.events.register_first("before-send", self._count)

    def _count(self, event_name: str, **_: Any) -> None:
        with self._lock:
            self.counts[event_name.removeprefix("before-send.")] += 1

    def take(self) -> Counter[str]:
        """The counts so far, and start again from zero."""
        with self._lock:
            counts, self.counts = self.counts, Counter()
        return counts


# --- faults ------------------------------------------------------------------------------

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


# --- Lambda's asynchronous invocation ----------------------------------------------------


@dataclass
class Delivery:
    """One event delivered to the function: every attempt, and where it ended."""

    event: dict[str, Any]
    attempts: int = 0
    result: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)  # "ErrorType: message", one per failed attempt
    dead_lettered: bool = False
    # Attempts that ran past their timeout. Lambda would have stopped them (at any point, the
    # publish included): for exactly-once they count as timeouts, whatever they returned.
    overran: int = 0

    @property
    def outcome(self) -> str:
        if self.dead_lettered:
            return "dead-lettered"
        return "duplicate" if self.result and self.result.get("duplicate") else "notified"


def on_failure_record(
    event: dict[str, Any], function_arn: str, attempts: int, error_type: str, error_message: str
) -> dict[str, Any]:
    """What Lambda's on-failure destination receives once the retries are exhausted."""
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorType": error_type, "errorMessage": error_message},
    }


class AsyncLambda:
    """A handler invoked as Lambda invokes it for EventBridge: retried twice, then dead-lettered."""

    def __init__(
        self,
        handler: Callable[[Any, Any], dict[str, Any]],
        sqs: Any,
        dead_letter_queue_url: str,
        *,
        timeout: float = 0.3,
        faults: Faults | None = None,
        function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:notifier",
    ) -> None:
        self.handler = handler
        self.sqs = sqs
        self.dead_letter_queue_url = dead_letter_queue_url
        self.timeout = timeout
        self.faults = faults
        self.function_arn = function_arn

    def deliver(self, event: dict[str, Any]) -> Delivery:
        delivery = Delivery(event)
        error_type = error_message = ""
        deadline = 0.0
        for attempt in range(1 + ASYNC_RETRIES):
            if attempt:
                # Lambda retries a minute or more later: never before the failed attempt's deadline.
                time.sleep(max(deadline - time.monotonic(), 0) + 0.02)
            delivery.attempts += 1
            context = LambdaContext(str(uuid.uuid4()), self.timeout)
            deadline = time.monotonic() + self.timeout
            scope = self.faults.delivering(str(event.get("id"))) if self.faults else contextlib.nullcontext()
            try:
                with scope:
                    delivery.result = self.handler(copy.deepcopy(event), context)
                return delivery
            except LambdaTimeout:
                error_type, error_message = TIMEOUT_ERROR, f"Task timed out after {self.timeout:.2f} seconds"
            except Exception as error:
                error_type, error_message = type(error).__name__, str(error)
            finally:
                delivery.overran += time.monotonic() > deadline
            delivery.errors.append(f"{error_type}: {error_message}")
        record = on_failure_record(event, self.function_arn, delivery.attempts, error_type, error_message)
        self.sqs.send_message(QueueUrl=self.dead_letter_queue_url, MessageBody=json.dumps(record))
        delivery.dead_lettered = True
        return delivery


def dead_letters(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """The on-failure records now in the queue (received and deleted)."""
    return [json.loads(message["Body"]) for message in drain_queue(sqs, queue_url)]
