"""Lambda's asynchronous invocation, as for an event EventBridge sent, and its on-failure record.

``AsyncLambda`` runs a handler in this process the way Lambda runs such an event: one try and two
retries, then the on-failure record in the dead-letter queue. A retry comes only after the failed
attempt's deadline: Lambda waits a minute or more and the functions time out at 30 s, so an
idempotency record left IN_PROGRESS has expired by then. Time is scaled down: the attempts get a
short timeout (``timeout`` seconds). ``on_failure_record`` (the command-line tool's, which redrives such
records) is the one shape of that record, also written by the replay's functions run from their assets
(tools.harness.replayer).
"""

from __future__ import annotations

import contextlib
import copy
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ssm_event_notifier.cli.dead_letters import on_failure_record
from tools.harness.endpoints import ACCOUNT, REGION
from tools.harness.faults import Faults, LambdaTimeout
from tools.harness.lambda_worker import LambdaContext
from tools.harness.subscribers import drain_queue

# Lambda's retries of an asynchronous invocation, as the stack sets them (functions.ASYNC_RETRIES).
ASYNC_RETRIES = 2
TIMEOUT_ERROR = "Sandbox.Timedout"


@dataclass
class AsyncInvocation:
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
        function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:notifier",
    ) -> None:
        self.handler = handler
        self.sqs = sqs
        self.dead_letter_queue_url = dead_letter_queue_url
        self.timeout = timeout
        self.faults = faults
        self.function_arn = function_arn

    def deliver(self, event: dict[str, Any]) -> AsyncInvocation:
        delivery = AsyncInvocation(event)
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
