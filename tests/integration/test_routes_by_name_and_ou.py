"""Routes by name on a real (moto server) SNS topic: each route's subscription, with the filter policy
the synthesized template gives it, receives exactly the messages whose `name` it admits (a prefix, a
suffix)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from notifier.core.models import parse_event
from notifier.core.render import Notification, render
from notifier.delivery.publisher import Publisher
from notifier.fleet.digest_messages import render_digest
from notifier.fleet.summaries import ItemState, summarize
from tests.infra.conftest import synthesize
from tests.unit.test_operation_kinds import NOW, record
from tools.harness.samples import load
from tools.harness.subscribers import subscribe_for_emails
from tools.harness.tables import unique_name

Drain = Callable[[str], list[dict[str, Any]]]


def _routes_file(tmp_path: Path, matches: dict[str, dict[str, list[str]]]) -> str:
    """A routes file: route -> its match, each to <route>@example.com, and a catch-all to all@example.com."""
    routes = [
        {"name": name, "match": match, "to": [{"email": f"{name}@example.com"}]} for name, match in matches.items()
    ]
    routes.append({"name": "everything", "match": {}, "to": [{"email": "all@example.com"}]})
    path = tmp_path / "routes.json"
    path.write_text(json.dumps({"routes": routes}))
    return str(path)


def _received(queues: dict[str, str], drain: Drain, label: Callable[[dict[str, Any]], str]) -> dict[str, list[str]]:
    """Each address's local part (the route's name; `all`: the catch-all's) -> the labels of the
    documents its subscription received."""
    return {
        address.split("@")[0]: sorted(label(json.loads(m["Body"])) for m in drain(url))
        for address, url in queues.items()
    }


def _command(document: str) -> dict[str, Any]:
    raw = load("run-command/command-failed")
    raw["detail"]["document-name"] = document
    return raw


def _shell_digest() -> Notification:
    shell = record("command", "run-command", "Failed", command_id="c-1", document_name="AWS-RunShellScript")
    return render_digest(summarize(shell, [ItemState("i-0abc", "Failed", "2026-03-02T10:05:00Z")], [], NOW))


def test_a_route_by_name_receives_the_messages_of_the_names_it_matches(
    tmp_path: Path, sns: Any, sqs: Any, drain: Drain
) -> None:
    routes = _routes_file(
        tmp_path, {"run-scripts": {"names": ["AWS-Run*"]}, "baselines": {"names": ["*PatchBaseline"]}}
    )
    topic_arn = sns.create_topic(Name=unique_name("routes-by-name"))["TopicArn"]
    queues = subscribe_for_emails(sns, sqs, topic_arn, synthesize(routes=routes))
    raws = {
        "shell command": load("run-command/command-failed"),  # AWS-RunShellScript
        "shell invocation": load("run-command/invocation-failed"),  # AWS-RunShellScript
        "patch command": _command("AWS-ApplyPatchBaseline"),
        "look-alike command": _command("Team-AWS-RunShellScript"),  # AWS-Run within, not at the start
        "parameter": load("parameter-store/create"),  # MyExampleParameter
        "inventory": load("inventory/custom-type-deleted"),  # names nothing
    }
    notifications = {label: render(parse_event(raw), raw) for label, raw in raws.items()}
    notifications["shell digest"] = _shell_digest()
    by_subject = {n.subject: label for label, n in notifications.items()}
    assert len(by_subject) == len(notifications)  # each told apart by its subject
    for notification in notifications.values():
        Publisher(sns, topic_arn).publish(notification)

    received = _received(queues, drain, lambda document: by_subject[document["subject"]])
    assert received == {
        "run-scripts": ["shell command", "shell digest", "shell invocation"],
        "baselines": ["patch command"],
        "all": sorted(notifications),
    }
