"""The calendar edits' rule, proved with moto's EventBridge pattern matcher: of a console edit's four
CloudTrail records only the one that puts the version into effect invokes the calendar function, and
only for the monitored calendars; the function learns which calendars the repository deploys."""

from __future__ import annotations

import copy
import json
from typing import Any

from moto.events.models import EventPattern

from ssm_event_notifier.contract.calendar_rules import content_hash
from tests.infra.conftest import SAMPLE_CALENDARS, pattern_rules, resources, synthesize
from tools import REPO_ROOT

ACCOUNT = "123456789012"
RECORDS = json.loads((REPO_ROOT / "tests/fixtures/calendar_edit_records.json").read_text())


def _matching(template: dict[str, Any], event: dict[str, Any]) -> list[str]:
    found = []
    for name, rule in pattern_rules(template).items():
        pattern = json.loads(
            json.dumps(rule["Properties"]["EventPattern"]).replace('{"Ref": "AWS::AccountId"}', f'"{ACCOUNT}"')
        )
        if EventPattern.load(json.dumps(pattern)).matches_event(event):  # type: ignore[arg-type]
            found.append(name)
    return found


def test_of_a_console_edit_only_the_default_version_change_of_a_monitored_calendar_matches(every_family):
    matched = [_matching(every_family, record) for record in RECORDS]
    assert [len(rules) for rules in matched] == [0, 0, 0, 1]
    assert matched[3][0].startswith("CalendarEditsEvents")
    other = copy.deepcopy(RECORDS[3])
    other["detail"]["requestParameters"]["name"] = "SomebodyElsesDocument"
    assert _matching(every_family, other) == []
    created = json.loads((REPO_ROOT / "events/calendar-edits/created.json").read_text())
    assert [name[:19] for name in _matching(every_family, created)] == ["CalendarEditsEvents"]


def test_the_calendar_function_knows_the_repository_calendars_and_the_reconciler_rate(every_family):
    (function,) = [
        f for k, f in resources(every_family, "AWS::Lambda::Function").items() if k.startswith("CalendarNotifier")
    ]
    variables = function["Properties"]["Environment"]["Variables"]
    deployed = (REPO_ROOT / "calendars/ProductionChangeFreeze.ics").read_text()
    assert variables["REPOSITORY_CALENDARS"] == f"ProductionChangeFreeze={content_hash(deployed)}"
    assert variables["RECONCILE_RATE_MINUTES"] == "5"
    (rule,) = [r for k, r in pattern_rules(every_family).items() if k.startswith("CalendarEditsEvents")]
    names = rule["Properties"]["EventPattern"]["detail"]["requestParameters"]["name"]
    assert names == sorted({"ProductionChangeFreeze", *SAMPLE_CALENDARS.split(",")})


def test_without_calendar_edits_there_is_no_rule_and_no_setting():
    template = synthesize(enabledFamilies="calendar")
    assert not [k for k in pattern_rules(template) if k.startswith("CalendarEditsEvents")]
    (function,) = [
        f for k, f in resources(template, "AWS::Lambda::Function").items() if k.startswith("CalendarNotifier")
    ]
    assert "REPOSITORY_CALENDARS" not in function["Properties"]["Environment"]["Variables"]
