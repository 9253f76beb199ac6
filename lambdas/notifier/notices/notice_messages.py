"""Advance notices as notifications (pure): a window's run to come, a calendar's transition to come, and the
correction of an announced run that moved or was cancelled. Every time is given in its own zone and in UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from notifier.core.links import console_host
from notifier.core.render import Notification
from notifier.core.severity import Severity
from notifier.notices.notice_text import (
    Lines,
    Where,
    heading_of,
    iso,
    local,
    notification_of,
    short,
    span,
    unavailable_lines,
    when,
    window_link,
)
from notifier.notices.windows import RunDetails, Window
from ssm_event_notifier.contract.catalog import CALENDAR_NOTICE_DETAIL_TYPE, WINDOW_NOTICE_DETAIL_TYPE

LISTED = 20  # targets, tasks and windows named in one notice


@dataclass(frozen=True)
class ClosedCalendar:
    """A monitored Change Calendar CLOSED at a window's run: its name and the period (Transition.as_json's)."""

    name: str
    since: str | None
    until: str | None
    causes: tuple[str, ...]  # the calendar events behind it, as lines
    zone: str


@dataclass(frozen=True)
class WindowRuns:
    """A window's runs inside a calendar's closed period."""

    window: Window
    runs: tuple[datetime, ...]


def window_notice(
    window: Window,
    run: datetime,
    lead: int,
    now: datetime,
    details: RunDetails,
    closed: list[ClosedCalendar],
    where: Where,
) -> Notification:
    """The notice of `window`'s `run`, `lead` minutes ahead (said as the time actually left)."""
    zone = window.schedule.zone or "UTC"
    left = span((run - now).total_seconds() / 60)
    no_targets = details.targets == []
    severity: Severity = "warning" if no_targets or closed else "info"
    headline = f"Maintenance Window {window.name} runs in {left} ({short(run, zone)})"
    summary = f"Advance notice: Maintenance Window {window.name} ({window.window_id}) runs in {left}"
    end = run.timestamp() + window.duration_hours * 3600
    cutoff = datetime.fromtimestamp(end - window.cutoff_hours * 3600, UTC)
    lines = Lines(
        rows=[
            ("Window", f"{window.name} ({window.window_id})"),
            ("Runs at", local(run, zone)),
            (
                "Duration",
                f"{window.duration_hours} h, cutoff {window.cutoff_hours} h: no task starts after "
                f"{local(cutoff, zone)}",
            ),
            (
                "Schedule",
                f"{window.schedule.expression} {zone}"
                + (f", {window.schedule.offset_days} days after" if window.schedule.offset_days else ""),
            ),
        ]
    )
    targets_json, tasks_json = None, None
    if details.targets is not None:
        nodes = sum(t.nodes or 0 for t in details.targets)
        more = "+" if any(t.more for t in details.targets) else ""
        counted = "" if all(t.nodes is not None for t in details.targets) else " counted"
        if details.targets:
            lines.after += [f"Targets ({len(details.targets)}, {nodes}{more} managed nodes{counted}):"]
            lines.after += [
                f"  - {t.name}: {t.criteria or '-'}{_nodes(t.nodes, t.more)}" for t in details.targets[:LISTED]
            ]
        else:
            lines.after.append("Targets: none: the run will touch nothing")
        targets_json = [
            {"name": t.name, "criteria": t.criteria, "nodes": t.nodes, "more": t.more} for t in details.targets[:LISTED]
        ]
    if details.tasks is not None:
        lines.after.append(f"Tasks ({len(details.tasks)}):" if details.tasks else "Tasks: none")
        lines.after += [f"  - {t.name}: {t.kind} {t.runs}" for t in details.tasks[:LISTED]]
        tasks_json = [{"name": t.name, "type": t.kind, "runs": t.runs} for t in details.tasks[:LISTED]]
    for calendar in closed:
        lines.after += [
            f"Change Calendar {calendar.name} is CLOSED then"
            + (f", until {local(_at(calendar.until), calendar.zone)}" if calendar.until else "")
            + ": tasks that check it will not run",
            *(f"  - {cause}" for cause in calendar.causes),
        ]
    lines.after = ["", *lines.after] if lines.after else []
    lines.after += unavailable_lines(details.unavailable)
    notice = {
        **when("window", lead, run, zone),
        "window": {
            "id": window.window_id,
            "name": window.name,
            "schedule": window.schedule.expression,
            "offsetDays": window.schedule.offset_days,
            "durationHours": window.duration_hours,
            "cutoffHours": window.cutoff_hours,
        },
        "targets": targets_json,
        "tasks": tasks_json,
        "closedCalendars": [
            {"name": c.name, "since": c.since, "until": c.until, "causes": list(c.causes)} for c in closed
        ],
        "unavailable": [{"detail": u.detail, "error": u.error} for u in details.unavailable],
    }
    heading = heading_of(
        WINDOW_NOTICE_DETAIL_TYPE, severity, "Scheduled", headline, summary, where, now, window.window_id
    )
    return notification_of(heading, lines, where, notice, {"console": window_link(window.window_id, where.region)})


