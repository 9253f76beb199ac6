"""The relays (present with a routes file, or with chat channels) run by the real SAM CLI: a notification
published to the stack's topic reaches the relay's queue through its subscription, and the relay, invoked
with that queue's record, hands it on once: the route relay posts it to its destination (the HTTP stand-in,
reached from the container), the chat relay publishes its card to the chat topic; the same record again
hands on nothing."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from notifier.core.models import parse_event
from notifier.core.render import render
from notifier.delivery.publisher import Publisher
from ssm_event_notifier.contract.environment import LOCAL_HTTP_HOSTS
from tools.harness.docker_engine import bridged
from tools.harness.endpoints import function_environment as stand_ins_environment
from tools.harness.http_destinations import Receiver
from tools.harness.local_stack import LocalStack
from tools.harness.route_stand_ins import create_secrets
from tools.harness.sam_cli import SamInvocation, local_invoke
from tools.harness.sam_env import ENDPOINT_PREFIX, local_env_vars, write_env_vars
from tools.harness.samples import load
from tools.harness.sqs_records import received_record
from tools.harness.stand_ins import stand_ins
from tools.harness.subscribers import drain_queue
from tools.harness.template import Template, ensure_synthesized

ROUTES_FILE = "tests/sam/routes.yaml"  # relative to the repository, as `-c routes=` takes it
SECRET = "sam/slack-webhook"
HOOK = "/hooks/everyone"
SUBJECT = "[ERROR] AMI ami-0123456789example is failed"  # of events/ami/failed.json


@dataclass
class RelayStack:
    sam: str
    image: str
    template: Template
    stack: LocalStack
    env_vars: Path
    folder: Path

    def invoke(self, function: str, event: dict[str, Any]) -> SamInvocation:
        path = self.folder / f"event-{len(list(self.folder.glob('event-*.json')))}.json"
        path.write_text(json.dumps(event))
        relay = self.template.find_function(function)
        return local_invoke(self.sam, self.template.path, relay.construct_id, path, self.env_vars, self.image)

    def queued_notification(self, function: str) -> dict[str, Any]:
        """A notification published to the stack's topic, as the relay's queue hands it to the relay."""
        raw = load("ami/failed")
        Publisher(self.stack.client("sns"), self.stack.notification_topic_arn).publish(render(parse_event(raw), raw))
        relay = self.template.find_function(function).logical_id
        (queue,) = [m.queue for m in self.template.event_source_mappings() if m.function == relay]
        queue_arn = self.stack.attributes[(queue, "Arn")]
        (message,) = drain_queue(self.stack.client("sqs"), self.stack.queue_urls[queue_arn], empty_polls=3, pause=0.2)
        return {"Records": [received_record(message, queue_arn)]}


@contextlib.contextmanager
def relay_stack(
    context: dict[str, str], sam: str, image: str, folder: Path, receiver: Receiver | None = None
) -> Iterator[RelayStack]:
    """The local build with `context` on the stand-ins; `receiver`: the webhook's stand-in, its URL the secret."""
    template = Template(ensure_synthesized(context=context))
    extra = {"receiver": receiver.base_url} if receiver else {}
    with stand_ins(sys.stderr) as endpoints, bridged({**endpoints, **extra}) as reach:
        stack = LocalStack(template, endpoints).deploy()
        overrides = {k: v for k, v in stand_ins_environment(reach).items() if k.startswith(ENDPOINT_PREFIX)}
        if receiver:
            create_secrets(stack.client("secretsmanager"), {SECRET: f"{reach['receiver']}{HOOK}"})
            # The webhook's stand-in over plain http, as the container reaches it (the bridge's address).
            overrides[LOCAL_HTTP_HOSTS] = str(urlsplit(reach["receiver"]).hostname)
        env_vars = write_env_vars(local_env_vars(template, stack, overrides), folder / "env.json")
        yield RelayStack(sam, image, template, stack, env_vars, folder)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    started = Receiver()
    yield started
    started.close()


@pytest.fixture(scope="module")
def routed(
    sam: str, runtime_image: str, receiver: Receiver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RelayStack]:
    folder = tmp_path_factory.mktemp("sam-routes")
    with relay_stack({"routes": ROUTES_FILE}, sam, runtime_image, folder, receiver) as stack:
        yield stack


@pytest.fixture(scope="module")
def chatting(sam: str, runtime_image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayStack]:
    folder = tmp_path_factory.mktemp("sam-chat")
    with relay_stack({"slackChannels": "T00000000:C00000000"}, sam, runtime_image, folder) as stack:
        yield stack


def test_the_route_relay_posts_a_notification_to_its_destination_once(routed: RelayStack, receiver: Receiver) -> None:
    event = routed.queued_notification("route-relay")
    invocation = routed.invoke("route-relay", event)
    assert invocation.outcome == "notified", invocation.logs[-20:]
    assert invocation.answer == {"batchItemFailures": []}
    (posted,) = receiver.received(HOOK)
    assert SUBJECT in posted.body.decode()

    again = routed.invoke("route-relay", event)  # the same record again (SQS delivers at least once)
    assert again.outcome == "notified" and again.answer == {"batchItemFailures": []}, again.logs[-20:]
    assert len(receiver.received(HOOK)) == 1


def test_the_chat_relay_publishes_a_notifications_card_once(chatting: RelayStack) -> None:
    event = chatting.queued_notification("chat-relay")
    invocation = chatting.invoke("chat-relay", event)
    assert invocation.outcome == "notified", invocation.logs[-20:]
    assert invocation.answer == {"batchItemFailures": []}
    sqs = chatting.stack.client("sqs")
    (card,) = drain_queue(sqs, chatting.stack.chat_queue_url, empty_polls=3, pause=0.2)
    assert SUBJECT in json.loads(card["Body"])["Message"]

    again = chatting.invoke("chat-relay", event)
    assert again.outcome == "notified" and again.answer == {"batchItemFailures": []}, again.logs[-20:]
    assert drain_queue(sqs, chatting.stack.chat_queue_url, empty_polls=3, pause=0.2) == []
