"""`ssm-event-notifier status` and `redrive` on the local stand-ins, after a real fault.

The synthesized stack on moto and DynamoDB Local, its functions run from their assets as the replay runs
them (EventBridge's rules, Lambda's retries, then the on-failure record in the function's dead-letter
queue). The fault: the notification topic is gone, so every publish fails and each event ends in its
function's dead-letter queue; fixed by making the topic again. Then EventBridge delivers one event again
(it delivers at least once), so its message goes out before the redrive: the idempotency record must keep
the redrive from sending it a second time.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ssm_event_notifier.cli.commands import cli
from tools import REPO_ROOT
from tools.harness.endpoints import function_environment
from tools.harness.local_stack import LocalStack
from tools.harness.replayer import Replayer
from tools.harness.samples import load
from tools.harness.services import DynamoDBLocal, moto_process
from tools.harness.stand_ins import stand_ins
from tools.harness.subscribers import drain_queue, envelope_of
from tools.harness.template import Template, ensure_synthesized

# Two functions' events (the systems-manager and the AMI function): two dead-letter queues.
FAULTED = [REPO_ROOT / "events/change-manager/rejected.json", REPO_ROOT / "events/ami/failed.json"]
DEAD_LETTERS = ["SystemsManagerNotifier/DeadLetterQueue", "AmiNotifier/DeadLetterQueue"]


@dataclass
class Local:
    template: Template
    stack: LocalStack
    endpoints: dict[str, str]
    replayer: Replayer

    def run(self, *args: str) -> Result:
        """The command, in this process, on these stand-ins."""
        where = ["--endpoint", self.endpoints["sns"], "--dynamodb-endpoint", self.endpoints["dynamodb"]]
        return CliRunner().invoke(cli, [*args, *where], catch_exceptions=False)

    def waiting(self) -> dict[str, int]:
        """Messages in each dead-letter queue that holds any, by its place in the app."""
        sqs, found = self.stack.client("sqs"), {}
        for logical_id, url in self.stack.refs.items():
            if "DeadLetterQueue" in logical_id:
                attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
                count = int(attributes["Attributes"]["ApproximateNumberOfMessages"])
                if count:
                    found[self.template.construct_path(logical_id)] = count
        return found

    def notified(self) -> Counter[str]:
        """The event ids of the messages subscribers received since the last look."""
        messages = drain_queue(self.stack.client("sqs"), self.stack.subscriber_queue_url, empty_polls=1, pause=0)
        return Counter(json.loads(envelope_of(message)["Message"])["eventId"] for message in messages)

    def records(self, queue: str) -> list[dict[str, Any]]:
        """The records of one dead-letter queue, read without taking them."""
        logical_id = next(key for key in self.stack.refs if self.template.construct_path(key) == queue)
        messages = self.stack.client("sqs").receive_message(
            QueueUrl=self.stack.refs[logical_id], MaxNumberOfMessages=10, VisibilityTimeout=0
        )
        return [json.loads(message["Body"]) for message in messages.get("Messages", [])]


@pytest.fixture(scope="module")
def local(dynamodb_local: DynamoDBLocal) -> Iterator[Local]:
    template = Template(ensure_synthesized())
    # A moto of its own: the stack's names are fixed, and a moto in this process shares its state with the
    # other tests'.
    with moto_process() as moto, stand_ins(io.StringIO(), moto, dynamodb_local.endpoint_url) as endpoints:
        stack = LocalStack(template, endpoints).deploy()
        replayer = Replayer(template, stack, function_environment(endpoints), None)
        try:
            yield Local(template, stack, endpoints, replayer)
        finally:
            replayer.close()


def test_events_of_a_fault_are_notified_exactly_once_by_the_redrive(local: Local) -> None:
    sns = local.stack.client("sns")
    sns.delete_topic(TopicArn=local.stack.notification_topic_arn)  # the fault
    failed = [delivery for path in FAULTED for delivery in local.replayer.replay_file(path)]
    assert [(d.outcome, d.attempts) for d in failed] == [("failed", 3), ("failed", 3)]
    assert local.waiting() == dict.fromkeys(DEAD_LETTERS, 1)

    status = local.run("status")
    assert status.exit_code == 1, status.output
    assert "SystemsManagerNotifier/DeadLetterQueue: 1 waiting" in status.output

    dry = local.run("redrive", "--all", "--dry-run", "--quiet")
    assert dry.exit_code == 0, dry.output
    assert dry.output.count("[would send]") == 2
    assert local.waiting() == dict.fromkeys(DEAD_LETTERS, 1)  # nothing changed, nothing hidden

    # Sent again while the topic is still gone: each stays, with its new reason and one attempt more.
    early = local.run("redrive", "--function", "ami")
    assert early.exit_code == 1, early.output
    assert "[failed again]" in early.output and "NotFound" in early.output
    (record,) = local.records("AmiNotifier/DeadLetterQueue")
    assert record["requestContext"]["approximateInvokeCount"] == 4
    assert local.waiting() == dict.fromkeys(DEAD_LETTERS, 1)
    assert local.notified() == Counter()

    local.stack.deploy()  # fixed: the topic and its subscriptions are back
    again = local.replayer.replay_file(FAULTED[0])  # EventBridge delivers one event a second time
    assert [d.outcome for d in again] == ["notified"]

    redriven = local.run("redrive", "--all")
    assert redriven.exit_code == 0, redriven.output
    assert "[already sent]" in redriven.output and "[sent]" in redriven.output
    assert local.waiting() == {}
    events = [load(path.relative_to(REPO_ROOT / "events").with_suffix("").as_posix()) for path in FAULTED]
    # The redelivered one went out with the replay (its row), the other with the redrive: once each.
    assert [n["json"]["eventId"] for n in again[0].notifications] == [events[0]["id"]]
    assert local.notified() == Counter({events[1]["id"]: 1})

    second = local.run("redrive", "--all")
    assert second.exit_code == 0, second.output
    assert "nothing waits in the dead-letter queues" in second.output
    assert local.notified() == Counter()

    healthy = local.run("status")
    assert healthy.exit_code == 0, healthy.output
    assert "all well" in healthy.output
    # The last message of each family, one row each.
    rows = [line for line in healthy.output.splitlines() if " ami " in line or " change-manager " in line]
    assert len(rows) == 2 and any("[ERROR] AMI " in row for row in rows), healthy.output


def test_a_refused_event_is_listed_with_its_reason_and_stays(local: Local, tmp_path: Path) -> None:
    event = load("run-command/command-success")
    event["id"] = "redrive-malformed-0001"
    del event["detail"]["command-id"]
    path = tmp_path / "malformed.json"
    path.write_text(json.dumps(event))
    local.replayer.replay_file(path)  # to the buffer, whose function refuses it
    refused = local.replayer.queues.drain()
    assert [d.outcome for d in refused] == ["rejected"]
    assert local.waiting() == {"InstanceEvents/DeadLetterQueue": 1}

    listed = local.run("redrive", "--all")
    assert listed.exit_code == 0, listed.output
    assert "[refused, left]" in listed.output and "command-id" in listed.output
    assert local.waiting() == {"InstanceEvents/DeadLetterQueue": 1}

    # Asked for, it goes back to the buffer, is refused again and stays with that reason.
    resent = local.run("redrive", "--function", "InstanceEvents", "--include-refused")
    assert "[moved back]" in resent.output
    (record,) = local.records("InstanceEvents/DeadLetterQueue")
    assert record["event"]["id"] == event["id"] and "command-id" in record["reason"]
    assert local.notified() == Counter()
    assert local.run("status").exit_code == 1


def test_without_routes_a_test_goes_through_the_notification_topic(local: Local) -> None:
    tested = local.run("test-route")
    assert tested.exit_code == 0, tested.output
    assert "published" in tested.output and "confirmed" in tested.output
    messages = drain_queue(local.stack.client("sqs"), local.stack.subscriber_queue_url, empty_polls=1, pause=0)
    assert [envelope_of(m)["Subject"] for m in messages] == ["[TEST] SSM Event Notifier: a test of route default"]
