"""Storm control against DynamoDB Local and moto: one digest per fleet-wide operation.

Events travel as the stack routes them in "digest" mode (tests/infra/test_rules.py checks that the
template does, tests/integration/test_storm_replay.py runs the template itself): per-instance and
window task events only to the batch function, in SQS batches of 10; an operation's own events to
its family function too. What subscribers see is read from the topic's envelope queue.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest
from botocore.exceptions import ClientError

from notifier.core.catalog import EVENT_TYPE_BY_DETAIL_TYPE, FAMILY_BY_NAME
from notifier.delivery.publisher import Publisher
from notifier.fleet import sweeper as digests
from notifier.fleet.operation_store import OperationStore
from tools.harness.context import fake_context
from tools.harness.handler_loader import LambdaHandler, load_handler, load_module
from tools.harness.samples import load
from tools.harness.subscribers import Subscribers, envelope_attributes, envelope_of
from tools.harness.tables import create_operations_table, unique_name
from tools.storm import generate

Drain = Callable[[str], list[dict[str, Any]]]
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def operations_table(monkeypatch: pytest.MonkeyPatch, dynamodb: Any) -> Iterator[str]:
    name = create_operations_table(dynamodb, unique_name("operations"))
    monkeypatch.setenv("OPERATIONS_TABLE_NAME", name)
    monkeypatch.setenv("OPERATION_TIMEOUT_SECONDS", "3600")
    # The digest of an ended operation is due at once (the stack waits digestSettleSeconds).
    monkeypatch.setenv("DIGEST_SETTLE_SECONDS", "0")
    yield name
    dynamodb.delete_table(TableName=name)


def sqs_event(events: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """The event Lambda's SQS event source passes: one record per message, the body as EventBridge sent it."""
    ids = [str(uuid.uuid4()) for _ in events]
    records = [
        {
            "messageId": message_id,
            "receiptHandle": f"handle-{message_id}",
            "body": json.dumps(event),
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {},
            "md5OfBody": "-",
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:buffer",
            "awsRegion": "us-east-1",
        }
        for message_id, event in zip(ids, events, strict=True)
    ]
    return {"Records": records}, ids


@dataclass
class Pipeline:
    batch: ModuleType
    sweeper: ModuleType
    family_handlers: dict[str, LambdaHandler]
    store: OperationStore
    subscribers: Subscribers
    drain: Drain

    def deliver(self, events: list[dict[str, Any]]) -> None:
        """Each event where the rules send it; the buffered ones in batches of 10, as SQS hands them over."""
        for event in events:
            event_type = EVENT_TYPE_BY_DETAIL_TYPE[event["detail-type"]]
            if event_type.role == "parent":
                function = FAMILY_BY_NAME[event_type.family].function
                self.family_handlers[function](copy.deepcopy(event), fake_context())
        for start in range(0, len(events), 10):
            response = self.batch.handler(sqs_event(events[start : start + 10])[0], fake_context())
            assert response == {"batchItemFailures": []}

    def sweep(self) -> dict[str, Any]:
        result: dict[str, Any] = self.sweeper.handler({"detail-type": "Scheduled Event"}, fake_context())
        return result

    def received(self) -> list[dict[str, Any]]:
        """What the subscriber got since the last call: each message's subject, attributes and document."""
        envelopes = [envelope_of(m) for m in self.drain(self.subscribers.envelope_queue_url)]
        return [
            {"subject": e["Subject"], "attributes": envelope_attributes(e), "document": json.loads(e["Message"])}
            for e in envelopes
        ]


@pytest.fixture
def pipeline(
    operations_table: str, idempotency_table: str, subscribers: Subscribers, dynamodb: Any, drain: Drain
) -> Pipeline:
    batch = load_module("handlers.operation_events")
    sweeper = load_module("handlers.operation_sweeper")
    handlers = {name: load_handler(name) for name in ("run-command", "maintenance-window")}
    return Pipeline(batch, sweeper, handlers, OperationStore(dynamodb, operations_table), subscribers, drain)


def only_digest(received: list[dict[str, Any]]) -> dict[str, Any]:
    (digest,) = [m for m in received if m["document"]["detailType"] == "Operation Digest"]
    return digest


