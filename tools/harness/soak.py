"""The soak: many events from events/ with fresh ids, some delivered twice, some hit by a fault,
delivered from several threads, each thread a Lambda execution environment of its own.

Run by tests/integration/test_soak.py (a few hundred events) and bench/ (10,000). The caller
gives the local resources; ``run_soak`` returns what subscribers and the dead-letter queue got,
checked against what each event should have given (``problems`` lists every miss).
"""

from __future__ import annotations

import contextlib
import copy
import os
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tools.harness.faults import ALWAYS, Faults
from tools.harness.handler_loader import load_handler
from tools.harness.lambda_async import AsyncInvocation, AsyncLambda, dead_letters
from tools.harness.samples import family_of, function_of, samples
from tools.harness.sdk_hooks import clients_hooked
from tools.harness.subscribers import HttpSubscriber
from tools.harness.tables import create_idempotency_table, unique_name

# Given the number of deliveries, a context giving advance(outcome), called after each delivery.
Progress = Callable[[int], contextlib.AbstractContextManager[Callable[[str], None]]]


@dataclass(frozen=True)
class Kind:
    operation: str
    error: str
    times: float
    ending: str  # "once", "dead-letter", or "documented": SNS has it, the record was not completed


# The faults a soak event may meet; see tests/integration/test_faults.py for each one alone.
KINDS = {
    "sns-throttled-sdk-retries": Kind("sns.Publish", "Throttling", 2, "once"),
    "sns-throttled-lambda-retries": Kind("sns.Publish", "Throttling", 3, "once"),
    "sns-kms-disabled": Kind("sns.Publish", "KMSDisabled", ALWAYS, "dead-letter"),
    "put-throttled": Kind("dynamodb.PutItem", "ProvisionedThroughputExceededException", 4, "once"),
    "put-failing": Kind("dynamodb.PutItem", "InternalServerError", ALWAYS, "dead-letter"),
    # Published once; a second copy only if the event is redelivered after the record's window.
    "completion-throttled": Kind("dynamodb.UpdateItem", "ThrottlingException", 4, "documented"),
    "timeout-after-publish": Kind("dynamodb.UpdateItem", "timeout", 1, "documented"),
    "lost-publish-answer": Kind("sns.Publish", "lost-answer", 1, "documented"),
}


# The calendar function notifies once per (calendar, state) transition, not once per event: fresh
# ids of one calendar sample are one transition (tests/integration/test_calendar_local.py). The API
# audit notifies once per burst of a principal's call: fresh ids of one sample are one burst
# (tests/integration/test_api_audit_local.py). An AMI is notified once per image and state, whichever
# of its detail-types arrives first: fresh ids of one AMI sample are one report.
PER_TRANSITION = ("calendar",)
PER_BURST = ("api-audit",)
PER_IMAGE_STATE = ("ami",)


def soak_samples() -> list[tuple[str, dict[str, Any]]]:
    """(function, event) for every sample of events/ that the soak's one-message-per-event rule holds for."""
    return [
        (function_of(path), event)
        for path, event in samples()
        if function_of(path) not in PER_TRANSITION and family_of(path) not in (*PER_BURST, *PER_IMAGE_STATE)
    ]


def with_fresh_ids(
    pool: list[tuple[str, dict[str, Any]]], count: int, new_id: Callable[[int], str]
) -> list[tuple[str, dict[str, Any]]]:
    """`count` (function, event) pairs taken from `pool` in turn, each event a copy with the id `new_id(index)`."""
    chosen = []
    for index in range(count):
        function, sample = pool[index % len(pool)]
        event = copy.deepcopy(sample)
        event["id"] = new_id(index)
        chosen.append((function, event))
    return chosen


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass(frozen=True)
class Plan:
    deliveries: list[tuple[str, dict[str, Any]]]  # (function, event), in delivery order
    kinds: dict[str, str]  # event id -> fault kind
    twice: set[str]  # ids delivered twice
    events: int


