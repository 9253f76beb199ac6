"""The rules route every sample event to exactly one function, and only this account's events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from moto.events.models import EventPattern

from notifier.catalog import EVENT_TYPES, FAMILIES
from tests.infra.conftest import pattern_rules

EVENTS = sorted(Path("events").glob("*/*.json"))


def _resolve(value: Any, account: str) -> Any:
    if value == {"Ref": "AWS::AccountId"}:
        return account
    if isinstance(value, list):
        return [_resolve(v, account) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, account) for k, v in value.items()}
    return value


def _matching_rules(template: dict[str, Any], event: dict[str, Any], account: str) -> list[str]:
    matched = []
    for name, rule in pattern_rules(template).items():
        pattern = _resolve(rule["Properties"]["EventPattern"], account)
        if EventPattern.load(json.dumps(pattern)).matches_event(event):  # type: ignore[arg-type]
            matched.append(name)
    return matched


def test_one_rule_per_family_on_the_default_bus_limited_to_this_account(template):
    rules = pattern_rules(template).values()
    assert len(rules) == len(FAMILIES)
    for rule in rules:
        props = rule["Properties"]
        assert "EventBusName" not in props  # the default bus
        assert props["EventPattern"]["account"] == [{"Ref": "AWS::AccountId"}]
        assert props["State"] == "ENABLED"


def test_every_detail_type_is_in_exactly_one_rule(template):
    listed: list[str] = []
    for rule in pattern_rules(template).values():
        listed += rule["Properties"]["EventPattern"]["detail-type"]
    assert sorted(listed) == sorted(e.detail_type for e in EVENT_TYPES)


@pytest.mark.parametrize("path", EVENTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_sample_event_matches_exactly_one_rule_that_targets_its_family_function(template, path):
    event = json.loads(path.read_text())
    matched = _matching_rules(template, event, event["account"])
    assert len(matched) == 1, matched
    family = path.parent.name
    expected = "".join(part.capitalize() for part in family.split("-")) + "Events"
    assert matched[0].startswith(expected)


@pytest.mark.parametrize("path", EVENTS[:3] + EVENTS[-3:], ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_events_of_another_account_match_no_rule(template, path):
    event = json.loads(path.read_text())
    assert _matching_rules(template, event, "999999999999") == []


def test_custom_events_pretending_to_be_ssm_do_not_match(template):
    event = json.loads(Path("events/compliance/association-non-compliant.json").read_text())
    event["source"] = "my.app"
    assert _matching_rules(template, event, event["account"]) == []


def test_rule_targets_have_a_dead_letter_queue(template):
    for rule in pattern_rules(template).values():
        (target,) = rule["Properties"]["Targets"]
        assert "DeadLetterConfig" in target
        assert target["RetryPolicy"]["MaximumRetryAttempts"] == 8
