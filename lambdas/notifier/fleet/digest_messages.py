"""Fleet-wide operations: the one message that sums up an operation, within SNS's limits.

The message has the shape of every notification (``notifier.core.render.compose``): the document's
common head and attributes, then the operation's own part (counts, failures, duration, links).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from notifier.core.catalog import FAMILY_BY_NAME, OperationKind, parent_event_type
from notifier.core.links import console_url
from notifier.core.render import MESSAGE_BUDGET, Heading, Notification, compose, cut, make_subject, to_ascii
from notifier.fleet.observations import iso
from notifier.fleet.summaries import STATUS_MAX, UNKNOWN, Digest, ItemState, duration_text

DIGEST_DETAIL_TYPE = "Operation Digest"
# Instances (and unfinished ones) named in one message; the rest are counted.
LISTED = 100
ID_MAX = 128


def _noun(digest: Digest, count: int = 2) -> str:
    noun = digest.kind.item_noun
    return noun if count == 1 else noun + "s"


def _name(digest: Digest) -> str:
    fields = digest.record.fields
    shown = next((fields[name] for name in digest.kind.name_fields if fields.get(name)), "-")
    return digest.kind.name_template.format(shown)


def headline(digest: Digest) -> str:
    noun = _noun(digest, digest.total)
    status = digest.status if digest.final else "status unknown"
    if digest.failed:
        counts = f"{len(digest.failed)} of {digest.total} {noun} failed"
    elif digest.unfinished:
        counts = f"{len(digest.unfinished)} of {digest.total} {noun} unfinished"
    else:
        counts = f"{digest.total} {noun} succeeded" if digest.total else f"no {noun} reported"
    return f"{_name(digest)} {status}: {counts}"


def _links(digest: Digest) -> dict[str, str]:
    record = digest.record
    fields = {**record.fields, "region": record.region}
    # The console page of the operation's own detail-type: the command, or the window.
    parent = parent_event_type(record.kind)
    link = console_url(parent.console_path, fields) if parent and parent.console_path else None
    return {"console": link} if link else {}


def _item_json(item: ItemState, kind: OperationKind) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "instanceId": cut(item.key, ID_MAX),
        "status": cut(item.status, STATUS_MAX),
        "time": cut(item.time, STATUS_MAX) if item.time else None,
    }
    if kind.task_field:
        entry["taskExecutionId"] = cut(item.task or "", ID_MAX)
    return entry


def _item_line(item: ItemState, multi_task: bool) -> str:
    line = f"  {to_ascii(cut(item.key, ID_MAX))}  {to_ascii(cut(item.status, STATUS_MAX))}"
    if multi_task and item.task:
        line += f"  (task {to_ascii(cut(item.task, ID_MAX))})"
    return line


def _text(digest: Digest, subject: str, summary: str, links: dict[str, str], listed: int) -> str:
    record = digest.record
    noun = _noun(digest)
    counts = ", ".join(f"{count} {status}" for status, count in digest.counts.items()) or "none"
    if digest.final:
        final = record.final_status or UNKNOWN
    else:
        last = f" (last known: {record.last_status})" if record.last_status else ""
        expired = iso(record.expires_at) or "its expiry"
        final = f"unknown: no final status by {expired}{last}"
    rows = [(label, record.fields[name]) for label, name in digest.kind.labels if record.fields.get(name)]
    rows += [("Final status", final), (noun.capitalize(), f"{digest.total}: {counts}")]
    if digest.tasks:
        rows.append(("Tasks", ", ".join(f"{t.key} {t.status}" for t in digest.tasks[:10])))
    rows += [
        (digest.kind.start_label, iso(digest.started) or "unknown"),
        ("Ended" if digest.final else "Last event", iso(digest.ended) or "unknown"),
        ("Duration", duration_text(digest.duration_seconds)),
        ("Account", record.account),
        ("Region", record.region),
    ]
    if links.get("console"):
        rows.append(("Console", links["console"]))
    width = max(len(label) for label, _ in rows) + 2
    lines = [subject, "", summary, ""]
    lines += [f"{label + ':':<{width}}{to_ascii(cut(value, 1000))}" for label, value in rows]
    for title, items in (("Failed, timed out or cancelled", digest.failed), ("Not finished", digest.unfinished)):
        if not items:
            continue
        lines += ["", f"{title} ({len(items)}):"]
        lines += [_item_line(item, digest.multi_task) for item in items[:listed]]
        if len(items) > listed:
            lines.append(f"  ... and {len(items) - listed} more")
    family = FAMILY_BY_NAME[record.family]
    lines += [
        "",
        f"One digest for the whole operation instead of one message per {_noun(digest, 1)}.",
        f"Severity: {digest.severity}. Family: {family.title}. Sent by SSM Event Notifier.",
    ]
    return "\n".join(lines)


def _render(digest: Digest, listed: int) -> Notification:
    record = digest.record
    text_headline = headline(digest)
    subject = make_subject(digest.severity, text_headline, record.region)
    summary = cut(to_ascii(f"Digest of a fleet-wide operation: {text_headline}"), 1000)
    links = _links(digest)
    text = _text(digest, subject, summary, links, listed)
    heading = Heading(
        family=record.family,
        detail_type=DIGEST_DETAIL_TYPE,
        severity=digest.severity,
        status=digest.status,
        subject=subject,
        summary=summary,
        account=record.account,
        region=record.region,
        time=iso(digest.now),
    )
    body: dict[str, Any] = {
        "operation": {
            "kind": record.kind,
            "key": record.operation,
            **{name: cut(value, 1000) for name, value in record.fields.items()},
            "finalStatus": record.final_status,
            "final": digest.final,
            "lastKnownStatus": record.last_status,
            "expiresAt": iso(record.expires_at),
        },
        "total": digest.total,
        "counts": digest.counts,
        "failed": [_item_json(item, digest.kind) for item in digest.failed[:listed]],
        "failedNotShown": max(len(digest.failed) - listed, 0),
        "unfinished": [_item_json(item, digest.kind) for item in digest.unfinished[:listed]],
        "unfinishedNotShown": max(len(digest.unfinished) - listed, 0),
        "duration": {
            "start": iso(digest.started),
            "end": iso(digest.ended),
            "seconds": digest.duration_seconds,
        },
        "links": links,
    }
    if digest.kind.task_field:
        body["tasks"] = [
            {
                "taskExecutionId": cut(t.key, ID_MAX),
                "status": cut(t.status, STATUS_MAX),
                "time": t.time and cut(t.time, STATUS_MAX),
            }
            for t in digest.tasks[:listed]
        ]
    return compose(heading, text, body)


def render_digest(digest: Digest) -> Notification:
    """The digest as a notification SNS accepts: fewer instances named until it fits 256 KB."""
    listed = LISTED
    notification = _render(digest, listed)
    while notification.size() > MESSAGE_BUDGET and listed > 1:
        listed //= 2
        notification = _render(digest, listed)
    if notification.size() > MESSAGE_BUDGET:  # pathological field values: the envelope only
        document = dict(notification.document, operation={"kind": digest.record.kind}, truncated=True)
        notification = replace(notification, text=cut(notification.text, 32 * 1024), document=document)
    return notification
