"""Routes on a real (moto server) SNS topic: each route's subscription, with the filter policy the
synthesized template gives it, receives exactly its team's messages, rendered from the samples as the
functions render them, from three accounts; the catch-all receives every one."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from notifier.core.models import parse_event
from notifier.core.render import render
from notifier.delivery.publisher import Publisher
from tests.infra.conftest import synthesize
from tools.harness.samples import EVENTS_DIR, read
from tools.harness.subscribers import subscribe_for_emails

THREE_TEAMS = Path(__file__).parents[1] / "fixtures" / "routes_three_teams.json"
ACCOUNTS = ("111111111111", "222222222222", "333333333333")
SAMPLES = ("ami/failed.json", "ami/available.json", "run-command/command-failed.json", "parameter-store/create.json")


def _notifications() -> dict[str, Any]:
    """ "<account> <subject>" -> the notification of each sample from each account; the AMIs of the
    third account in another region."""
    rendered = {}
    for account in ACCOUNTS:
        for sample in SAMPLES:
            raw = copy.deepcopy(read(EVENTS_DIR / sample))
            raw["account"] = account
            if account == ACCOUNTS[2] and sample.startswith("ami/"):
                raw["region"] = "eu-west-1"
            notification = render(parse_event(raw), raw)
            rendered[f"{account} {notification.subject}"] = notification
    return rendered


def test_each_route_receives_exactly_its_messages(
    tmp_path: Path, sns: Any, sqs: Any, drain: Callable[[str], list[dict[str, Any]]]
) -> None:
    topic_arn = sns.create_topic(Name="routes-notifications")["TopicArn"]
    queues = subscribe_for_emails(sns, sqs, topic_arn, synthesize(routes=str(THREE_TEAMS)))
    notifications = _notifications()
    assert len(notifications) == len(ACCOUNTS) * len(SAMPLES)  # each one told apart by account and subject
    for notification in notifications.values():
        Publisher(sns, topic_arn).publish(notification)
    received = {}
    for address, url in queues.items():
        documents = [json.loads(message["Body"]) for message in drain(url)]
        received[address] = sorted(f"{d['account']} {d['subject']}" for d in documents)

    def expected(keep: Callable[[dict[str, str]], bool]) -> list[str]:
        return sorted(key for key, n in notifications.items() if keep(n.attributes))

    assert received["audit@example.com"] == sorted(notifications)
    assert received["payments-oncall@example.com"] == expected(
        lambda a: a["account"] == "111111111111" and a["severity"] in ("error", "warning")
    )
    assert received["web@example.com"] == expected(
        lambda a: a["account"] == "222222222222" and a["family"] == "run-command"
    )
    assert received["img@example.com"] == expected(lambda a: a["family"] == "ami" and a["region"] == "eu-west-1")
    # Each team's route matched some messages, not all: the policies split the stream.
    assert [len(received[a]) for a in ("payments-oncall@example.com", "web@example.com", "img@example.com")] == [
        2,
        1,
        2,
    ]
