"""The on-call key of a notification (pure): one incident per thing that fails, kept from run to run, so
that the next run of the same window, or of the same command on the same instances, updates it, or resolves
it when it succeeds; and never resolved by a success of something else."""

from __future__ import annotations

import json
from typing import Any

import pytest

from notifier.core.models import parse_event
from notifier.core.render import render
from notifier.fleet.observations import observe
from notifier.routes.incidents import action_of, incident_key
from tools.harness.digests import run_digest
from tools.harness.samples import EVENTS_DIR, read


def _digest(
    kind: str, run: str, status: str, fields: dict[str, str], items: tuple[str, ...] = ("i-0001",)
) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(run_digest(kind, run, status, items, **fields).document))
    return document


PATCH = {"document_name": "AWS-RunPatchBaseline", "parameters_digest": "aaaa"}


@pytest.mark.parametrize(
    ("kind", "same", "other"),
    [
        ("window-execution", {"window_id": "mw-1"}, {"window_id": "mw-2"}),
        ("command", PATCH, {**PATCH, "parameters_digest": "bbbb"}),
        ("command", PATCH, {**PATCH, "document_name": "AWS-RunShellScript"}),
    ],
)
def test_the_next_run_of_the_same_thing_has_the_same_key_and_another_thing_another(
    kind: str, same: dict[str, str], other: dict[str, str]
) -> None:
    failed = _digest(kind, "run-1", "Failed", same)
    recovered = _digest(kind, "run-2", "Success", same)
    elsewhere = _digest(kind, "run-3", "Failed", other)

    assert (action_of(failed), action_of(recovered)) == ("trigger", "resolve")
    assert incident_key(failed) == incident_key(recovered)
    assert incident_key(elsewhere) != incident_key(failed)
    assert "run-" not in incident_key(failed)  # no run's own id


def test_the_same_command_on_other_instances_is_another_incident_its_success_resolves_nothing_here() -> None:
    """Team A's patch run fails; the same document and parameters succeed on team B's instances."""
    failed = _digest("command", "run-1", "Failed", PATCH, ("i-000a", "i-000b"))
    elsewhere = _digest("command", "run-2", "Success", PATCH, ("i-000c",))
    again = _digest("command", "run-3", "Success", PATCH, ("i-000b", "i-000a"))  # listed in another order

    assert incident_key(elsewhere) != incident_key(failed)
    assert incident_key(again) == incident_key(failed)


def test_each_automation_execution_is_an_incident_of_its_own() -> None:
    """A runbook's events name neither its targets nor its parameters: the same runbook succeeding in another
    execution (on other instances, perhaps) must not resolve this one's failure."""
    runbook = {"definition": "AWS-RestartEC2Instance"}
    failed = _digest("automation", "e-1", "Failed", {"execution_id": "e-1", **runbook})
    other = _digest("automation", "e-2", "Success", {"execution_id": "e-2", **runbook})
    assert incident_key(failed) == "123456789012/eu-west-1/automation#e-1"
    assert incident_key(other) != incident_key(failed)
    # Its status event alone (per-instance messages): keyed by its execution id too.
    raw = read(EVENTS_DIR / "automation/execution-failed.json")
    alone = json.loads(json.dumps(render(parse_event(raw), raw).document))
    assert incident_key(alone) == f"{raw['account']}/{raw['region']}/automation/{raw['detail']['ExecutionId']}"


@pytest.mark.parametrize(
    "fields",
    [{"command_id": "c-9"}, {"command_id": "c-9", "document_name": "AWS-RunPatchBaseline"}],
    ids=["older record", "parent event not heard"],
)
def test_an_operation_without_every_one_of_those_fields_keeps_its_own_key(fields: dict[str, str]) -> None:
    """An older operation record (before the fields were recorded), or one whose parameters were never heard,
    is still one incident: its run's, never one shared with every run of the document."""
    document = _digest("command", "c-9", "Failed", fields)
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
