"""The stack's dead-letter queues, read from its template, and what each message waiting in them is.

A dead-letter queue holds, depending on whose it is:
- Lambda's on-failure records of an event function (``on_failure_record``'s shape): the event, the error;
- events EventBridge could not hand to a rule's target, with the error in the message's attributes;
- messages SQS moved there after their retries, from the queue whose redrive policy names it (a batch
  function's buffer, a route destination's queue), or that SNS could not deliver to a subscribed queue;
- records a function refused itself: a batch function's bad event (``reason``, ``event``), a route
  destination's refusal of a notification (``route``, ``destination``, ``status``, ``notification``);
- e-mails SNS could not deliver (no subscription can be sent one message again: listed, never sent).
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ssm_event_notifier.cli.stack_resources import StackResources

# The error the handlers refuse an event with (bad input: the field it names is missing or wrong).
REFUSAL = "InvalidEventError"


@dataclass(frozen=True)
class Target:
    """Where a message goes again: a function invoked with it, or a queue it is sent to."""

    kind: str  # "function" or "queue"
    logical_id: str


@dataclass(frozen=True)
class DeadLetterQueue:
    logical_id: str
    label: str  # its place in the app, e.g. "AmiNotifier/DeadLetterQueue"
    functions: frozenset[str]  # the functions whose failures wait here
    sources: tuple[Target, ...]  # where a message that is not a record came from (distinct)
    rules: tuple[tuple[str, Target], ...] = ()  # (rule, its target) of the rules whose failed sends wait here
    emails: bool = False  # e-mails SNS could not deliver wait here too


@dataclass
class Waiting:
    """One message of a dead-letter queue, and what sending it again means."""

    queue: DeadLetterQueue
    message: dict[str, Any]
    kind: str  # "record" (Lambda's on-failure record), "refused" (refused by its function), "message"
    reason: str
    payload: Any  # the event (a record's, a refused one's) or the message body (to a queue)
    target: Target | None
    refused: bool = False
    attempts: int = 0
    function_arn: str = ""  # a record's: the function that failed

    @property
    def about(self) -> str:
        """The event's detail-type and id, or the message id."""
        event = self.payload
        if isinstance(event, str):
            try:
                event = json.loads(event)
            except ValueError:
                event = None
        if isinstance(event, dict) and "detail-type" in event:
            return f"{event['detail-type']} {event.get('id', '')}".strip()
        if isinstance(event, dict) and "MessageId" in event:  # an SNS envelope
            return f"notification {event['MessageId']}"
        return f"message {self.message.get('MessageId', '')}"