def test_a_command_to_1000_instances_is_one_digest_naming_both_failures(pipeline):
    storm = generate(1000, 2, kind="command", repeats=0.1, seed=7)
    assert storm.repeats == 200 and len(storm.events) == 2201

    pipeline.deliver(storm.events)
    pipeline.sweep()
    received = pipeline.received()

    # The command's own notification (its family function, unchanged) and one digest: nothing else.
    assert sorted(m["document"]["detailType"] for m in received) == [
        "EC2 Command Status-change Notification",
        "Operation Digest",
    ]
    digest = only_digest(received)
    document = digest["document"]
    assert document["counts"] == {"Success": 998, "Failed": 2}
    assert document["total"] == 1000
    assert [f["instanceId"] for f in document["failed"]] == storm.failed
    assert document["failedNotShown"] == 0
    assert (document["severity"], document["status"], document["operation"]["command_id"]) == (
        "error",
        "Failed",
        storm.operation_id,
    )
    assert digest["attributes"]["detail_type"] == "Operation Digest"
    assert digest["attributes"]["severity"] == "error"
    assert (
        digest["subject"] == "[ERROR] Run Command AWS-RunPatchBaseline Failed: 2 of 1000 instances failed (us-east-1)"
    )
    text = document["text"]  # the e-mail body
    assert "Instances:    1000: 998 Success, 2 Failed" in text
    assert "Failed, timed out or cancelled (2):" in text
    assert all(f"  {instance}  Failed" in text for instance in storm.failed)
    assert document["links"]["console"].endswith(f"/run-command/{storm.operation_id}?region=us-east-1")
    # Once: another sweep has nothing to say.
    assert pipeline.sweep()["digests"] == []
    assert pipeline.received() == []


def test_a_maintenance_window_run_on_1000_targets_is_one_digest_besides_its_own_notification(pipeline):
    storm = generate(1000, 2, kind="window", repeats=0.1, seed=8)

    pipeline.deliver(storm.events)
    pipeline.sweep()
    received = pipeline.received()

    # The run's own notification; its task execution and its targets only in the digest.
    assert sorted(m["document"]["detailType"] for m in received) == [
        "Maintenance Window Execution State-change Notification",
        "Operation Digest",
    ]
    document = only_digest(received)["document"]
    assert document["counts"] == {"SUCCESS": 998, "FAILED": 2}
    assert [f["instanceId"] for f in document["failed"]] == storm.failed
    assert [t["status"] for t in document["tasks"]] == ["FAILED"]
    assert document["severity"] == "error"
    assert document["operation"]["window_execution_id"] == storm.operation_id
    assert "Targets:      1000: 998 SUCCESS, 2 FAILED" in document["text"]
    assert document["subject"].startswith("[ERROR] Maintenance Window mw-")
    assert document["subject"].endswith(" run FAILED: 2 of 1000 targets failed (us-east-1)")


def test_without_the_final_event_a_digest_says_the_status_is_unknown_once_the_operation_expires(pipeline, sns):
    storm = generate(20, 1, kind="command", repeats=0.1, seed=9, parent=False, start=START)
    pipeline.deliver(storm.events)
    publisher = Publisher(sns, pipeline.subscribers.topic_arn).publish

    def sweep(minutes: int) -> list[str]:
        result = digests.sweep(pipeline.store, publisher, START + timedelta(minutes=minutes))
        return [n.subject for n in result.published]

    assert sweep(59) == []  # within the timeout (OPERATION_TIMEOUT_SECONDS: 1 hour after the request)
    assert pipeline.received() == []
    assert sweep(61) == [
        "[ERROR] Run Command AWS-RunPatchBaseline status unknown: 1 of 20 instances failed (us-east-1)"
    ]
    document = only_digest(pipeline.received())["document"]
    assert (document["status"], document["operation"]["final"]) == ("Unknown", False)
    assert "Final status: unknown: no final status by 2026-03-02T11:00:00Z" in document["text"]
    assert document["counts"] == {"Success": 19, "Failed": 1}
    assert [f["instanceId"] for f in document["failed"]] == storm.failed
    assert sweep(120) == []


def test_a_later_expire_after_from_a_running_command_event_postpones_the_expiry(pipeline, sns):
    storm = generate(5, 0, kind="command", repeats=0, seed=10, parent=False, start=START)
    running = {
        "version": "0",
        "id": "running-1",
        "detail-type": "EC2 Command Status-change Notification",
        "source": "aws.ssm",
        "account": "123456789012",
        "time": "2026-03-02T10:00:01Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "command-id": storm.operation_id,
            "document-name": "AWS-RunPatchBaseline",
            "requested-date-time": "2026-03-02T10:00:00.000Z",
            "expire-after": "2026-03-02T13:00:00.000Z",
            "status": "InProgress",
        },
    }
    # One instance never finishes: the digest lists what had not.
    stuck = storm.instances[0]
    events = [e for e in storm.events if e["detail"]["instance-id"] != stuck or e["detail"]["status"] == "InProgress"]
    pipeline.deliver([running, *events])
    pipeline.received()  # the command's own InProgress notification
    publisher = Publisher(sns, pipeline.subscribers.topic_arn).publish

    assert digests.sweep(pipeline.store, publisher, START + timedelta(minutes=61)).published == []
    (digest,) = digests.sweep(pipeline.store, publisher, START + timedelta(hours=3, seconds=1)).published
    assert digest.subject.endswith("status unknown: 1 of 5 instances unfinished (us-east-1)")
    assert digest.attributes["severity"] == "warning"
    assert "(last known: InProgress)" in digest.text
    assert f"Not finished (1):\n  {stuck}  InProgress" in digest.text


