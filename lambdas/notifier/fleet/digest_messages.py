"""Fleet-wide operations: the one message that sums up an operation, within SNS's limits.

The message has the shape of every notification (``notifier.core.render.compose``): the document's
common head and attributes, then the operation's own part (counts, failures by reason, duration,
links). A one-item operation reads like an ordinary notification.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from notifier.core.links import console_url
from notifier.core.render import (
    MESSAGE_BUDGET,
    Heading,
    Notification,
    Origin,
    compose,
    cut,
    make_subject,
    to_ascii,
)
from notifier.fleet.observations import iso, items_digest
from notifier.fleet.summaries import STATUS_MAX, Digest, ItemState, duration_text
from ssm_event_notifier.contract.catalog import (
    DIGEST_DETAIL_TYPE,
    FAMILY_BY_NAME,
    OperationKind,
    operation_event_types,
    operation_name_field,
    parent_event_type,
)

if TYPE_CHECKING:  # notifier.failures is loaded for the first digest with a failure report
    from notifier.failures.reasons import FailureReport

# Items (failed, and unfinished) named in one message; the rest are counted.
LISTED = 100
ID_MAX = 128
REASON_ITEMS_LISTED = 10  # items named per reason in the JSON document


def _noun(digest: Digest, count: int = 2) -> str:
    noun = digest.kind.item_noun
    return noun if count == 1 else noun + "s"


def _name(digest: Digest) -> str:
    fields = digest.record.fields
    shown = next((fields[name] for name in digest.kind.name_fields if fields.get(name)), "-")
    return digest.kind.name_template.format(shown)


def _on(digest: Digest, item: ItemState) -> str:
    key = to_ascii(cut(item.key, ID_MAX))
    noun = digest.kind.item_noun
    return key if noun in ("instance", "target") else f"{noun} {key}"


def headline(digest: Digest) -> str:
    """What the subject says: the operation, its status, and what its items did."""
    noun = _noun(digest, digest.total)
    failed_word = digest.kind.failed_word
    # A route by tags gets the digest of its owners' items: "3 of your 120 instances failed".
    of = f"of your {digest.total}" if digest.owner else f"of {digest.total}"
    if digest.phase == "interim":
        return f"{_name(digest)} still running: {len(digest.failed)} {of} {noun} {failed_word} so far"
    status = digest.status if digest.final else "status unknown"
    if digest.single:  # "Run Command AWS-RunShellScript Failed on i-0abc"
        status = to_ascii(cut(digest.single.status, STATUS_MAX))
        unknown = "" if digest.final else " (final status unknown)"
        return f"{_name(digest)} {status} on {_on(digest, digest.single)}{unknown}"
    if digest.total == 0:
        return f"{_name(digest)} {status}"
    if digest.failed:
        counts = f"{len(digest.failed)} {of} {noun} {failed_word}"
    elif digest.unfinished:
        counts = f"{len(digest.unfinished)} {of} {noun} unfinished"
    else:
        counts = f"{'your ' if digest.owner else ''}{digest.total} {noun} succeeded"
    return f"{_name(digest)} {status}: {counts}"


def _links(digest: Digest) -> dict[str, str]:
    record = digest.record
    fields = {**record.fields, "region": record.region}
    # The console page of the operation's own detail-type (the command, the window, the execution),
    # or of its items' when it has none (compliance).
    own = [e for e in operation_event_types() if e.operation == record.kind]
    for event_type in (parent_event_type(record.kind), *own):
        link = console_url(event_type.console_path, fields) if event_type and event_type.console_path else None
        if link:
            return {"console": link}
    return {}


def _item_json(item: ItemState, kind: OperationKind, names: dict[str, str]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "instanceId": cut(item.key, ID_MAX),
        "status": cut(item.status, STATUS_MAX),
        "time": cut(item.time, STATUS_MAX) if item.time else None,
    }
    if item.key in names:
        entry["name"] = cut(names[item.key], ID_MAX)
    if item.reason and item.reason != item.status:
        entry["reason"] = cut(item.reason, 256)
    if kind.task_field:
        entry["taskExecutionId"] = cut(item.task or "", ID_MAX)
    return entry


def _item_line(item: ItemState, multi_task: bool, indent: str = "  ", names: dict[str, str] | None = None) -> str:
    name = f" ({to_ascii(cut(names[item.key], ID_MAX))})" if names and item.key in names else ""
    line = f"{indent}{to_ascii(cut(item.key, ID_MAX))}{name}  {to_ascii(cut(item.status, STATUS_MAX))}"
    if multi_task and item.task:
        line += f"  (task {to_ascii(cut(item.task, ID_MAX))})"
    return line


def _failures(digest: Digest, listed: int, names: dict[str, str]) -> list[str]:
    """Every failed item named (the first `listed`), under the reason its event gave."""
    if not digest.failed:
        return []
    title = digest.kind.failed_word.capitalize()
    lines = ["", f"{title}, by reason ({len(digest.failed)} of {digest.total}):"]
    left = listed
    for group in digest.reasons:
        lines.append(f"  {group.reason} ({len(group.items)}):")
        lines += [_item_line(item, digest.multi_task, "    ", names) for item in group.items[: max(left, 0)]]
        if len(group.items) > max(left, 0):
            lines.append(f"    ... and {len(group.items) - max(left, 0)} more")
        left -= len(group.items)
    return lines


def _status_row(digest: Digest) -> str:
    record = digest.record
    if digest.phase == "interim":
        return "still running"
    if digest.phase == "quiet":
        return f"{digest.status} (no events for the quiet period: the status is what its {_noun(digest)} said)"
    if digest.final:
        return digest.status
    last = f" (last known: {record.last_status})" if record.last_status else ""
    return f"unknown: no final status by {iso(record.expires_at) or 'its expiry'}{last}"


def _text(
    digest: Digest,
    subject: str,
    summary: str,
    links: dict[str, str],
    listed: int,
    report: FailureReport | None,
    origin: Origin | None,
) -> str:
    record = digest.record
    noun = _noun(digest)
    counts = ", ".join(f"{count} {status}" for status, count in digest.counts.items())
    # None heard: as many as the reads listed, if they listed them ("0 of 3 heard").
    seen = f" of {report.seen}" if report and report.seen else ""
    heard = f"{digest.total}: {counts}" if digest.total else f"0{seen} heard"
    rows = [(label, record.fields[name]) for label, name in digest.kind.labels if record.fields.get(name)]
    rows += [("Final status", _status_row(digest)), (noun.capitalize(), heard)]
    if digest.tasks:
        rows.append(("Tasks", ", ".join(f"{t.key} {t.status}" for t in digest.tasks[:10])))
    rows += [
        (digest.kind.start_label, iso(digest.started) or "unknown"),
        ("Ended" if digest.phase == "ended" else "Last event", iso(digest.ended) or "unknown"),
        ("Duration", duration_text(digest.duration_seconds)),
        ("Account", origin.account_text(record.account) if origin else record.account),
        ("Region", record.region),
    ]
    if links.get("console"):
        rows.append(("Console", links["console"]))
    width = max(len(label) for label, _ in rows) + 2
    lines = [subject, "", summary, ""]
    if digest.owner:
        lines += [
            f"For route {digest.owner.route}: its owners' {noun} only ({digest.total} of the operation's "
            f"{digest.owner.operation_total}, by their tags).",
            "",
        ]
    lines += [f"{label + ':':<{width}}{to_ascii(cut(value, 1000))}" for label, value in rows]
    lines += _failures(digest, listed, report.names if report else {})
    if report:
        from notifier.failures.messages import failure_lines

        lines += failure_lines(report)
    if digest.unfinished and digest.phase != "interim":
        lines += ["", f"Not finished ({len(digest.unfinished)}):"]
        lines += [_item_line(item, digest.multi_task) for item in digest.unfinished[:listed]]
        if len(digest.unfinished) > listed:
            lines.append(f"  ... and {len(digest.unfinished) - listed} more")
    family = FAMILY_BY_NAME[record.family]
    lines.append("")
    if digest.phase == "interim":
        lines.append("The operation is still running: its final message follows when it ends.")
    elif digest.total > 1:
        lines.append(f"One message for the whole operation instead of one per {_noun(digest, 1)}.")
    lines.append(f"Severity: {digest.severity}. Family: {family.title}. Sent by SSM Event Notifier.")
    return "\n".join(lines)


def _render(digest: Digest, listed: int, report: FailureReport | None, origin: Origin | None) -> Notification:
    record = digest.record
    text_headline = headline(digest)
    subject = make_subject(
        digest.severity, text_headline, record.region, origin.label(record.account) if origin else None
    )
    prefix = "Digest of a fleet-wide operation: " if digest.total > 1 else ""
    summary = cut(to_ascii(prefix + text_headline), 1000)
    links = _links(digest)
    text = _text(digest, subject, summary, links, listed, report, origin)
    names = report.names if report else {}
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
        name=record.fields.get(name_field) if (name_field := operation_name_field(record.kind)) else None,
        origin=origin,
    )
    body: dict[str, Any] = {
        "operation": {
            "kind": record.kind,
            "key": record.operation,
            **{name: cut(value, 1000) for name, value in record.fields.items()},
            "phase": digest.phase,
            "finalStatus": digest.status if digest.final else None,
            "final": digest.final,
            "lastKnownStatus": record.last_status,
            "expiresAt": iso(record.expires_at),
            "itemsDigest": items_digest(item.key for item in digest.instances),
        },
        "total": digest.total,
        "counts": digest.counts,
        "failed": [_item_json(item, digest.kind, names) for item in digest.failed[:listed]],
        "failedNotShown": max(len(digest.failed) - listed, 0),
        "failureReasons": [
            {
                "reason": group.reason,
                "count": len(group.items),
                "items": [cut(item.key, ID_MAX) for item in group.items[: min(listed, REASON_ITEMS_LISTED)]],
            }
            for group in digest.reasons
        ],
        "unfinished": [_item_json(item, digest.kind, names) for item in digest.unfinished[:listed]],
        "unfinishedNotShown": max(len(digest.unfinished) - listed, 0),
        "duration": {
            "start": iso(digest.started),
            "end": iso(digest.ended),
            "seconds": digest.duration_seconds,
        },
        "links": links,
    }
    if report:
        from notifier.failures.messages import failure_document

        body["failure"] = failure_document(report)
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


def render_digest(
    digest: Digest, report: FailureReport | None = None, origin: Origin | None = None, budget: int = MESSAGE_BUDGET
) -> Notification:
    """The digest as a notification SNS accepts: fewer items named until it fits 256 KB (`budget`).

    `report`: why its items failed, as read (notifier.failures); the document's `failure`.
    `origin`: in organization mode, the account the operation ran in (core.render.Origin).
    """
    listed = LISTED
    notification = _render(digest, listed, report, origin)
    while notification.size() > budget and listed > 1:
        listed //= 2
        notification = _render(digest, listed, report, origin)
    if notification.size() > budget:  # pathological field values: the envelope only
        document = dict(notification.document, operation={"kind": digest.record.kind}, truncated=True)
        notification = replace(notification, text=cut(notification.text, 32 * 1024), document=document)
    return notification