def plan(events: int, twice_share: float, fault_share: float, seed: int) -> Plan:
    """Events with fresh ids; a share delivered twice (half right after the first), a share faulted."""
    rng = random.Random(seed)
    originals = with_fresh_ids(
        soak_samples(), events, lambda index: f"soak-{index:05d}-{uuid.UUID(int=rng.getrandbits(128))}"
    )
    rng.shuffle(originals)
    ids = [event["id"] for _, event in originals]
    twice = set(rng.sample(ids, round(events * twice_share)))
    faulted = rng.sample(ids, round(events * fault_share))
    names = list(KINDS)
    kinds = {event_id: names[i % len(names)] for i, event_id in enumerate(faulted)}
    deliveries: list[tuple[str, dict[str, Any]]] = []
    later: list[tuple[str, dict[str, Any]]] = []
    for function, event in originals:
        deliveries.append((function, event))
        if event["id"] in twice:
            # EventBridge's duplicates come close together or much later: half of each.
            second = (function, copy.deepcopy(event))
            if rng.random() < 0.5:
                deliveries.append(second)
            else:
                later.append(second)
    for item in later:
        deliveries.insert(rng.randrange(len(deliveries) + 1), item)
    return Plan(deliveries, kinds, twice, events)


def run_soak(
    *,
    sqs: Any,
    resources: Resources,
    events: int,
    threads: int,
    timeout: float,
    twice_share: float = 0.10,
    fault_share: float = 0.05,
    seed: int = 5,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Deliver the plan from `threads` threads (see create_resources for what it needs). `progress(total)`,
    given the number of deliveries, gives the `advance(outcome)` called after each one (the bench's bar)."""
    table_name, topic_arn, dead_letter_queue_url = (
        resources.table_name,
        resources.topic_arn,
        resources.dead_letter_queue_url,
    )
    work = plan(events, twice_share, fault_share, seed)
    faults = Faults()
    for event_id, kind in work.kinds.items():
        spec = KINDS[kind]
        faults.add(spec.operation, spec.error, spec.times, event_id=event_id)
    pending = iter(work.deliveries)
    lock = threading.Lock()
    deliveries: list[AsyncInvocation] = []
    crashes: list[str] = []

    def worker() -> None:
        # One Lambda execution environment: its own handlers, clients and idempotency config.
        functions: dict[str, AsyncLambda] = {}
        while True:
            with lock:
                item = next(pending, None)
            if item is None:
                return
            function, event = item
            try:
                if function not in functions:
                    with (
                        clients_hooked(faults.attach),
                        environment(IDEMPOTENCY_TABLE_NAME=table_name, NOTIFICATION_TOPIC_ARN=topic_arn),
                    ):
                        handler = load_handler(function)
                    functions[function] = AsyncLambda(
                        handler, sqs, dead_letter_queue_url, timeout=timeout, faults=faults
                    )
                delivery = functions[function].deliver(event)
            except BaseException as error:  # a bug of the harness or the handler: report it
                with lock:
                    crashes.append(f"{event.get('id')}: {type(error).__name__}: {error}")
                    advance("crashed")
                continue
            with lock:
                deliveries.append(delivery)
                advance(delivery.outcome)

    started = time.monotonic()
    with (progress or _unshown)(len(work.deliveries)) as advance:  # the workers call it
        pool = [threading.Thread(target=worker, name=f"soak-{i}") for i in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    elapsed = time.monotonic() - started
    copies = Counter(resources.subscriber.copies)  # complete: SNS posts before Publish returns
    dead = Counter(record["requestPayload"]["id"] for record in dead_letters(sqs, dead_letter_queue_url))
    return summarize(work, deliveries, copies, dead, crashes, elapsed, threads)


@contextlib.contextmanager
def _unshown(total: int) -> Iterator[Callable[[str], None]]:
    yield lambda outcome: None


@dataclass(frozen=True)
class Resources:
    """A table, a topic with an HTTP subscriber, and a dead-letter queue."""

    table_name: str
    topic_arn: str
    subscriber: HttpSubscriber
    dead_letter_queue_url: str


def create_resources(dynamodb: Any, sns: Any, sqs: Any) -> Resources:
    # moto posts with `requests`, which would honour a proxy setting: the subscriber is local.
    os.environ["NO_PROXY"] = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))
    table = create_idempotency_table(dynamodb, unique_name("soak"))
    topic = sns.create_topic(Name=unique_name("soak"))["TopicArn"]
    subscriber = HttpSubscriber()
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=subscriber.endpoint)
    dead_letters = sqs.create_queue(QueueName=unique_name("soak-dead-letters"))["QueueUrl"]
    return Resources(table, topic, subscriber, dead_letters)


