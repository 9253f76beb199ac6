"""Events through the synthesized stack on the stand-ins, as EventBridge and Lambda deliver them.

Each event is matched against every rule of the template (moto's EventBridge pattern matcher) and
delivered to the rule's target function as Lambda delivers asynchronous events (retries from the
template, then the on-failure record, ``tools.harness.lambda_async.on_failure_record``, in the
function's queue), the function run from its bundled asset (``tools.harness.lambda_runner``). A
rule that targets a queue sends the event there, read in batches by ``tools.harness.sqs_poller``.
After each delivery, what the subscriber queue received is collected (and which e-mail subscriptions'
filter policies admitted each); after a wave, what came of each notification further on: its chat card,
the requests the route relay sent for it (``tools.harness.route_stand_ins``). Driven by ``python -m
tools.replay``.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moto.events.models import EventPattern

from ssm_event_notifier.contract.catalog import OPERATIONS
from tools import repo_relative
from tools.harness.endpoints import REGION
from tools.harness.lambda_async import on_failure_record
from tools.harness.lambda_runner import FunctionProcess, Invocation
from tools.harness.local_stack import LocalStack
from tools.harness.outcomes import ReplayedEvent
from tools.harness.route_stand_ins import RouteDeliveries
from tools.harness.samples import read
from tools.harness.sqs_poller import QueuePoller
from tools.harness.subscribers import drain_queue, envelope_attributes, envelope_of
from tools.harness.template import Template

# Raised by the handlers for events they refuse (lambdas/notifier/core/models.py).
REFUSAL = "InvalidEventError"


class Replayer:
    def __init__(
        self,
        template: Template,
        stack: LocalStack,
        base_environment: dict[str, str],
        account: str | None,
        settle_seconds: int | None = None,
        routes: RouteDeliveries | None = None,
        now: datetime | None = None,
    ) -> None:
        """`routes`: the route destinations' stand-in, when the stack relays routes. `now`: the time the
        scheduled functions run as of (their event's `time`); without it the look-ahead of advance notices
        does not run, so that what a replay shows does not depend on when it runs."""
        self.template = template
        self.stack = stack
        self.account = account
        self.base_environment = base_environment
        self.settle_seconds = settle_seconds
        self.routes = routes
        self.now = now
        # A route's own topic e-mails a notification after its row was made: tied to it at the end.
        self.emailed_later: dict[str, list[tuple[str, str]]] = {}
        self.functions = template.functions()
        self.processes: dict[str, FunctionProcess] = {}
        self.sqs = stack.client("sqs")
        self.queues = QueuePoller(template, stack, self.invoke, self.received)

    def process(self, logical_id: str) -> FunctionProcess:
        if logical_id not in self.processes:
            environment = {**self.base_environment, **self.stack.function_environment(logical_id)}
            if self.settle_seconds is not None and "DIGEST_SETTLE_SECONDS" in environment:
                # A local run digests an operation as soon as its final event is recorded, and one
                # without a final event as soon as its events stop.
                environment["DIGEST_SETTLE_SECONDS"] = str(self.settle_seconds)
                environment["QUIET_PERIOD_SECONDS"] = ",".join(
                    f"{kind.name}={self.settle_seconds}" for kind in OPERATIONS if kind.ends == "quiet"
                )
            self.processes[logical_id] = FunctionProcess(self.functions[logical_id], environment)
        return self.processes[logical_id]

    def invoke(self, logical_id: str, event: Any) -> Invocation:
        """One invocation of the function, in its long-lived process."""
        return self.process(logical_id).invoke(event)

    def close(self) -> None:
        for process in self.processes.values():
            process.close()

    def replay_wave(self, files: list[Path], calendars: str) -> list[ReplayedEvent]:
        """The files, then every queue a function reads drained, every scheduled function run once, and
        the queues drained again: the topics' own (chat, route destinations) filled by the messages above."""
        deliveries = [delivery for path in files for delivery in self.replay_file(path)]
        deliveries += self.queues.drain()
        deliveries += self.run_schedules(calendars)
        deliveries += self.queues.drain()
        self.attach_downstream(deliveries)
        return deliveries

    def run_schedules(self, calendars: str) -> list[ReplayedEvent]:
        """Invoke each scheduled function once (calendar reconciler, digest sweeper, advance notices).

        The reconciler and the look-ahead watch the calendars the replay serves (`calendars`, comma-separated).
        """
        deliveries = []
        for rule in self.template.schedules():
            for function in rule.target_functions:
                if self.now is None and "NOTICE_BEFORE_MINUTES" in self.functions[function].environment:
                    continue
                if "MONITORED_CALENDARS" in self.functions[function].environment:
                    self.process(function).environment["MONITORED_CALENDARS"] = calendars
                event: dict[str, Any] = {
                    "version": "0",
                    "id": str(uuid.uuid4()),
                    "detail-type": "Scheduled Event",
                    "source": "aws.events",
                    "account": self.stack.account,
                    "time": (self.now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),  # as EventBridge writes it
                    "region": REGION,
                    "resources": [],
                    "detail": {},
                }
                delivery = ReplayedEvent(
                    f"(schedule {rule.logical_id})", event["id"], "Scheduled Event", rule.logical_id, function
                )
                delivery = self.deliver(delivery, event)
                if delivery.outcome == "notified" and not delivery.notifications:
                    delivery.outcome = "checked"
                deliveries.append(delivery)
        return deliveries

    def matching_rules(self, event: dict[str, Any]) -> list[tuple[str, str, bool]]:
        """(rule, target, target is a queue) of the rules whose pattern matches, the account taken as the stack's."""
        account = self.account or str(event.get("account"))
        matched = []
        for rule in self.template.rules():
            pattern = self.stack.resolve(rule.pattern, account=account)
            if EventPattern.load(json.dumps(pattern)).matches_event(event):  # type: ignore[arg-type]
                matched += [(rule.logical_id, target, False) for target in rule.target_functions]
                matched += [(rule.logical_id, queue, True) for queue in rule.target_queues]
        return matched

    def replay_file(self, path: Path) -> list[ReplayedEvent]:
        name = repo_relative(path)
        try:
            event: Any = read(path)  # any JSON: a file given to replay need not hold an object
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            return [ReplayedEvent(name, None, None, outcome="failed", error=f"cannot read the event: {error}")]
        if not isinstance(event, dict):
            return [ReplayedEvent(name, None, None, outcome="failed", error="the event is not a JSON object")]
        event_id, detail_type = event.get("id"), event.get("detail-type")
        matched = self.matching_rules(event)
        if not matched:
            return [ReplayedEvent(name, event_id, detail_type)]
        deliveries = []
        for rule, target, is_queue in matched:
            if is_queue:
                deliveries.append(self.queues.send(ReplayedEvent(name, event_id, detail_type, rule), target, event))
                deliveries += self.queues.drain(full_batches_only=True)
            else:
                deliveries.append(self.deliver(ReplayedEvent(name, event_id, detail_type, rule, target), event))
        return deliveries

    def deliver(self, delivery: ReplayedEvent, event: dict[str, Any]) -> ReplayedEvent:
        """Invoke as Lambda does for EventBridge: asynchronously, retried, then to the on-failure queue."""
        assert delivery.function is not None
        spec = self.functions[delivery.function]
        delivery.function = spec.construct_id
        invocation = Invocation(False)
        for _attempt in range(1 + spec.retries):
            delivery.attempts += 1
            invocation = self.invoke(spec.logical_id, event)
            delivery.logs += invocation.logs
            if invocation.ok:
                break
        if invocation.ok:
            result = invocation.result if isinstance(invocation.result, dict) else {}
            delivery.outcome = "duplicate" if result.get("duplicate") else "notified"
        else:
            delivery.outcome = "rejected" if invocation.error_type == REFUSAL else "failed"
            delivery.error = f"{invocation.error_type}: {invocation.error_message}"
            delivery.dead_letter_queue = self.send_to_on_failure_queue(spec.logical_id, event, invocation, delivery)
        delivery.notifications = self.received()
        return delivery

    def send_to_on_failure_queue(
        self, function: str, event: dict[str, Any], invocation: Invocation, delivery: ReplayedEvent
    ) -> str | None:
        """The record Lambda's on-failure destination receives, sent to the function's queue."""
        destination = self.functions[function].on_failure
        if not destination:
            return None
        arn = self.stack.resolve(destination["Destination"])
        record = on_failure_record(
            event,
            self.stack.resolve({"Fn::GetAtt": [function, "Arn"]}),
            delivery.attempts,
            invocation.error_type,
            invocation.error_message,
        )
        self.sqs.send_message(QueueUrl=self.stack.queue_urls[arn], MessageBody=json.dumps(record))
        return str(arn).rsplit(":", 1)[-1]

    def received(self) -> list[dict[str, Any]]:
        """What the subscriber queue got (SNS envelopes), as a subscriber reads it; with e-mail subscriptions,
        the addresses whose filter policy admitted each (`emailedTo`)."""
        emailed: dict[str, list[str]] = {}
        for address, url in self.stack.email_queue_urls.items():
            for message in drain_queue(self.sqs, url, empty_polls=1, pause=0):
                envelope = envelope_of(message)
                source = envelope_attributes(envelope).get("source_message_id")
                if source:  # from a route's own topic (the route relay republished it)
                    self.emailed_later.setdefault(source, []).append((address, str(envelope.get("Subject"))))
                else:
                    emailed.setdefault(envelope["MessageId"], []).append(address)
        notifications = []
        for message in drain_queue(self.sqs, self.stack.subscriber_queue_url, empty_polls=1, pause=0):
            envelope = envelope_of(message)
            document = json.loads(envelope["Message"])
            notification = {
                "messageId": envelope.get("MessageId"),
                "subject": envelope.get("Subject"),
                "attributes": envelope_attributes(envelope),
                "email": document.get("text"),
                "json": document,
            }
            if self.stack.email_queue_urls:
                notification["emailedTo"] = sorted(emailed.get(envelope["MessageId"], []))
            notifications.append(notification)
        return notifications

    def attach_downstream(self, deliveries: list[ReplayedEvent]) -> None:
        """What came of each notification after the topic: the card the chat channels received, beside it
        (its `chat`); the requests the route destinations received for it and the cards routes' channels
        received, on its row (`deliveries`)."""
        cards = {}
        if self.stack.chat_queue_url:
            for message in drain_queue(self.sqs, self.stack.chat_queue_url, empty_polls=1, pause=0):
                envelope = envelope_of(message)
                cards[envelope_attributes(envelope).get("source_message_id")] = json.loads(envelope["Message"])
        requests = self.routes.take() if self.routes else {}
        for destination_id, url in self.stack.route_chat_queue_urls.items():  # a route's channels' cards
            for message in drain_queue(self.sqs, url, empty_polls=1, pause=0):
                envelope = envelope_of(message)
                source = str(envelope_attributes(envelope).get("source_message_id"))
                if self.routes:
                    card = self.routes.card(destination_id, source, json.loads(envelope["Message"]))
                    requests.setdefault(source, []).append(card)
        for delivery in deliveries:
            for notification in delivery.notifications:
                if self.stack.chat_queue_url:
                    notification["chat"] = cards.get(notification.get("messageId"))
                delivery.deliveries += requests.pop(str(notification.get("messageId")), [])
                later = self.emailed_later.pop(str(notification.get("messageId")), [])
                if later:
                    addresses = {address for address, _ in later}
                    notification["emailedTo"] = sorted({*notification.get("emailedTo", []), *addresses})
                    # A route by tags' view has a subject of its own.
                    views = {address: subject for address, subject in later if subject != notification["subject"]}
                    if views:
                        notification["emailedViews"] = views
        if self.routes:  # for a notification of an earlier wave (its row already shown): counted, not lost
            self.routes.untied += sum(map(len, requests.values()))
