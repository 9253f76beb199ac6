"""The on-call key of a notification (pure): one incident per thing that fails, kept from run to run, so
that the next run of the same window, command or runbook updates it, or resolves it when it succeeds."""

from __future__ import annotations

import json
from typing import Any

import pytest

from notifier.core.models import parse_event
from notifier.fleet.observations import observe
from notifier.routes.incidents import action_of, incident_key
from tools.harness.digests import run_digest
from tools.harness.samples import EVENTS_DIR, read


def _digest(kind: str, run: str, status: str, **fields: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(run_digest(kind, run, status, **fields).document))
    return document


@pytest.mark.parametrize(
    ("kind", "same", "other"),
    [
        ("window-execution", {"window_id": "mw-1"}, {"window_id": "mw-2"}),
        ("automation", {"definition": "AWS-RestartEC2Instance"}, {"definition": "AWS-StopEC2Instance"}),
        (
            "command",
            {"document_name": "AWS-RunShellScript", "parameters_digest": "aaaa"},
            {"document_name": "AWS-RunShellScript", "parameters_digest": "bbbb"},
        ),
    ],
)
def test_the_next_run_of_the_same_thing_has_the_same_key_and_another_thing_another(
    kind: str, same: dict[str, str], other: dict[str, str]
) -> None:
    failed = _digest(kind, "run-1", "Failed", **same)
    recovered = _digest(kind, "run-2", "Success", **same)
    elsewhere = _digest(kind, "run-3", "Failed", **other)

    assert (action_of(failed), action_of(recovered)) == ("trigger", "resolve")
    assert incident_key(failed) == incident_key(recovered)
    assert incident_key(elsewhere) != incident_key(failed)
    assert "run-" not in incident_key(failed)  # no run's own id


def test_an_operation_without_those_fields_keeps_its_own_key() -> None:
    """An older operation record (before the fields were recorded) is still one incident: its run's."""
    document = _digest("command", "c-9", "Failed", command_id="c-9")
    assert incident_key(document) == "123456789012/eu-west-1/command#c-9"


def test_a_command_records_the_digest_of_its_parameters_and_two_scripts_differ() -> None:
    raw = read(EVENTS_DIR / "run-command/command-failed.json")
    digest = observe(parse_event(raw)).fields["parameters_digest"]
    assert len(digest) == 16
    raw["detail"]["parameters"]["commands"] = ["systemctl restart nginx"]
    changed = observe(parse_event(raw)).fields["parameters_digest"]
    assert changed != digest
    # The same parameters, listed in another order, are the same command.
    raw["detail"]["parameters"] = dict(reversed(list(raw["detail"]["parameters"].items())))
    assert observe(parse_event(raw)).fields["parameters_digest"] == changed
