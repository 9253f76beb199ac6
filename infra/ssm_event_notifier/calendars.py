"""Change Calendars: the documents deployed with the notifier (calendars/*.ics in this repository), what
the calendar function may read of the monitored ones, and the reconciler that catches missed transitions."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from ssm_event_notifier.contract.calendar_rules import validate
from ssm_event_notifier.contract.environment import Reconciler
from ssm_event_notifier.core import NotifierCore
from ssm_event_notifier.functions import NotifierFunction
from ssm_event_notifier.rules import SCHEDULE_RETRY_ATTEMPTS, lambda_target


class CalendarFileError(ValueError):
    """A calendar that would not make a working Change Calendar."""


def check_calendars(calendars: dict[str, str], source: str = "{}") -> None:
    """Raises naming each problem; `source`: how a calendar's name is shown ("calendars/{}.ics")."""
    problems = [problem for name, text in calendars.items() for problem in validate(text, source.format(name))]
    if problems:
        raise CalendarFileError("invalid Change Calendar file(s):\n  " + "\n  ".join(problems))


def calendar_files(folder: Path) -> dict[str, str]:
    """Document name (the file name) -> content of each *.ics file in `folder`, every one checked."""
    files = {path.stem: path.read_text() for path in sorted(folder.glob("*.ics"))}
    check_calendars(files, f"{folder.name}/{{}}.ics")
    return files


def add_calendars(core: NotifierCore) -> None:
    """The documents, and for monitored calendars the reads and the reconciler."""
    if core.calendars:
        ChangeCalendars(core.scope, "Calendars", files=core.calendars)
    if "calendar" not in core.functions or not core.monitored:
        return
    monitored = list(core.monitored)
    grant_calendar_reads(core.functions["calendar"], monitored, state=False)
    reconciler = core.add_function(
        "calendar-reconciler",
        "handlers.calendar_reconciler.handler",
        core.dedupe,
        core.publishing,
        Reconciler(calendars=core.monitored, grace_minutes=core.settings.missed_transition_grace_minutes),
    )
    grant_calendar_reads(reconciler, monitored, state=True)
    schedule_reconciler(core.scope, "CalendarReconcilerSchedule", reconciler, core.settings.reconcile_rate_minutes)


def document_arn(scope: Construct, name: str) -> str:
    stack = Stack.of(scope)
    return stack.format_arn(service="ssm", resource="document", resource_name=name)


class ChangeCalendars(Construct):
    """One ChangeCalendar SSM document per file, updated as a new version when the file changes."""

    def __init__(self, scope: Construct, construct_id: str, *, files: dict[str, str]) -> None:
        super().__init__(scope, construct_id)
        for name, text in files.items():
            document = ssm.CfnDocument(
                self,
                name,
                name=name,
                content={},  # CfnDocument(content=<str>) fails at synth (aws-cdk 35583): override below
                document_format="TEXT",
                document_type="ChangeCalendar",
                update_method="NewVersion",
            )
            document.add_property_override("Content", text)
            # cfn-lint reads a TEXT document's content as JSON (E3051): a known false positive.
            document.add_metadata("cfn-lint", {"config": {"ignore_checks": ["E3051"]}})


def grant_calendar_reads(function: NotifierFunction, names: list[str], *, state: bool) -> None:
    """ssm:GetDocument (and GetCalendarState) on the monitored calendars only."""
    actions = ["ssm:GetDocument", *(["ssm:GetCalendarState"] if state else [])]
    function.role.add_to_policy(
        iam.PolicyStatement(actions=actions, resources=[document_arn(function, name) for name in names])
    )


def schedule_reconciler(scope: Construct, construct_id: str, reconciler: NotifierFunction, minutes: int) -> None:
    events.Rule(
        scope,
        construct_id,
        description="SSM Event Notifier: check monitored Change Calendars for missed transitions",
        schedule=events.Schedule.rate(Duration.minutes(minutes)),
        targets=[lambda_target(reconciler, retry_attempts=SCHEDULE_RETRY_ATTEMPTS, max_event_age=None)],
    )