def delete_resources(dynamodb: Any, sns: Any, sqs: Any, resources: Resources) -> None:
    resources.subscriber.close()
    dynamodb.delete_table(TableName=resources.table_name)
    sns.delete_topic(TopicArn=resources.topic_arn)
    sqs.delete_queue(QueueUrl=resources.dead_letter_queue_url)


def summarize(
    work: Plan,
    deliveries: list[AsyncInvocation],
    copies: Counter[str],
    dead: Counter[str],
    crashes: list[str],
    elapsed: float,
    threads: int,
) -> dict[str, Any]:
    ids = {event["id"] for _, event in work.deliveries}
    # An attempt that ran past its timeout is one Lambda would have stopped: the timeout class.
    overran = {delivery.event["id"] for delivery in deliveries if delivery.overran}
    problems = list(crashes)
    extra_outside = extra_documented = 0
    for event_id in sorted(ids):
        ending = KINDS[work.kinds[event_id]].ending if event_id in work.kinds else "once"
        if event_id in overran and ending == "once":
            ending = "documented"
        got, dead_lettered = copies[event_id], event_id in dead
        if ending == "dead-letter":
            if got or not dead_lettered:
                problems.append(f"{event_id}: {got} published, dead-lettered {dead_lettered}; expected 0 and True")
            continue
        if dead_lettered or got == 0:
            problems.append(f"{event_id}: {got} published, dead-lettered {dead_lettered}; expected published")
        if ending == "documented":
            extra_documented += max(got - 1, 0)
            if got > 2:
                problems.append(f"{event_id}: {got} copies; the documented bound is 2")
        elif got > 1:
            extra_outside += got - 1
            problems.append(f"{event_id}: {got} copies of an event with no fault of the documented class")
    unknown = (set(copies) | set(dead)) - ids
    problems += [f"{event_id}: received, never sent" for event_id in sorted(unknown)]
    outcomes = Counter(delivery.outcome for delivery in deliveries)
    return {
        "events": work.events,
        "deliveries": len(work.deliveries),
        "delivered_twice": len(work.twice),
        "faulted": len(work.kinds),
        "faults": dict(sorted(Counter(work.kinds.values()).items())),
        "threads": threads,
        "published_events": sum(1 for event_id in ids if copies[event_id]),
        "dead_lettered_events": len(set(dead) & ids),
        "published_plus_dead_lettered": sum(1 for event_id in ids if copies[event_id] or event_id in dead),
        "unique_events": len(ids),
        "notifications_received": sum(copies.values()),
        "duplicates_published": extra_outside,
        "duplicates_published_documented_case": extra_documented,
        "outcomes": dict(sorted(outcomes.items())),
        "lambda_attempts": sum(delivery.attempts for delivery in deliveries),
        "attempts_past_their_timeout": sum(delivery.overran for delivery in deliveries),
        "seconds": round(elapsed, 2),
        "events_per_second": round(work.events / elapsed, 1),
        "problems": problems[:20],
        "problem_count": len(problems),
    }
