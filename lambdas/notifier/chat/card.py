"""A notification's JSON document as an Amazon Q Developer in chat applications "custom notification".

Pure (the core and the standard library): `chat_payload(document)` for any notification's document,
an event's (`fields`, `links`, `resources`, maybe `calendar`, `failure`) or a digest's (`operation`...).
Untrusted text stays text (markdown_safety). Each field is cut to its limit (render's marker); the
description keeps whole lines and blocks only.
"""

from __future__ import annotations

import re
from typing import Any

from notifier.chat.markdown_safety import OUTPUT_MAX, block, clean, code, console_link, identifier
from notifier.core.render import cut
from ssm_event_notifier.contract.catalog import NOTICE, OPERATION_BY_NAME, OperationKind, event_type_of

# Limits. https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html (Event schema,
# Parameter details) documents the fields: version must be "1.0", source must be "custom", textType
# only "client-markdown", description is required; it states no length. The lengths are our choice.
VERSION, SOURCE, TEXT_TYPE = "1.0", "custom", "client-markdown"
TITLE_MAX = 150  # chosen: Slack's header text limit; our subjects are under 100 anyway
DESCRIPTION_MAX = 3000  # chosen: Slack's limit for one text object (a section block's text)
NEXT_STEPS_ITEMS, NEXT_STEP_MAX = 5, 500  # chosen: five steps within one 3000-character text object
KEYWORDS_ITEMS, KEYWORD_MAX = 10, 64  # chosen
ID_MAX = 256  # chosen
THREAD_ID_MAX = 128  # chosen; a longer key keeps a readable head and a SHA-256 of the whole
SUMMARY_MAX = 300  # chosen
# eventType: the custom actions API matches notifications by type, 1-100 of [a-zA-Z0-9-]
# (https://docs.aws.amazon.com/chatbot/latest/APIReference/API_CustomActionAttachment.html).
EVENT_TYPE_MAX = 100
RELATED_ITEMS, RELATED_MAX = 10, 1024  # chosen
# additionalContext: keys as that API's variable names ([A-Za-z0-9-_], 1-100); entries and value
# lengths chosen (its variables take values up to 1024 characters).
CONTEXT_ITEMS, CONTEXT_VALUE_MAX = 8, 256
REASONS_SHOWN, ITEMS_NAMED = 5, 10
MARKS = {"error": "🔴", "warning": "🟠", "info": "🔵"}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _kind(document: dict[str, Any]) -> OperationKind | None:
    """The fleet-wide operation kind: a digest's, or the one the event's detail-type belongs to."""
    event_type = event_type_of(str(document.get("detailType")), families=(str(document.get("family")),))
    named = _dict(document.get("operation")).get("kind") or (event_type.operation if event_type else None)
    return OPERATION_BY_NAME.get(str(named))


def thread_id(document: dict[str, Any]) -> str:
    """One thread per operation (keyed as the fleet keys it), Maintenance Window, calendar or image, else per
    event. A window's runs and the advance notices of them share the window's thread.

    Always with the account and region: the same command id in two accounts is two threads.
    """
    account, region = str(document.get("account") or "-"), str(document.get("region") or "-")
    operation, fields = _dict(document.get("operation")), _dict(document.get("fields"))
    kind, values = _kind(document), operation or fields
    if kind and kind.name == "window-execution" and values.get("window_id"):
        thread = "window", str(values["window_id"])
    elif kind and any(values.get(name) for name in kind.key_fields):
        thread = kind.name, "/".join(str(values.get(name) or "-") for name in kind.key_fields)
    elif kind and operation.get("key"):
        thread = kind.name, str(operation["key"])
    elif document.get("family") == NOTICE:  # in the thread of the window or calendar it announces
        notice = _dict(document.get("notice"))
        if notice.get("kind") == "calendar":
            thread = "calendar", str(_dict(notice.get("calendar")).get("name") or "-")
        else:
            thread = "window", str(_dict(notice.get("window")).get("id") or "-")
    elif document.get("family") == "calendar":
        thread = "calendar", str(fields.get("calendar_name") or _dict(document.get("calendar")).get("name") or "-")
    elif document.get("family") == "ami" and fields.get("image_id"):
        thread = "image", str(fields["image_id"])
    else:
        thread = "event", str(document.get("eventId") or "-")
    return identifier(f"ssm-notifier:{thread[0]}:{account}:{region}:{thread[1]}", THREAD_ID_MAX)


def _title(document: dict[str, Any]) -> str:
    severity = severity if (severity := str(document.get("severity"))) in MARKS else "info"
    headline = re.sub(r" \([^()]*\)$", "", re.sub(r"^\[[A-Z]+\] ", "", str(document.get("subject") or "")))
    prefix = f"{MARKS[severity]} [{severity.upper()}] "
    return prefix + (clean(headline, TITLE_MAX - len(prefix)) or "SSM Event Notifier")


def _noun(word: str, count: int) -> str:
    return word if count == 1 else word + "s"


