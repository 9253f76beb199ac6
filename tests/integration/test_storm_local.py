"""Storm control against DynamoDB Local and moto: one message per fleet-wide operation.

Events travel as the stack routes them in "digest" mode (tests/infra/test_rules.py checks that the
template does, tests/integration/test_storm_replay.py runs the template itself): every event of an
operation only to the batch function, in SQS batches of 10. What subscribers see is read from the
topic's envelope queue; what the batch function refuses, from its dead-letter queue (moto).
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

from notifier.delivery.publisher import Publisher
from notifier.fleet import sweeper as digests
from notifier.fleet.operation_store import OperationStore
from tools.harness.context import fake_context
from tools.harness.handler_loader import load_module
from tools.harness.samples import load
from tools.harness.sqs_records import sqs_record
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
        sqs_record(message_id, json.dumps(event), "arn:aws:sqs:us-east-1:123456789012:buffer")
        for message_id, event in zip(ids, events, strict=True)
    ]
    return {"Records": records}, ids


@pytest.fixture
def dead_letter_queue(monkeypatch: pytest.MonkeyPatch, sqs: Any) -> str:
    url = str(sqs.create_queue(QueueName=unique_name("instance-events-dlq"))["QueueUrl"])
    monkeypatch.setenv("DEAD_LETTER_QUEUE_URL", url)
    return url


@dataclass
class Pipeline:
    batch: ModuleType
    sweeper: ModuleType
    store: OperationStore
    subscribers: Subscribers
    drain: Drain
    dead_letter_queue: str

    def deliver(self, events: list[dict[str, Any]]) -> None:
        """Every event of an operation goes to the buffer: in batches of 10, as SQS hands them over."""
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
    operations_table: str, dead_letter_queue: str, subscribers: Subscribers, dynamodb: Any, drain: Drain
) -> Pipeline:
    batch = load_module("handlers.operation_events")
    sweeper = load_module("handlers.operation_sweeper")
    store = OperationStore(dynamodb, operations_table)
    return Pipeline(batch, sweeper, store, subscribers, drain, dead_letter_queue)


def only_digest(received: list[dict[str, Any]]) -> dict[str, Any]:
    (digest,) = [m for m in received if m["document"]["detailType"] == "Operation Digest"]
    return digest


def test_a_command_to_1000_instances_is_one_digest_naming_both_failures(pipeline):
    storm = generate(1000, 2, kind="command", repeats=0.1, seed=7)
    assert storm.repeats == 200 and len(storm.events) == 2202

    pipeline.deliver(storm.events)
    pipeline.sweep()
    received = pipeline.received()

    # One message: the command's own events (InProgress, Failed) are in it, not beside it.
    assert [m["document"]["detailType"] for m in received] == ["Operation Digest"]
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
    assert "Failed, by reason (2 of 1000):\n  Failed (2):" in text
    assert all(f"    {instance}  Failed" in text for instance in storm.failed)
    assert document["links"]["console"].endswith(f"/run-command/{storm.operation_id}?region=us-east-1")
    # Once: another sweep has nothing to say.
    assert pipeline.sweep()["digests"] == []
    assert pipeline.received() == []


def test_a_maintenance_window_run_on_1000_targets_is_one_message(pipeline):
    storm = generate(1000, 2, kind="window", repeats=0.1, seed=8)

    pipeline.deliver(storm.events)
    pipeline.sweep()
    received = pipeline.received()

    # The run's own events, its task execution and its targets: all in the one message.
    assert [m["document"]["detailType"] for m in received] == ["Operation Digest"]
    document = only_digest(received)["document"]
    assert document["counts"] == {"SUCCESS": 998, "FAILED": 2}
    assert [f["instanceId"] for f in document["failed"]] == storm.failed
    assert [t["status"] for t in document["tasks"]] == ["FAILED"]
    assert document["severity"] == "error"
    assert document["operation"]["window_execution_id"] == storm.operation_id
    assert "Targets:      1000: 998 SUCCESS, 2 FAILED" in document["text"]
    assert document["subject"].startswith("[ERROR] Maintenance Window mw-")
    assert document["subject"].endswith(" run FAILED: 2 of 1000 targets failed (us-east-1)")


def test_a_running_operation_with_failures_gets_one_interim_message_then_the_final_one_on_expiry(pipeline, sns):
    storm = generate(20, 1, kind="command", repeats=0.1, seed=9, parent=False, start=START)
    pipeline.deliver(storm.events)
    publisher = Publisher(sns, pipeline.subscribers.topic_arn).publish

    def sweep(minutes: int) -> list[str]:
        result = digests.sweep(pipeline.store, publisher, START + timedelta(minutes=minutes))
        return [n.subject for n in result.published]

    assert sweep(29) == []  # nothing while it runs
    # Still running after 30 minutes (INTERIM_AFTER_SECONDS), with a failure: one interim message.
    assert sweep(31) == [
        "[ERROR] Run Command AWS-RunPatchBaseline still running: 1 of 20 instances failed so far (us-east-1)"
    ]
    interim = only_digest(pipeline.received())["document"]
    assert interim["operation"]["phase"] == "interim" and interim["status"] == "InProgress"
    assert [f["instanceId"] for f in interim["failed"]] == storm.failed
    assert sweep(45) == [] and sweep(59) == []  # once; and within the timeout (1 hour after the request)
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
    assert pipeline.received() == []  # nothing while it runs, not even the command's InProgress
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


def test_a_malformed_record_goes_to_the_dead_letter_queue_once_with_its_reason_and_the_batch_is_recorded(
    pipeline,
):
    storm = generate(8, 0, kind="command", repeats=0, seed=12, parent=False, start=START)
    good = [e for e in storm.events if e["detail"]["status"] == "Success"]
    broken = copy.deepcopy(good[0])
    del broken["detail"]["instance-id"]
    ami = load("ami/failed")
    event, ids = sqs_event([*good[:4], broken, ami, *good[4:]])

    response = pipeline.batch.handler(event, fake_context())

    # Nothing for SQS to retry: the two refused records are in the dead-letter queue already.
    assert response == {"batchItemFailures": []}
    instances, _tasks = pipeline.store.items(f"command#{storm.operation_id}")
    assert sorted(i.key for i in instances) == sorted(storm.instances)
    letters = [json.loads(m["Body"]) for m in pipeline.drain(pipeline.dead_letter_queue)]
    assert [(letter["messageId"], letter["event"]["id"]) for letter in letters] == [
        (ids[4], broken["id"]),
        (ids[5], ami["id"]),
    ]
    assert letters[0]["reason"] == (
        "InvalidEventError: invalid EC2 Command Invocation Status-change Notification event: "
        "field 'detail.instance-id': Field required"
    )
    assert letters[1]["reason"].startswith("InvalidEventError: invalid EC2 AMI State Change event: field 'detail-type'")


def test_a_failed_publish_gives_the_digest_back_to_the_next_sweep(pipeline, sns):
    storm = generate(10, 1, kind="command", repeats=0, seed=13, start=START)
    pipeline.deliver(storm.events)
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
    assert pipeline.received() == []


def test_two_commands_and_two_association_runs_in_two_regions_interleaved_give_four_messages(pipeline, sns):
    storms = [
        generate(40, 2, kind="command", repeats=0.1, seed=31, start=START),
        generate(40, 1, kind="command", repeats=0.1, seed=32, start=START),
        generate(40, 3, kind="association", repeats=0.1, seed=33, start=START, region="us-east-1"),
        generate(40, 0, kind="association", repeats=0.1, seed=34, start=START, region="eu-west-1"),
    ]
    # Two associations with the same id in two regions: still two runs.
    same = storms[2].operation_id
    for event in storms[3].events:
        event["detail"]["association-id"] = same
    interleaved = [event for group in zip(*(s.events for s in storms), strict=False) for event in group]
    interleaved += [e for s in storms for e in s.events[len(interleaved) // len(storms) :]]
    pipeline.deliver(interleaved)
    assert len(interleaved) == sum(len(s.events) for s in storms)

    # After the associations' quiet period (5 minutes).
    publisher = Publisher(sns, pipeline.subscribers.topic_arn).publish
    assert len(digests.sweep(pipeline.store, publisher, datetime.now(UTC) + timedelta(minutes=6)).published) == 4
    documents = sorted(
        (m["document"] for m in pipeline.received()),
        key=lambda d: (d["operation"]["kind"], d["region"], len(d["failed"])),
    )

    assert [(d["operation"]["kind"], d["region"], d["total"], len(d["failed"])) for d in documents] == [
        ("association", "eu-west-1", 40, 0),
        ("association", "us-east-1", 40, 3),
        ("command", "us-east-1", 40, 1),
        ("command", "us-east-1", 40, 2),
    ]
    commands = {d["operation"]["command_id"]: sorted(f["instanceId"] for f in d["failed"]) for d in documents[2:]}
    assert commands == {storms[0].operation_id: storms[0].failed, storms[1].operation_id: storms[1].failed}
    assert (
        documents[1]["subject"] == "[ERROR] Association AWS-UpdateSSMAgent Failed: 3 of 40 instances failed (us-east-1)"
    )
    assert (
        documents[0]["subject"] == "[INFO] Association AWS-UpdateSSMAgent Success: 40 instances succeeded (eu-west-1)"
    )


def test_a_one_instance_run_command_reads_like_an_ordinary_notification(pipeline):
    storm = generate(1, 1, kind="command", repeats=0, seed=35, start=START)
    pipeline.deliver(storm.events)
    pipeline.sweep()
    (message,) = pipeline.received()
    (instance,) = storm.instances
    assert message["subject"] == f"[ERROR] Run Command AWS-RunPatchBaseline Failed on {instance} (us-east-1)"
    assert message["document"]["summary"] == f"Run Command AWS-RunPatchBaseline Failed on {instance}"
    assert "instead of one" not in message["document"]["text"]


def test_a_sweeper_killed_between_claim_and_publish_leaves_the_message_to_the_next_one_once(pipeline, sns):
    storm = generate(30, 2, kind="command", repeats=0.1, seed=36, start=START)
    pipeline.deliver(storm.events)
    now = datetime.now(UTC)
    (operation,) = pipeline.store.due(now, 10)
    assert pipeline.store.claim(operation, now, digests.LEASE_SECONDS) is not None  # ... and then it died
    publisher = Publisher(sns, pipeline.subscribers.topic_arn).publish

    assert digests.sweep(pipeline.store, publisher, now + timedelta(seconds=60)).published == []  # still held
    later = now + timedelta(seconds=digests.LEASE_SECONDS + 1)
    (published,) = digests.sweep(pipeline.store, publisher, later).published
    assert digests.sweep(pipeline.store, publisher, later + timedelta(seconds=600)).published == []

    (message,) = pipeline.received()
    assert message["subject"] == published.subject
    assert [f["instanceId"] for f in message["document"]["failed"]] == storm.failed


def test_an_association_run_ends_after_its_quiet_period_and_the_next_run_is_a_message_of_its_own(pipeline, sns):
    first = generate(25, 2, kind="association", repeats=0.1, seed=37, start=START)
    publisher = Publisher(sns, pipeline.subscribers.topic_arn).publish
    pipeline.deliver(first.events)
    now = datetime.now(UTC)
    # Its events stopped just now: nothing before the quiet period (5 minutes) has passed.
    assert digests.sweep(pipeline.store, publisher, now + timedelta(minutes=4)).published == []
    (message,) = digests.sweep(pipeline.store, publisher, now + timedelta(minutes=6)).published
    assert message.document["operation"]["phase"] == "quiet" and message.document["total"] == 25
    assert sorted(f["instanceId"] for f in message.document["failed"]) == first.failed
    assert [g["count"] for g in message.document["failureReasons"]] == [1, 1]  # error codes 1 and 127

    # The association runs again on its schedule: the same instances, all succeed this time.
    second = generate(25, 0, kind="association", repeats=0, seed=37, start=START + timedelta(minutes=30))
    for event in second.events:
        event["detail"]["association-id"] = first.operation_id
    pipeline.deliver(second.events)
    (again,) = digests.sweep(pipeline.store, publisher, now + timedelta(minutes=12)).published
    assert again.subject == "[INFO] Association AWS-UpdateSSMAgent Success: 25 instances succeeded (us-east-1)"
    assert again.document["counts"] == {"Success": 25}
