"""The route relay (present with a routes file) run by the real SAM CLI: a notification published to the
stack's topic reaches the destination's queue through its subscription, and the relay, invoked with that
queue's record, posts it to the destination (the HTTP stand-in, reached from the container) once; the
same record again posts nothing."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from notifier.core.models import parse_event
from notifier.core.render import render
from notifier.delivery.publisher import Publisher
from ssm_event_notifier.contract.environment import LOCAL_HTTP_HOSTS
from ssm_event_notifier.contract.routes_file import relayed_destinations
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


@dataclass
class RelayStack:
    sam: str
    image: str
    template: Template
    stack: LocalStack
    receiver: Receiver
    env_vars: Any
    folder: Any

    def invoke(self, event: dict[str, Any]) -> SamInvocation:
        path = self.folder / f"event-{len(list(self.folder.glob('event-*.json')))}.json"
        path.write_text(json.dumps(event))
        relay = self.template.find_function("route-relay")
        return local_invoke(self.sam, self.template.path, relay.construct_id, path, self.env_vars, self.image)


@pytest.fixture(scope="module")
def relay_stack(sam: str, runtime_image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayStack]:
    template = Template(ensure_synthesized(context={"routes": ROUTES_FILE}))
    receiver = Receiver()
    try:
        with stand_ins(sys.stderr) as endpoints, bridged({**endpoints, "receiver": receiver.base_url}) as reach:
            stack = LocalStack(template, endpoints).deploy()
            create_secrets(stack.client("secretsmanager"), {SECRET: f"{reach['receiver']}{HOOK}"})
            overrides = {k: v for k, v in stand_ins_environment(reach).items() if k.startswith(ENDPOINT_PREFIX)}
            # The webhook's stand-in over plain http, as the container reaches it (the bridge's address).
            overrides[LOCAL_HTTP_HOSTS] = str(urlsplit(reach["receiver"]).hostname)
            folder = tmp_path_factory.mktemp("sam-routes")
            env_vars = write_env_vars(local_env_vars(template, stack, overrides), folder / "env.json")
            yield RelayStack(sam, runtime_image, template, stack, receiver, env_vars, folder)
    finally:
        receiver.close()


def _queued_notification(relay_stack: RelayStack) -> dict[str, Any]:
    """A notification published to the stack's topic, as the destination's queue hands it to the relay."""
    stack = relay_stack.stack
    raw = load("ami/failed")
    Publisher(stack.client("sns"), stack.notification_topic_arn).publish(render(parse_event(raw), raw))
    relay = relay_stack.template.find_function("route-relay")
    (queue_arn,) = relayed_destinations(stack.function_environment(relay.logical_id)["ROUTE_DESTINATIONS"])
    (message,) = drain_queue(stack.client("sqs"), stack.queue_urls[queue_arn], empty_polls=3, pause=0.2)
    return {"Records": [received_record(message, queue_arn)]}


def test_the_route_relay_posts_a_notification_to_its_destination_once(relay_stack: RelayStack) -> None:
    event = _queued_notification(relay_stack)
    invocation = relay_stack.invoke(event)
    assert invocation.outcome == "notified", invocation.logs[-20:]
    assert invocation.answer == {"batchItemFailures": []}
    (posted,) = relay_stack.receiver.received(HOOK)
    assert "[ERROR] AMI ami-0123456789example is failed" in posted.body.decode()

    again = relay_stack.invoke(event)  # the same record again (SQS delivers at least once)
    assert again.outcome == "notified" and again.answer == {"batchItemFailures": []}, again.logs[-20:]
    assert len(relay_stack.receiver.received(HOOK)) == 1
