"""Routes on the local pipeline: `tools.replay -c routes=…` runs the synthesized route relay from its bundled
asset, its destinations a local HTTP stand-in and its secrets made from `--secrets`; each row's `deliveries`
are the requests the stand-in received for its notifications. Three teams in three accounts, and on call."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from notifier.chat.card import chat_payload
from tests.integration.test_replay import replay
from tools.harness.samples import load

ROUTES = Path(__file__).parents[1] / "fixtures" / "routes_replay.json"
ACCOUNTS = {"payments": "111111111111", "web": "222222222222", "data": "333333333333"}
SAMPLES = ("ami/failed", "ami/available", "ami/deregistered", "parameter-store/delete", "parameter-store/create")
FAILED = "events/state-manager/instance-association-failed.json"
RECOVERED = "events/state-manager/instance-association-recovered.json"
ROUTING_KEY = "pd-routing-key-replay-0123456789"
SIGNING_KEY = "json-signing-key-replay-0123456789"
SECRETS = {
    "payments/hook": {"url": "{receiver}/hooks/payments", "signingKey": SIGNING_KEY},
    "web/slack": "{receiver}/hooks/web",
    "data/teams": "{receiver}/hooks/data",
    "data/jsm": {"apiKey": "jsm-api-key-replay"},
    "oncall/pagerduty": {"routingKey": ROUTING_KEY},
    "web/instances": {"url": "{receiver}/hooks/web-instances", "signingKey": SIGNING_KEY},
    "db/instances": {"url": "{receiver}/hooks/db-instances", "signingKey": SIGNING_KEY},
}
# A patch run over two teams' instances, their tags answered by its tags.reads.json (DescribeTags).
OWNERS = "examples/owners"


def _owned_by(route: str) -> Callable[[dict[str, str]], bool]:
    return lambda a: route in json.loads(a.get("owner_routes", "[]"))


# What each relayed destination must receive, said from the notification's own attributes (the filter
# policies the synthesized template gives the destinations' queues must admit exactly these).
EXPECTED: dict[str, Callable[[dict[str, str]], bool]] = {
    "payments-team/1": lambda a: a["account"] == ACCOUNTS["payments"] and a["severity"] in ("error", "warning"),
    "web-owners/0": lambda a: a["account"] == ACCOUNTS["web"] and a["family"] in ("ami", "parameter-store"),
    "data-team/0": lambda a: a["account"] == ACCOUNTS["data"] and a["severity"] == "error",
    "data-team/1": lambda a: a["account"] == ACCOUNTS["data"] and a["severity"] == "error",
    "data-team/2": lambda a: a["account"] == ACCOUNTS["data"] and a["severity"] == "error",
    "on-call/0": lambda a: a["family"] == "state-manager",
    "web-instances/0": _owned_by("web-instances"),
    "db-instances/0": _owned_by("db-instances"),
}


def _samples(folder: Path) -> None:
    """Each sample from each team's account, with an id of its own (a repeated id is a duplicate)."""
    for team, account in ACCOUNTS.items():
        for name in SAMPLES:
            event = {**load(name), "account": account}
            event["id"] = f"{event['id']}-{team}"
            (folder / f"{team}-{name.replace('/', '-')}.json").write_text(json.dumps(event))


def _secrets(folder: Path) -> str:
    path = folder / "secrets.json"
    path.write_text(json.dumps(SECRETS))
    return str(path)