def _named(value: Any) -> str | None:
    """The logical id a Ref or Fn::GetAtt names."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    return None


def dead_letter_queues(stack: StackResources) -> list[DeadLetterQueue]:
    """Every queue of the template that something sends its failures to."""
    resources = stack.resources
    functions: dict[str, set[str]] = defaultdict(set)
    sources: dict[str, list[Target]] = defaultdict(list)
    rules: dict[str, list[tuple[str, Target]]] = defaultdict(list)
    emails: set[str] = set()
    readers = {
        _named(mapping["Properties"].get("EventSourceArn")): _named(mapping["Properties"].get("FunctionName"))
        for mapping in stack.of_type("AWS::Lambda::EventSourceMapping").values()
    }
    for config in stack.of_type("AWS::Lambda::EventInvokeConfig").values():
        props = config["Properties"]
        queue = _named(props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination"))
        function = _named(props.get("FunctionName"))
        if queue and function:
            functions[queue].add(function)
    for function, resource in stack.of_type("AWS::Lambda::Function").items():
        props = resource["Properties"]
        queue = _named(props.get("DeadLetterConfig", {}).get("TargetArn"))
        if queue:
            functions[queue].add(function)
            sources[queue].append(Target("function", function))
        queue = _named(props.get("Environment", {}).get("Variables", {}).get("DEAD_LETTER_QUEUE_URL"))
        if queue:
            functions[queue].add(function)
    for logical_id, resource in stack.of_type("AWS::SQS::Queue").items():
        queue = _named((resource["Properties"].get("RedrivePolicy") or {}).get("deadLetterTargetArn"))
        if queue:
            sources[queue].insert(0, Target("queue", logical_id))
            reader = readers.get(logical_id)
            functions[queue].update([reader] if reader else [])
    for resource in stack.of_type("AWS::SNS::Subscription").values():
        props = resource["Properties"]
        queue = _named((props.get("RedrivePolicy") or {}).get("deadLetterTargetArn"))
        endpoint = _named(props.get("Endpoint"))
        if queue and props.get("Protocol") == "sqs" and endpoint:
            sources[queue].insert(0, Target("queue", endpoint))
        elif queue:
            emails.add(queue)
    for rule, resource in stack.of_type("AWS::Events::Rule").items():
        for target in resource["Properties"].get("Targets", []):
            queue, named = _named((target.get("DeadLetterConfig") or {}).get("Arn")), _named(target.get("Arn"))
            if queue and named in resources:
                kind = "queue" if resources[named]["Type"] == "AWS::SQS::Queue" else "function"
                rules[queue].append((rule, Target(kind, named)))
                functions[queue].update([named] if kind == "function" else [])
    found = []
    for queue in sorted({*functions, *sources, *rules, *emails}):
        distinct = tuple(dict.fromkeys(sources[queue]))
        found.append(
            DeadLetterQueue(
                queue, stack.label(queue), frozenset(functions[queue]), distinct, tuple(rules[queue]), queue in emails
            )
        )
    return found


def _attribute(message: dict[str, Any], name: str) -> str:
    return str(message.get("MessageAttributes", {}).get(name, {}).get("StringValue", ""))


def _raw_target(stack: StackResources, queue: DeadLetterQueue, message: dict[str, Any]) -> Target | None:
    """Where a plain message came from: the rule its attributes name, else the one source the queue has."""
    rule_arn = _attribute(message, "RULE_ARN")
    if rule_arn:
        named = [target for rule, target in queue.rules if rule_arn.endswith(f"/{stack.physical.get(rule, rule)}")]
        candidates = named or [target for _, target in queue.rules]
        if len(set(candidates)) == 1:
            return candidates[0]
    if len(queue.sources) == 1:
        return queue.sources[0]
    targets = {target for _, target in queue.rules}
    return targets.pop() if not queue.sources and len(targets) == 1 else None


def classify(stack: StackResources, queue: DeadLetterQueue, message: dict[str, Any]) -> Waiting:
    try:
        body: Any = json.loads(message["Body"])
    except ValueError:
        body = None
    if isinstance(body, dict) and "requestContext" in body and "requestPayload" in body:
        context, response = body["requestContext"], body.get("responsePayload") or {}
        function = stack.function_of_arn(str(context.get("functionArn", "")))
        if function is None and len(queue.functions) == 1:
            (function,) = queue.functions
        error_type = str(response.get("errorType"))
        return Waiting(
            queue,
            message,
            "record",
            f"{error_type}: {response.get('errorMessage')}",
            body["requestPayload"],
            Target("function", function) if function else None,
            refused=error_type == REFUSAL,
            attempts=int(context.get("approximateInvokeCount", 0)),
            function_arn=str(context.get("functionArn", "")),
        )
    source = queue.sources[0] if len(queue.sources) == 1 else None
    if isinstance(body, dict) and {"reason", "event"} <= set(body):
        event = body["event"]
        return Waiting(queue, message, "refused", str(body["reason"]), event, source, refused=True)
    if isinstance(body, dict) and {"route", "destination", "notification"} <= set(body):
        reason = f"{body['destination']} answered {body.get('status')}: {body.get('response')}"
        return Waiting(queue, message, "refused", reason, body["notification"], source, refused=True)
    error = _attribute(message, "ERROR_MESSAGE") or _attribute(message, "ErrorMessage")
    received = message.get("Attributes", {}).get("ApproximateReceiveCount")
    reason = error or f"its retries ran out (SQS moved it here; received {received} times here)"
    return Waiting(queue, message, "message", reason, message["Body"], _raw_target(stack, queue, message))


def on_failure_record(
    event: Any, function_arn: str, attempts: int, error_type: str | None, error_message: str | None
) -> dict[str, Any]:
    """What Lambda's on-failure destination receives once an asynchronous invocation's retries are exhausted."""
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
