"""Context settings change the stack as the settings page says, and bad values fail the synth clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ssm_event_notifier.settings import SettingsError
from tests.infra.conftest import pattern_rules, resources, synthesize


def test_cdk_json_defaults_are_documented_settings():
    """Each setting cdk.json gives is a row of the settings page, and the README names it (the settings a
    newcomer sets first)."""
    context = json.loads(Path("cdk.json").read_text())["context"]
    ours = [name for name in context if not name.startswith("@")]
    assert {"notificationEmails", "enabledFamilies", "dedupeWindowMinutes", "logRetentionDays"} <= set(ours)
    for name in ours:
        assert f"| `{name}` |" in Path("docs/settings.md").read_text(), name
        assert f"`{name}`" in Path("README.md").read_text(), name


def test_emails_subscriptions_families_and_windows_from_context():
    template = synthesize(
        notificationEmails="ops@example.com, oncall@example.com",
        operationsEmails=["platform@example.com"],
        enabledFamilies="ami,calendar",
        dedupeWindowMinutes="60",
        logRetentionDays="30",
        monitoredCalendars="ConsoleCalendar",
        reconcileRateMinutes="10",
        missedTransitionGraceMinutes="30",
    )
    subscriptions = resources(template, "AWS::SNS::Subscription").values()
    assert sorted(s["Properties"]["Endpoint"] for s in subscriptions) == [
        "oncall@example.com",
        "ops@example.com",
        "platform@example.com",
    ]
    assert {s["Properties"]["Protocol"] for s in subscriptions} == {"email"}
    # What SNS cannot deliver by e-mail waits in one queue, alarmed (docs/security.md).
    (undelivered,) = [k for k in resources(template, "AWS::SQS::Queue") if k.startswith("TopicsUndeliveredEmails")]
    assert {json.dumps(s["Properties"]["RedrivePolicy"]) for s in subscriptions} == {
        json.dumps({"deadLetterTargetArn": {"Fn::GetAtt": [undelivered, "Arn"]}})
    }
    assert any(
        a["Properties"]["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [undelivered, "QueueName"]}}]
        for a in resources(template, "AWS::CloudWatch::Alarm").values()
    )
    rules = pattern_rules(template).values()
    assert sorted(r["Properties"]["EventPattern"]["detail-type"][0] for r in rules) == [
        "Calendar State Change",
        "EC2 AMI State Change",
    ]
    functions = resources(template, "AWS::Lambda::Function").values()
    assert sorted(f["Properties"]["Handler"] for f in functions) == [
        "handlers.ami.handler",
        "handlers.calendar.handler",
        "handlers.calendar_reconciler.handler",
        "handlers.notices.handler",
    ]
    assert {f["Properties"]["Environment"]["Variables"]["DEDUPE_WINDOW_SECONDS"] for f in functions} == {"3600"}
    assert {g["Properties"]["RetentionInDays"] for g in resources(template, "AWS::Logs::LogGroup").values()} == {30}
    (reconciler,) = [f for f in functions if f["Properties"]["Handler"] == "handlers.calendar_reconciler.handler"]
    variables = reconciler["Properties"]["Environment"]["Variables"]
    assert variables["MONITORED_CALENDARS"] == "ConsoleCalendar,ProductionChangeFreeze"
    assert variables["GRACE_MINUTES"] == "30"
    schedules = [
        r for r in resources(template, "AWS::Events::Rule").values() if "ScheduleExpression" in r["Properties"]
    ]
    # The reconciler's, and the advance notices' (its own rate).
    assert sorted(s["Properties"]["ScheduleExpression"] for s in schedules) == ["rate(10 minutes)", "rate(5 minutes)"]


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"enabledFamilies": "ami,patching"}, "enabledFamilies: unknown patching"),
        ({"notificationEmails": "not-an-address"}, "'not-an-address' is not an e-mail address"),
        ({"dedupeWindowMinutes": "soon"}, "dedupeWindowMinutes: expected a whole number"),
        ({"logRetentionDays": "10"}, "logRetentionDays: 10 is not one of"),
        ({"missedTransitionGraceMinutes": "10"}, "missedTransitionGraceMinutes: 10 is outside 16"),
    ],
)
def test_bad_settings_fail_the_synth_naming_the_setting(context, message):
    with pytest.raises(SettingsError, match=message):
        synthesize(**context)