def _passes(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of the first and of the second pass (the second begins where the first file comes again)."""
    second = next(i for i, row in enumerate(rows) if i and row["file"] == rows[0]["file"])
    return rows[:second], rows[second:]


def _accepted(stderr: str) -> dict[str, int]:
    """The counts the replay ends with: destination id -> requests it accepted, over the whole run."""
    return {m[2]: int(m[1]) for m in re.finditer(r"^\s+(\d+)\s+([\w.-]+/\d+) ", stderr, re.M)}


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, list[dict[str, Any]], str]:
    folder = tmp_path_factory.mktemp("routes")
    secrets = _secrets(folder)
    events = folder / "events"
    events.mkdir()
    _samples(events)
    return replay(
        "--repeat",
        "2",
        "-c",
        f"routes={ROUTES}",
        "--secrets",
        secrets,
        "--later",
        RECOVERED,
        str(events),
        FAILED,
        OWNERS,
    )


def test_each_destination_receives_exactly_its_teams_messages_once(replayed) -> None:
    code, rows, stderr = replayed
    assert code == 0, stderr
    first, _ = _passes(rows)
    notifications = [n for row in first for n in row["notifications"]]
    assert len({n["attributes"]["account"] for n in notifications}) == 4  # three teams' and the association's
    received: dict[str, list[str]] = {destination: [] for destination in EXPECTED}
    for row in first:
        for delivery in row["deliveries"]:
            # A route's Slack channel: the card on its chat topic (no request, no answer).
            assert delivery["kind"] == "chat" or delivery["status"] in (200, 202), delivery
            received[delivery["destination"]].append(delivery["messageId"])
    for destination, admits in EXPECTED.items():
        expected = sorted(n["messageId"] for n in notifications if admits(n["attributes"]))
        assert expected, destination  # each destination has something to receive
        assert sorted(received[destination]) == expected, destination
    # Each delivery names its route and kind; the JSON webhook's body is the notification's document.
    documents = {n["messageId"]: n["json"] for n in notifications}
    kinds = {d["destination"]: (d["route"], d["kind"]) for row in first for d in row["deliveries"]}
    assert kinds == {
        "payments-team/1": ("payments-team", "webhook"),
        "web-owners/0": ("web-owners", "webhook"),
        "data-team/0": ("data-team", "webhook"),
        "data-team/1": ("data-team", "jsm"),
        "data-team/2": ("data-team", "chat"),
        "on-call/0": ("on-call", "pagerduty"),
        "web-instances/0": ("web-instances", "webhook"),
        "db-instances/0": ("db-instances", "webhook"),
    }
    for row in first:
        for delivery in row["deliveries"]:
            if delivery["destination"] == "payments-team/1":
                assert delivery["payload"] == documents[delivery["messageId"]]
            if delivery["destination"] == "data-team/0":
                assert delivery["payload"]["attachments"][0]["content"]["type"] == "AdaptiveCard"
            if delivery["destination"] == "data-team/2":  # the chat relay's card, for the route's channel
                assert delivery["payload"] == chat_payload(documents[delivery["messageId"]])
    # The route's e-mail subscription, through the same filter policy as its webhook.
    emailed = sorted(n["messageId"] for n in notifications if "payments@example.com" in n["emailedTo"])
    assert emailed == sorted(received["payments-team/1"])


def test_pagerduty_gets_the_failure_then_its_recovery_on_one_dedup_key(replayed) -> None:
    _code, rows, _stderr = replayed
    first, _ = _passes(rows)
    paged = [
        (n["subject"], d["payload"], n["json"])
        for row in first
        for n in row["notifications"]
        for d in row["deliveries"]
        if d["destination"] == "on-call/0" and d["messageId"] == n["messageId"]
    ]
    assert [(subject, event["event_action"]) for subject, event, _ in paged] == [
        ("[ERROR] Association AWS-RunShellScript Failed on i-0d5e6f7a8bEXAMPLE (us-east-2)", "trigger"),
        ("[INFO] Association AWS-RunShellScript Success on i-0d5e6f7a8bEXAMPLE (us-east-2)", "resolve"),
    ]
    (_, trigger, failed), (_, resolve, _) = paged
    assert trigger["dedup_key"] == resolve["dedup_key"]
    assert trigger["routing_key"] == ROUTING_KEY  # the secret's value, read from the local Secrets Manager
    assert trigger["payload"]["severity"] == "error"
    # Why it failed, as data an on-call rule can use, as the notification says it.
    assert trigger["payload"]["custom_details"]["failure"] == failed["failure"] and failed["failure"]["reasons"]


def test_a_second_pass_delivers_nothing_more(replayed) -> None:
    _code, rows, stderr = replayed
    first, second = _passes(rows)
    assert [d for row in second for d in row["deliveries"]] == []
    # Nor anything that no row shows: every request the stand-in accepted is on a first-pass row.
    shown: dict[str, int] = {}
    for row in first:
        for delivery in row["deliveries"]:
            shown[delivery["destination"]] = shown.get(delivery["destination"], 0) + 1
    assert _accepted(stderr) == shown
    assert "earlier wave" not in stderr


def test_a_throttled_or_failing_destination_gets_the_message_on_a_later_try(tmp_path: Path) -> None:
    code, rows, stderr = replay(
        "-c", f"routes={ROUTES}", "--secrets", _secrets(tmp_path), "--answer", "/pagerduty=429,500", FAILED
    )
    tries = [d for row in rows for d in row["deliveries"] if d["destination"] == "on-call/0"]
    assert [d["status"] for d in tries] == [429, 500, 202]
    assert len({json.dumps(d["payload"], sort_keys=True) for d in tries}) == 1  # the same event, tried again
    assert len({d["messageId"] for d in tries}) == 1
    # The relay's batches that the stand-in refused failed, and were read again until delivered.
    relayed = [row["outcome"] for row in rows if row["function"] == "RouteRelay"]
    assert relayed == ["failed", "failed", "recorded"], stderr
    assert code == 1
    assert re.search(r"^\s+1\s+on-call/0 pagerduty \(trigger 1\); also answered 429 x1, 500 x1$", stderr, re.M)


def test_a_fleet_message_over_two_owners_reaches_each_owners_route_as_its_own_message(replayed) -> None:
    _code, rows, _stderr = replayed
    first, _ = _passes(rows)
    (whole,) = [n for row in first for n in row["notifications"] if "AWS-RunPatchBaseline" in n["subject"]]
    # Everyone else (the catch-all topic's subscribers) gets the whole operation.
    assert "Failed: 1 of 5 instances failed" in whole["subject"]
    views = {
        d["destination"]: d["payload"]
        for row in first
        for d in row["deliveries"]
        if d["messageId"] == whole["messageId"]
    }
    assert set(views) == {"web-instances/0", "db-instances/0"}
    web, db = views["web-instances/0"], views["db-instances/0"]
    assert "1 of your 2 instances failed" in web["subject"] and web["total"] == 2
    assert [item["instanceId"] for item in web["failed"]] == ["i-0a11111111EXAMPLE"]
    assert "Success: your 3 instances succeeded" in db["subject"] and db["total"] == 3 and db["failed"] == []
    assert db["severity"] == "info" and web["severity"] == "error"
    # Each names its owners' instances only.
    assert "i-0b" not in json.dumps(web) and "i-0a" not in json.dumps(db)
