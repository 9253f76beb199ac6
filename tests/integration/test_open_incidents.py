"""The route relay's record of the incidents it opened (notifier.routes.open_incidents) on DynamoDB Local:
who may resolve one, when, and what a trigger during a resolve leaves."""

from __future__ import annotations

from typing import Any

from notifier.routes.open_incidents import CLAIM_SECONDS, NOT_OPEN, OPEN_SECONDS, RESOLVING, OpenIncidents
from notifier.state_table import EXPIRY_ATTRIBUTE
from tools.harness.tables import scan_all

INCIDENT = "123456789012/us-east-2/state-manager/association/i-0123/AWS-RunShellScript"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_one_delivery_at_a_time_resolves_an_incident_and_its_own_retry_may_again(
    dynamodb: Any, idempotency_table: str
) -> None:
    clock = Clock()
    incidents = OpenIncidents(dynamodb, idempotency_table, clock)
    assert incidents.claim("oncall/0", INCIDENT, "a") == NOT_OPEN
    incidents.opened("oncall/0", INCIDENT, "failed")

    assert incidents.claim("oncall/1", INCIDENT, "a") == NOT_OPEN  # open at one destination, not every one
    assert incidents.claim("oncall/0", INCIDENT, "a") is None
    assert incidents.claim("oncall/0", INCIDENT, "b") == RESOLVING
    assert incidents.claim("oncall/0", INCIDENT, "a") is None  # a's retry, its POST perhaps out already
    clock.now += CLAIM_SECONDS + 1  # a stopped for good
    assert incidents.claim("oncall/0", INCIDENT, "b") is None
    incidents.resolved("oncall/0", INCIDENT, "a")  # too late: b holds it now
    assert incidents.claim("oncall/0", INCIDENT, "c") == RESOLVING
    incidents.resolved("oncall/0", INCIDENT, "b")
    assert incidents.claim("oncall/0", INCIDENT, "c") == NOT_OPEN


def test_a_failure_during_a_resolve_leaves_its_incident_open_for_the_next_recovery(
    dynamodb: Any, idempotency_table: str
) -> None:
    clock = Clock()
    incidents = OpenIncidents(dynamodb, idempotency_table, clock)
    incidents.opened("oncall/0", INCIDENT, "failed")
    assert incidents.claim("oncall/0", INCIDENT, "recovered") is None
    clock.now += 60
    incidents.opened("oncall/0", INCIDENT, "failed-again")  # its trigger may reach PagerDuty after the resolve
    incidents.resolved("oncall/0", INCIDENT, "recovered")

    (item,) = scan_all(dynamodb, idempotency_table)
    assert item["openedBy"]["S"] == "failed-again" and "resolvingBy" not in item
    assert int(item[EXPIRY_ATTRIBUTE]["N"]) == int(clock.now) + OPEN_SECONDS  # renewed by the repeat failure
    assert incidents.claim("oncall/0", INCIDENT, "recovered-again") is None