def _key_lines(document: dict[str, Any]) -> list[str]:
    """The e-mail's key lines: the operation's labels (a digest) or the detail-type's key fields (an event)."""
    account = code(document.get("account"))
    if document.get("accountName"):
        account += f" ({code(document['accountName'])})"
    lines = [f"Account: {account} · Region: {code(document.get('region'))}"]
    operation = _dict(document.get("operation"))
    kind = _kind(document) if operation else None
    event_type = event_type_of(str(document.get("detailType")), families=(str(document.get("family")),))
    if kind:
        lines += [f"{label}: {code(operation[name])}" for label, name in kind.labels if operation.get(name)]
        lines.append(f"Status: {code(document.get('status'))}")
        counts = ", ".join(f"{clean(n, 20)} {clean(s, 40)}" for s, n in list(_dict(document.get("counts")).items())[:8])
        total = clean(document.get("total"), 20) or "0"
        lines.append(f"{kind.item_noun.capitalize()}s: {total}" + (f" ({counts})" if counts else ""))
    elif event_type:
        fields = _dict(document.get("fields"))
        lines += [f"{label}: {code(fields[name])}" for label, name in event_type.key_fields if fields.get(name)]
    if document.get("eventId"):
        lines.append(f"Event: {code(document['eventId'])}")
    return lines


def _named(key: Any, names: dict[str, Any]) -> str:
    return code(f"{key} ({names[key]})" if names.get(key) else key, 100)


def _reason_lines(document: dict[str, Any], noun: str) -> list[str]:
    """Failed items by reason: read (the document's `failure`), else as their events said (a digest)."""
    failure = _dict(document.get("failure"))
    names = {str(k): v for k, v in _dict(failure.get("names")).items()}
    names.update({str(i.get("instanceId")): i.get("name") for i in map(_dict, _list(document.get("failed"))[:200])})
    read = bool(_list(failure.get("reasons")))
    reasons = [_dict(r) for r in _list(failure.get("reasons") if read else document.get("failureReasons"))]
    # Headed as the e-mail heads them (notifier.failures.messages).
    heading = "Why it failed, as the event says:" if failure.get("source") == "event" else "Why it failed:"
    lines = [heading if read else "Failed, by reason:"] if reasons else []
    for reason in reasons[:REASONS_SHOWN]:
        count = given if isinstance(given := reason.get("count"), int) else len(_list(reason.get("items")))
        line = f"• {clean(reason.get('reason'), 120)}: {count} {_noun(noun, count)}"
        summary = reason.get("summary")
        lines.append(line + (f": {code(summary)}" if summary and str(summary) not in str(reason.get("reason")) else ""))
        items = [_named(str(key), names) for key in _list(reason.get("items"))[:ITEMS_NAMED]]
        more = f" and {count - len(items)} more" if count > len(items) else ""
        lines += ["↳ " + ", ".join(items) + more] if items else []
        output = str(reason.get("output") or "")[-4 * OUTPUT_MAX :].split("\n")  # said once: not the summary
        lines.append(block("\n".join(line for line in output if line.strip() != str(summary or "").strip())))
    if len(reasons) > REASONS_SHOWN:
        lines.append(f"… and {len(reasons) - REASONS_SHOWN} more reasons")
    if unavailable := [_dict(u) for u in _list(failure.get("unavailable"))]:
        first = f"{clean(unavailable[0].get('detail'), 100)}: {clean(unavailable[0].get('error'), 150)}"
        lines.append(f"Could not be read ({len(unavailable)}): {first}")
    return lines


def _calendar_lines(calendar: dict[str, Any]) -> list[str]:
    if calendar.get("unavailable"):
        return [f"Why: explanation unavailable: {clean(calendar['unavailable'], 300)}"]
    lines = [f"Calendar type: {code(calendar.get('type'))}"] if calendar.get("type") else []
    for cause in map(_dict, _list(calendar.get("causes"))[:5]):
        said = f": {code(cause['description'])}" if cause.get("description") else ""
        lines.append(f"• Why: {code(cause.get('summary'), 120)} ({clean(cause.get('start'), 30)}){said}")
    if following := _dict(calendar.get("next")):
        lines.append(f"Next: {code(following.get('state'), 20)} at {clean(following.get('at'), 30)}")
    return lines


