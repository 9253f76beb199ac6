"""What every advance notice is made of: where it is about, its times (in their own zone and in UTC), its
text's rows and lines, its heading and its notification, with the notices' own `lead_minutes` attribute."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from notifier.core.links import console_host
from notifier.core.render import Heading, Notification, Origin, compose, cut, make_subject, to_ascii
from notifier.core.severity import Severity
from ssm_event_notifier.contract.catalog import NOTICE, NOTICE_FAMILY

if TYPE_CHECKING:
    from notifier.failures.budget import Unavailable

FOOTER = f"Family: {NOTICE_FAMILY.title}. Sent by SSM Event Notifier."


@dataclass(frozen=True)
class Where:
    account: str
    region: str
    origin: Origin | None = None  # organization mode: the account's name and OUs


@dataclass
class Lines:
    rows: list[tuple[str, str]] = field(default_factory=list)
    after: list[str] = field(default_factory=list)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local(moment: datetime, zone: str) -> str:
    """ "Sat 2026-05-16 02:00 Europe/Paris (00:00 UTC)"; UTC alone when the zone is UTC."""
    utc = moment.astimezone(UTC).strftime("%a %Y-%m-%d %H:%M UTC")
    if zone in ("UTC", "Etc/UTC", ""):
        return utc
    there = moment.astimezone(ZoneInfo(zone))
    same_day = there.date() == moment.astimezone(UTC).date()
    return f"{there:%a %Y-%m-%d %H:%M} {zone} ({moment.astimezone(UTC):{'%H:%M' if same_day else '%a %H:%M'}} UTC)"


def when(kind: str, lead: int, at: datetime, zone: str) -> dict[str, Any]:
    """The head of a notice's JSON: what it is, its lead time, and when, in UTC and in its own zone."""
    local_time = at.astimezone(ZoneInfo(zone)).isoformat()
    return {"kind": kind, "leadMinutes": lead, "at": iso(at), "atLocal": local_time, "timeZone": zone}


def short(moment: datetime, zone: str) -> str:
    """ "Sat 02:00 Europe/Paris", for a subject."""
    return f"{moment.astimezone(ZoneInfo(zone or 'UTC')):%a %H:%M} {zone or 'UTC'}"


def span(minutes: float) -> str:
    """90 -> "1 h 30 min"; 1440 -> "24 h"."""
    whole = max(round(minutes), 0)
    hours, rest = divmod(whole, 60)
    return " ".join(
        part for part in (f"{hours} h" if hours else "", f"{rest} min" if rest or not hours else "") if part
    )


def window_link(window_id: str, region: str) -> str:
    return f"https://{console_host(region)}/systems-manager/maintenance-windows/{window_id}?region={region}"


def text_of(subject: str, summary: str, lines: Lines, where: Where, severity: str) -> str:
    rows = [*lines.rows, ("Account", where.origin.account_text(where.account) if where.origin else where.account)]
    rows.append(("Region", where.region))
    width = max(len(label) for label, _ in rows) + 2
    body = [subject, "", summary, "", *(f"{label + ':':<{width}}{cut(value, 1000)}" for label, value in rows)]
    return "\n".join([*body, *lines.after, "", f"Severity: {severity}. {FOOTER}"])


def unavailable_lines(unavailable: list[Unavailable]) -> list[str]:
    if not unavailable:
        return []
    return ["", "Not read (the notice went out without it):"] + [f"  - {u.detail}: {u.error}" for u in unavailable]


def notification_of(
    heading: Heading, lines: Lines, where: Where, notice: dict[str, Any], links: dict[str, str]
) -> Notification:
    text = text_of(heading.subject, heading.summary, lines, where, heading.severity)
    notification = compose(heading, text, {"notice": notice, "links": links})
    return Notification(
        notification.subject,
        notification.text,
        notification.document,
        {**notification.attributes, "lead_minutes": str(notice.get("leadMinutes", 0))},
    )


def heading_of(
    detail_type: str,
    severity: Severity,
    status: str,
    headline: str,
    summary: str,
    where: Where,
    now: datetime,
    name: str,
) -> Heading:
    label = where.origin.label(where.account) if where.origin else None
    return Heading(
        family=NOTICE,
        detail_type=detail_type,
        severity=severity,
        status=status,
        subject=make_subject(severity, headline, where.region, label),
        summary=cut(to_ascii(summary), 1000),
        account=where.account,
        region=where.region,
        time=iso(now),
        name=name,
        origin=where.origin,
    )
