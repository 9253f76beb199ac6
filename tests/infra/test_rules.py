"""The rules route every sample event to exactly one function, and only this account's events."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.events.models import EventPattern

from ssm_event_notifier.contract.catalog import EVENT_TYPES, FAMILIES, event_type_of, event_types_of
from tests.infra.conftest import EVERY_FAMILY, SAMPLE_CALENDARS, pattern_rules, resources, synthesize
from tools.harness.samples import SAMPLE_FILES, family_of, load, read, sample_id

# Fleet operations (perInstanceNotifications=digest, the default) add one rule: to its buffer queue.
STORM_RULE = "StormControlRule"


def _family_rules(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in pattern_rules(template).items() if not k.startswith(STORM_RULE)}


def _storm_rule(template: dict[str, Any]) -> dict[str, Any]:
    (rule,) = [v for k, v in pattern_rules(template).items() if k.startswith(STORM_RULE)]
    return rule


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


# Families with events outside any fleet-wide operation keep a rule of their own in "digest" mode
# (Run Command, Automation, State Manager and compliance have none left: all their events belong to
# operations).
RULED = [f for f in FAMILIES if any(not e.operation for e in event_types_of(f.name))]


def test_one_rule_per_family_and_the_storm_rule_on_the_default_bus_limited_to_this_account(every_family):
    assert {f.name for f in FAMILIES} - {f.name for f in RULED} == {
        "run-command",
        "automation",
        "state-manager",
        "compliance",
    }
    assert len(_family_rules(every_family)) == len(RULED)
    rules = pattern_rules(every_family).values()
    assert len(rules) == len(RULED) + 1
    for rule in rules:
        props = rule["Properties"]
        assert "EventBusName" not in props  # the default bus
        assert props["EventPattern"]["account"] == [{"Ref": "AWS::AccountId"}]
        assert props["State"] == "ENABLED"


def test_every_detail_type_is_in_exactly_one_family_rule_or_only_in_the_storm_rule(every_family):
    listed: list[str] = []
    for rule in _family_rules(every_family).values():
        listed += rule["Properties"]["EventPattern"]["detail-type"]
    buffered = _storm_rule(every_family)["Properties"]["EventPattern"]["detail-type"]
    # Every event of a fleet-wide operation, the operation's own included, goes only to the buffer:
    # the operation's one message replaces their notifications.
    digested = sorted(e.detail_type for e in EVENT_TYPES if e.operation)
    assert len(digested) == 10
    assert sorted(buffered) == digested
    assert sorted(listed) == sorted(e.detail_type for e in EVENT_TYPES if e.detail_type not in digested)


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=sample_id)
def test_every_sample_event_reaches_its_family_function_or_the_storm_buffer(every_family, path):
    event = read(path)
    matched = _matching_rules(every_family, event, event["account"])
    family = family_of(path)
    expected = "".join(part.capitalize() for part in family.split("-")) + "Events"
    event_type = event_type_of(event["detail-type"], event["detail"], (family,))
    assert event_type is not None
    if event_type.operation:  # only the buffer: one message per operation instead
        assert [name.startswith(STORM_RULE) for name in matched] == [True], matched
    else:
        assert len(matched) == 1, matched
        assert matched[0].startswith(expected)


def test_the_storm_rule_sends_to_the_buffer_queue_with_a_dead_letter_queue(template):
    (target,) = _storm_rule(template)["Properties"]["Targets"]
    (queue,) = [k for k in resources(template, "AWS::SQS::Queue") if k.startswith("StormControlBuffer")]
    assert target["Arn"] == {"Fn::GetAtt": [queue, "Arn"]}
    assert "DeadLetterConfig" in target
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 8


def test_each_mode_routes_every_event_to_its_family_function_as_before():
    template = synthesize(
        perInstanceNotifications="each", enabledFamilies=EVERY_FAMILY, monitoredCalendars=SAMPLE_CALENDARS
    )
    assert not [k for k in pattern_rules(template) if k.startswith(STORM_RULE)]
    listed = [d for rule in pattern_rules(template).values() for d in rule["Properties"]["EventPattern"]["detail-type"]]
    assert sorted(listed) == sorted(e.detail_type for e in EVENT_TYPES)
    for path in SAMPLE_FILES:
        event = read(path)
        assert len(_matching_rules(template, event, event["account"])) == 1, path


@pytest.mark.parametrize("path", SAMPLE_FILES[:3] + SAMPLE_FILES[-3:], ids=sample_id)
def test_events_of_another_account_match_no_rule(template, path):
    event = read(path)
    assert _matching_rules(template, event, "999999999999") == []


def test_custom_events_pretending_to_be_ssm_do_not_match(template):
    event = load("compliance/association-non-compliant")
    event["source"] = "my.app"
    assert _matching_rules(template, event, event["account"]) == []


def test_rule_targets_have_a_dead_letter_queue(template):
    for rule in _family_rules(template).values():
        (target,) = rule["Properties"]["Targets"]
        assert "DeadLetterConfig" in target
        assert target["RetryPolicy"]["MaximumRetryAttempts"] == 8