def _notice_lines(notice: dict[str, Any]) -> list[str]:
    """An advance notice's when, what it touches and what blocks it."""
    lines = [
        f"When: {clean(notice.get('atLocal'), 40)} ({clean(notice.get('timeZone'), 40)}); {clean(notice.get('at'), 30)}"
    ]
    if notice.get("kind") == "calendar":
        calendar = _dict(notice.get("calendar"))
        lines.append(f"Calendar: {code(calendar.get('name'))} becomes {code(calendar.get('state'), 20)}")
        lines += [
            f"• Window inside: {code(w.get('name'))} ({code(w.get('id'))})"
            for w in map(_dict, _list(notice.get("windows"))[:5])
        ]
        return lines
    window = _dict(notice.get("window"))
    lines.append(f"Window: {code(window.get('name'))} ({code(window.get('id'))})")
    if notice.get("kind") == "correction":
        return [*lines, f"Why: {clean(notice.get('why'), 200)}; next run: {clean(notice.get('nextRun') or 'none', 30)}"]
    targets, tasks = notice.get("targets"), notice.get("tasks")
    if isinstance(targets, list):
        nodes = sum(int(t.get("nodes") or 0) for t in map(_dict, targets))
        lines.append(f"Targets: {len(targets)}, {nodes} managed nodes" if targets else "Targets: none")
    if isinstance(tasks, list):
        lines.append("Tasks: " + (", ".join(code(t.get("runs"), 100) for t in map(_dict, tasks[:5])) or "none"))
    lines += [f"• {code(c.get('name'))} is CLOSED then" for c in map(_dict, _list(notice.get("closedCalendars"))[:5])]
    lines += [f"Not read: {clean(u.get('detail'), 200)}" for u in map(_dict, _list(notice.get("unavailable"))[:5])]
    return lines


def _description(document: dict[str, Any], console: str | None) -> str:
    """Whole lines and blocks while they fit; how many were left out; the console link last."""
    kind = _kind(document)
    noun = kind.item_noun if kind else "image" if document.get("family") == "ami" else "item"
    parts = [clean(document.get("summary"), SUMMARY_MAX), *_key_lines(document)]
    parts += _calendar_lines(_dict(document.get("calendar"))) if document.get("calendar") else []
    parts += _notice_lines(_dict(document.get("notice"))) if document.get("notice") else []
    parts += _reason_lines(document, noun)
    tail = f"Console: {console}" if console else ""
    room = DESCRIPTION_MAX - len(tail) - 60  # the console line and the "not shown" line
    kept: list[str] = []
    for part in (parts := [part for part in parts if part]):
        if len(part) + 1 > room:
            break
        kept.append(part)
        room -= len(part) + 1
    left = len(parts) - len(kept)
    kept += [f"… {left} more {_noun('line', left)} not shown: see the e-mail"] if left else []
    return cut("\n".join([*kept, tail] if tail else kept), DESCRIPTION_MAX)


def _next_steps(document: dict[str, Any], console: str | None) -> list[str]:
    failure = _dict(document.get("failure"))
    given = _list(failure.get("nextSteps"))[:NEXT_STEPS_ITEMS]
    steps = [f"Full output: {code(step, NEXT_STEP_MAX - 14)}" for step in given]
    steps += [f"Console: {url}" for url in map(console_link, _list(failure.get("links"))[:NEXT_STEPS_ITEMS]) if url]
    if not steps and console:
        steps = [f"Console: {console}"]
    return [step for step in steps if len(step) <= NEXT_STEP_MAX][:NEXT_STEPS_ITEMS]


def _context(document: dict[str, Any]) -> dict[str, str]:
    keys = ("account", "accountName", "region", "severity", "status", "family", "eventId", "time")
    pairs = {**{key: document.get(key) for key in keys}, "operationKey": _dict(document.get("operation")).get("key")}
    shown = {key: clean(value, CONTEXT_VALUE_MAX) for key, value in pairs.items()}
    return dict(list({key: value for key, value in shown.items() if value}.items())[:CONTEXT_ITEMS])


def chat_payload(document: dict[str, Any]) -> dict[str, Any]:
    """The custom notification for a notification's JSON document, within the limits above."""
    console = console_link(_dict(document.get("links")).get("console"))
    operation = _dict(document.get("operation"))
    if operation:
        related = [i.get("instanceId") for i in map(_dict, _list(document.get("failed")))]
        own_id = f"{operation.get('key') or operation.get('kind')}#{operation.get('phase') or '-'}"
    else:
        related, own_id = _list(document.get("resources")), str(document.get("eventId") or thread_id(document))
    related = [r for r in (clean(r, RELATED_MAX) for r in related[: 2 * RELATED_ITEMS]) if r]
    keywords = [clean(document.get(k), KEYWORD_MAX) for k in ("severity", "family", "status", "account", "region")]
    event_type = re.sub(r"[^A-Za-z0-9-]+", "-", str(document.get("detailType") or "")).strip("-")
    return {
        "version": VERSION,
        "source": SOURCE,
        "id": identifier(own_id, ID_MAX),
        "content": {
            "textType": TEXT_TYPE,
            "title": _title(document),
            "description": _description(document, console),
            "nextSteps": _next_steps(document, console),
            "keywords": list(dict.fromkeys(k for k in keywords if k))[:KEYWORDS_ITEMS],
        },
        "metadata": {
            "threadId": thread_id(document),
            "summary": clean(document.get("summary"), SUMMARY_MAX) or _title(document),
            "eventType": event_type[:EVENT_TYPE_MAX] or "SSM-Event-Notifier",
            "relatedResources": related[:RELATED_ITEMS],
            "additionalContext": _context(document),
        },
    }
