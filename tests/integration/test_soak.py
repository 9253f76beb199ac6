"""A short soak (the full one, 10,000 events, is `make bench`): nothing lost, nothing twice.

Events from events/ with fresh ids, 10 % delivered twice, 5 % hit by a fault of every kind of
tools/harness/soak.py, from several threads: every event is published or in the dead-letter queue, and a
second copy only ever comes from the documented class (SNS had the message, the record was not
completed), never more than one.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from rich.console import Console

from ssm_event_notifier.cli.console import progress
from tools.harness.sdk_hooks import sdk_backoff_skipped
from tools.harness.soak import KINDS, Resources, create_resources, delete_resources, run_soak

EVENTS = 320
THREADS = 6


@pytest.fixture
def resources(aws_env: None, dynamodb: Any, sns: Any, sqs: Any) -> Iterator[Resources]:
    created = create_resources(dynamodb, sns, sqs)
    yield created
    delete_resources(dynamodb, sns, sqs, created)


def test_soak_every_event_notified_once_or_dead_lettered(sqs: Any, resources: Resources) -> None:
    screen = io.StringIO()  # the bar `make bench` shows on a terminal
    terminal = Console(file=screen, force_terminal=True, width=120)
    with sdk_backoff_skipped():
        result = run_soak(
            sqs=sqs,
            resources=resources,
            events=EVENTS,
            threads=THREADS,
            timeout=0.5,
            progress=lambda total: progress(terminal, total, "soak deliveries", quiet=False),
        )

    assert result["problems"] == [], result
    assert result["unique_events"] == EVENTS
    assert result["deliveries"] == EVENTS + EVENTS // 10
    assert result["faults"] == {kind: EVENTS // 20 // len(KINDS) for kind in KINDS}
    assert result["published_plus_dead_lettered"] == EVENTS
    # The two kinds that always fail end in the dead-letter queue, each event once.
    assert result["dead_lettered_events"] == 2 * EVENTS // 20 // len(KINDS)
    assert result["duplicates_published"] == 0
    # Timeouts after the publish and lost answers give one duplicate each; no more.
    assert result["duplicates_published_documented_case"] >= 2 * EVENTS // 20 // len(KINDS)
    assert (
        result["notifications_received"] == result["published_events"] + result["duplicates_published_documented_case"]
    )
    deliveries = EVENTS + EVENTS // 10
    assert "soak deliveries" in screen.getvalue() and f"{deliveries}/{deliveries}" in screen.getvalue()
