"""SsmEventNotifier, the construct teams add to their own app: every setting is a keyword argument, the
same as its CDK context, and a wrong name or value is refused naming it."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from app import settings_of
from ssm_event_notifier import NotifierSettings, NotifierStack, SettingsError, SsmEventNotifier
from ssm_event_notifier.setting_names import settings_from_context
from ssm_event_notifier.settings import context_name
from tests.infra.conftest import synthesize
from tools import REPO_ROOT

# A few settings of each kind (list, number, choice, chat, organization), as context and as keywords.
CONTEXT = {
    "notificationEmails": "ops@example.com,oncall@example.com",
    "enabledFamilies": "ami,run-command,calendar",
    "dedupeWindowMinutes": "60",
    "perInstanceNotifications": "each",
    "slackChannels": "T0123ABCD:C0456EFGH",
    "chatSeverities": "error",
    "failureReads": "5",
}
KEYWORDS: dict[str, Any] = {
    "notification_emails": ["ops@example.com", "oncall@example.com"],
    "enabled_families": ["ami", "run-command", "calendar"],
    "dedupe_window_minutes": 60,
    "per_instance_notifications": "each",
    "slack_channels": ["T0123ABCD:C0456EFGH"],
    "chat_severities": ["error"],
    "failure_reads": 5,
}


def _construct_template(**settings: Any) -> dict[str, Any]:
    app = cdk.App(context={"aws:cdk:bundling-stacks": []})
    stack = cdk.Stack(app, "Platform")
    SsmEventNotifier(stack, "Notifier", **settings)
    return dict(Template.from_stack(stack).to_json())


def test_keywords_and_context_give_the_same_settings_and_the_same_stack() -> None:
    assert settings_from_context(CONTEXT) == NotifierSettings(**KEYWORDS)
    from_context = synthesize(**CONTEXT)
    app = cdk.App(context={"aws:cdk:bundling-stacks": []})
    calendars = settings_of(app).calendars  # what app.py adds besides context: calendars/*.ics
    stack = NotifierStack(app, "SsmEventNotifier", settings=NotifierSettings(**KEYWORDS, calendars=calendars))
    assert dict(Template.from_stack(stack).to_json()) == from_context


def test_every_setting_has_a_keyword_named_after_its_context_name_and_a_meaning() -> None:
    for spec in fields(NotifierSettings):
        assert spec.metadata["meaning"], spec.name
        assert context_name(spec.name)[0].islower() and "_" not in context_name(spec.name)


def test_the_construct_makes_what_its_settings_ask_for_under_its_own_id() -> None:
    template = _construct_template(**KEYWORDS)
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    handlers = {f["Properties"]["Handler"] for f in functions}
    # No reconciler: the construct is given no calendar to deploy or monitor; the advance notices' look-ahead
    # (noticeBefore's default) announces the account's Maintenance Windows.
    assert handlers == {
        "handlers.ami.handler",
        "handlers.run_command.handler",
        "handlers.calendar.handler",
        "handlers.chat_relay.handler",
        "handlers.notices.handler",
    }
    assert all(logical_id.startswith("Notifier") for logical_id in template["Resources"])


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"dedupe_window_minutes": 3}, "dedupe_window_minutes: 3 is outside 5..10080"),
        ({"enabled_families": ["ami", "patching"]}, "enabled_families: unknown patching"),
        ({"notification_emails": "not-an-address"}, "notification_emails: 'not-an-address' is not an e-mail"),
        ({"log_retention_days": 10}, "log_retention_days: 10 is not one of 1, 3, 5"),
        ({"reserved_concurrency": "maybe"}, "reserved_concurrency: expected true or false"),
        ({"member_regions": ["eu-west-1"]}, "member_regions: only used with organizationId"),
        ({"notification_email": ["ops@example.com"]}, "notification_email: no such setting; did you mean "),
        ({"calendars": {"Freeze": "not iCalendar"}}, "calendars: invalid Change Calendar(s): Freeze: not iCalendar"),
    ],
)
def test_a_bad_keyword_or_value_is_refused_naming_the_setting(keywords: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        _construct_template(**keywords)
    assert str(refused.value).startswith(message)
    if "no such setting" in message:
        assert str(refused.value).endswith("did you mean notification_emails?")


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"dedupeWindowMinutes": "3"}, "context dedupeWindowMinutes: 3 is outside 5..10080"),
        ({"notificationEmail": "ops@example.com"}, "context notificationEmail: no such setting; did you mean "),
        ({"enabledFamily": "ami"}, "context enabledFamily: no such setting; did you mean enabledFamilies?"),
        ({"calendars": "x"}, "context calendars: no such setting"),
    ],
)
def test_a_bad_context_name_or_value_is_refused_naming_the_setting(context: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        synthesize(**context)
    assert str(refused.value).startswith(message)


def test_cdk_context_of_the_cli_and_the_old_name_of_alarm_emails_are_accepted() -> None:
    settings = settings_from_context(
        {
            "@aws-cdk/aws-iam:minimizePolicies": True,
            "aws:cdk:enable-path-metadata": True,
            "acknowledged-issue-numbers": [32775],
            "availability-zones:account=123456789012:region=eu-west-1": ["eu-west-1a"],
            "operationsEmails": "platform@example.com",
            "alarmEmails": [],
        }
    )
    assert tuple(settings.alarm_emails) == ("platform@example.com",)


def test_a_misspelt_setting_on_the_command_line_fails_the_synth_and_names_the_right_one() -> None:
    """`-c notificationEmail=...` used to synthesize a stack with no subscriber, silently."""
    done = subprocess.run(
        [sys.executable, "app.py"],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", "CDK_CONTEXT_JSON": '{"notificationEmail": "ops@example.com"}'},
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "notificationEmail: no such setting; did you mean notificationEmails?" in done.stderr