def _nodes(nodes: int | None, more: bool) -> str:
    if nodes is None:
        return " (not counted)"
    return f" ({nodes}{'+' if more else ''} managed node{'' if nodes == 1 and not more else 's'})"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def calendar_notice(
    calendar: str, transition: dict[str, Any], lead: int, now: datetime, windows: list[WindowRuns], where: Where
) -> Notification:
    """The notice of a calendar's transition (Transition.as_json, with its `until` and `timeZone`)."""
    at, zone, state = _at(transition["at"]), str(transition.get("timeZone") or "UTC"), str(transition["state"])
    verb = "closes" if state == "CLOSED" else "opens"
    left = span((at - now).total_seconds() / 60)
    causes = [str(c.get("summary") or c.get("uid") or "-") for c in transition.get("causes", [])]
    until = _at(transition["until"]) if transition.get("until") else None
    until_text = f", until {until.astimezone(ZoneInfo(zone)):%a %H:%M}" if until else ""
    # "ProductionChangeFreeze closes in 1 h: Fri 18:00 to Mon 06:00 Europe/Berlin": within a subject's 99.
    period = f"{at.astimezone(ZoneInfo(zone)):%a %H:%M}" + (
        f" to {until.astimezone(ZoneInfo(zone)):%a %H:%M}" if until else ""
    )
    headline = f"{calendar} {verb} in {left}: {period} {zone}"
    # The summary as people say it: its cause too (a subject has no room for it).
    summary = f"{calendar} {verb} in {left} ({short(at, zone)})" + (f": {causes[0]}" if causes else "") + until_text
    lines = Lines(rows=[("Calendar", calendar), ("Becomes", f"{state} at {local(at, zone)}")])
    if until:
        lines.rows.append(("Until", local(until, zone)))
    lines.after += ["", "Because of:" if causes else "Because its calendar events end."]
    lines.after += [f"  - {_event_line(c)}" for c in transition.get("causes", [])[:LISTED]]
    if state == "CLOSED":
        lines.after += ["", f"Maintenance Windows that run while it is CLOSED: {len(windows) or 'none'}"]
        lines.after += [
            f"  - {w.window.name} ({w.window.window_id}): "
            + ", ".join(local(r, zone) for r in w.runs[:3])
            + (f" and {len(w.runs) - 3} more runs" if len(w.runs) > 3 else "")
            for w in windows[:LISTED]
        ]
    notice = {
        **when("calendar", lead, at, zone),
        "calendar": {"name": calendar, "state": state, "until": transition.get("until")},
        "causes": list(transition.get("causes", []))[:LISTED],
        "windows": [
            {"id": w.window.window_id, "name": w.window.name, "runs": [iso(r) for r in w.runs[:LISTED]]}
            for w in windows[:LISTED]
        ],
    }
    status = "Closing" if state == "CLOSED" else "Opening"
    heading = heading_of(CALENDAR_NOTICE_DETAIL_TYPE, "info", status, headline, summary, where, now, calendar)
    link = f"https://{console_host(where.region)}/systems-manager/change-calendar?region={where.region}"
    return notification_of(heading, lines, where, notice, {"console": link})


def _event_line(cause: dict[str, Any]) -> str:
    zone = str(cause.get("timeZone") or "UTC")
    when = f"{local(_at(cause['start']), zone)} - {local(_at(cause['end']), zone)}"
    return f"{cause.get('summary') or '-'} ({when})" + (f": {cause['description']}" if cause.get("description") else "")


def correction(
    window_id: str,
    name: str,
    run: datetime,
    now: datetime,
    why: str,
    next_run: datetime | None,
    zone: str,
    where: Where,
) -> Notification:
    """An announced run that will not happen at the time announced: `why` (moved, disabled, deleted)."""
    status = "Rescheduled" if next_run else "Cancelled"
    if next_run:
        headline = (
            f"Correction: {name} now runs {short(next_run, zone)} (was {run.astimezone(ZoneInfo(zone)):%a %H:%M})"
        )
        summary = f"Correction of an advance notice: Maintenance Window {name} ({window_id}) now runs at another time"
    else:
        headline = f"Correction: {name} will not run {short(run, zone)}"
        summary = f"Correction of an advance notice: Maintenance Window {name} ({window_id}) will not run"
    lines = Lines(rows=[("Window", f"{name} ({window_id})"), ("Announced", local(run, zone)), ("Why", why)])
    lines.rows.append(("Next run", local(next_run, zone) if next_run else "none scheduled"))
    notice = {
        "kind": "correction",
        "leadMinutes": 0,
        "at": iso(run),
        "timeZone": zone,
        "window": {"id": window_id, "name": name},
        "why": why,
        "nextRun": iso(next_run) if next_run else None,
    }
    heading = heading_of(WINDOW_NOTICE_DETAIL_TYPE, "info", status, headline, summary, where, now, window_id)
    return notification_of(heading, lines, where, notice, {"console": window_link(window_id, where.region)})