def test_out_of_order_and_repeated_events_leave_each_instance_at_its_latest_status(pipeline):
    storm = generate(1, 1, kind="command", repeats=0, seed=11, start=START)
    started, failed = sorted(storm.events[:2], key=lambda e: e["detail"]["status"] != "InProgress")
    final = storm.events[2]
    same_second = copy.deepcopy(started)
    same_second["id"], same_second["time"] = "same-second", failed["time"]
    # Failed first, then the older InProgress, an InProgress of the same second, and Failed again.
    pipeline.deliver([failed, started, same_second, copy.deepcopy(failed)])
    instances, _tasks = pipeline.store.items(f"command#{storm.operation_id}")
    assert [(i.key, i.status) for i in instances] == [(storm.instances[0], "Failed")]
    pipeline.deliver([final])
    pipeline.sweep()
    assert only_digest(pipeline.received())["document"]["counts"] == {"Failed": 1}


def test_a_bad_record_fails_alone_and_the_rest_of_the_batch_is_recorded(pipeline):
    storm = generate(9, 0, kind="command", repeats=0, seed=12, parent=False, start=START)
    good = [e for e in storm.events if e["detail"]["status"] == "Success"]
    broken = copy.deepcopy(good[0])
    del broken["detail"]["instance-id"]
    ami = load("ami/failed")
    event, ids = sqs_event([*good, broken, ami])

    response = pipeline.batch.handler(event, fake_context())

    # SQS redelivers those two (then moves them to the dead-letter queue); the others are done.
    assert response == {"batchItemFailures": [{"itemIdentifier": ids[-2]}, {"itemIdentifier": ids[-1]}]}
    instances, _tasks = pipeline.store.items(f"command#{storm.operation_id}")
    assert sorted(i.key for i in instances) == sorted(storm.instances)


def test_a_failed_publish_gives_the_digest_back_to_the_next_sweep(pipeline, sns):
    storm = generate(10, 1, kind="command", repeats=0, seed=13, start=START)
    pipeline.deliver(storm.events)
    pipeline.received()  # the command's own notification
    missing_topic = pipeline.subscribers.topic_arn + "-deleted"
    now = datetime.now(UTC)

    failed = digests.sweep(pipeline.store, Publisher(sns, missing_topic).publish, now)

    ((operation, error),) = failed.failed
    assert operation == f"command#{storm.operation_id}"
    assert isinstance(error, ClientError) and error.response["Error"]["Code"] == "NotFound"
    assert pipeline.received() == []
    retried = digests.sweep(pipeline.store, Publisher(sns, pipeline.subscribers.topic_arn).publish, now)
    assert len(retried.published) == 1
    assert only_digest(pipeline.received())["document"]["counts"] == {"Success": 9, "Failed": 1}


def test_two_sweeps_at_once_claim_an_operation_once(pipeline):
    storm = generate(3, 0, kind="command", repeats=0, seed=14, start=START)
    pipeline.deliver(storm.events)
    now = datetime.now(UTC)
    (operation,) = pipeline.store.due(now, 10)
    first = pipeline.store.claim(operation, now, 300)
    assert first is not None
    assert pipeline.store.claim(operation, now, 300) is None  # held
    assert pipeline.store.claim(operation, now + timedelta(seconds=301), 300) is not None  # the lease ran out


def test_events_redelivered_after_the_digest_do_not_send_it_again(pipeline):
    storm = generate(30, 1, kind="window", repeats=0.1, seed=15, start=START)
    pipeline.deliver(storm.events)
    assert len(pipeline.sweep()["digests"]) == 1
    pipeline.received()

    pipeline.deliver(storm.events)  # EventBridge delivers at least once: all of it again

    assert pipeline.sweep()["digests"] == []
    # The family function's idempotency suppresses the repeated parent event: nothing at all.
    assert pipeline.received() == []
