"""Turn a parsed event into a notification: subject, text, JSON document, attributes.

Pure functions, driven by the catalog. Whatever the input, the result is one that
SNS accepts: a printable-ASCII subject under 100 characters, message plus
attributes within 256 KB (oversize values are cut with a visible marker), at
most 10 non-empty attributes so that SQS raw delivery keeps them.
"""

from __future__ import annotations

import json
import re
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from notifier.core.links import console_url
from notifier.core.models import SsmEvent
from notifier.core.severity import Severity, severity_of
from ssm_event_notifier.contract.catalog import FAMILY_BY_NAME, event_type_parsed_as

SCHEMA_VERSION = "1"
SUBJECT_MAX = 99  # SNS: "fewer than 100 characters"
SNS_MAX_BYTES = 256 * 1024  # message plus attributes
# Room for what SNS adds around our message and for rounding in our own count.
MESSAGE_BUDGET = SNS_MAX_BYTES - 4 * 1024
TEXT_VALUE_MAX = 1000  # one key field in the e-mail body
ATTRIBUTE_VALUE_MAX = 256
CUT_MARKER = "...[truncated {} characters]"
MISSING = "-"


@dataclass(frozen=True)
class Extra:
    """What a function adds to the standard notification (e.g. a calendar's explanation)."""

    key: str  # the JSON document's key for `document`
    document: dict[str, Any]
    text: list[str]
    # Raised above the catalog's (a calendar edit near a transition is a warning), if not None.
    severity: Severity | None = None


@dataclass(frozen=True)
class Origin:
    """Which account an event came from, in organization mode (None in a single-account stack).

    `account_name` is the account's name when Organizations told it, else None (the id alone);
    `organizational_units` the ids of its OU and each one above it, the root last, else None (not read).
    """

    account_name: str | None = None
    organizational_units: tuple[str, ...] | None = None

    def label(self, account: str) -> str:
        """How a subject names the account: its name, else its id."""
        return self.account_name or account

    def account_text(self, account: str) -> str:
        return f"{account} ({self.account_name})" if self.account_name else account


@dataclass(frozen=True)
class Heading:
    """What every notification says first, whatever it is about (an event, an operation)."""

    family: str
    detail_type: str
    severity: Severity
    status: str
    subject: str
    summary: str
    account: str
    region: str
    time: str | None
    name: str | None = None  # the document, runbook, window, calendar, parameter or image, if any
    origin: Origin | None = None  # organization mode: the account's name and OUs, when read


@dataclass(frozen=True)
class Notification:
    subject: str
    text: str
    document: dict[str, Any]
    attributes: dict[str, str]

    def sns_message(self) -> str:
        """The Message for MessageStructure=json: e-mail gets the text, every other protocol the document."""
        return json.dumps(
            {"default": json.dumps(self.document, ensure_ascii=False), "email": self.text}, ensure_ascii=False
        )

    def size(self) -> int:
        """Bytes SNS counts against its 256 KB limit."""
        attributes = sum(len(k.encode()) + len(v.encode()) + len("String") for k, v in self.attributes.items())
        return len(self.sns_message().encode()) + attributes


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def to_ascii(text: str) -> str:
    """Printable ASCII on one line: accents dropped, other letters replaced by '?'."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category == "Mn" or category == "Cf":  # combining marks, bidi and zero-width marks
            continue
        if char.isspace() or category.startswith("C"):
            kept.append(" ")
        elif 32 <= ord(char) < 127:
            kept.append(char)
        else:
            kept.append("?")
    return re.sub(r" {2,}", " ", "".join(kept)).strip()


def cut(text: str, limit: int) -> str:
    """Text within `limit` characters, marking what was cut."""
    if len(text) <= limit:
        return text
    # The count in the marker is at most len(text): reserve room for that many digits.
    keep = max(limit - len(CUT_MARKER.format(len(text))), 0)
    return text[:keep] + CUT_MARKER.format(len(text) - keep)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", text)).strip()


class _Fallback(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return MISSING


def _fill(template: str, fields: Mapping[str, str]) -> str:
    values = _Fallback({k: (v if v != "" else MISSING) for k, v in fields.items()})
    return string.Formatter().vformat(template, (), values)


def make_subject(severity: str, headline: str, region: str, account: str | None = None) -> str:
    """ "[ERROR] headline (region)"; in organization mode "(account, region)", the account by name if known."""
    prefix = f"[{severity.upper()}] "
    where = f"{to_ascii(account)[:28]}, {to_ascii(region)[:30]}" if account else to_ascii(region)[:30]
    suffix = f" ({where})"
    body = to_ascii(headline[: SUBJECT_MAX * 4]) or MISSING  # cut first: a field may be 250 KB
    room = SUBJECT_MAX - len(prefix) - len(suffix)
    if len(body) > room:
        body = body[: room - 3].rstrip() + "..."
    return prefix + body + suffix


def _attribute(value: str, fallback: str = "unknown") -> str:
    # SNS refuses empty attribute values; filter policies match on plain ASCII reliably.
    return to_ascii(value[: ATTRIBUTE_VALUE_MAX * 4])[:ATTRIBUTE_VALUE_MAX] or fallback


def _cut_strings(value: Any, limit: int) -> Any:
    if isinstance(value, str):
        return cut(value, limit)
    if isinstance(value, list):
        return [_cut_strings(v, limit) for v in value]
    if isinstance(value, dict):
        return {cut(str(k), limit): _cut_strings(v, limit) for k, v in value.items()}
    return value


def _time_text(event: SsmEvent) -> str:
    return event.time if isinstance(event.time, str) else event.time.isoformat().replace("+00:00", "Z")


def render(
    event: SsmEvent,
    raw: Mapping[str, Any],
    extra: Extra | None = None,
    severity: Severity | None = None,
    headline_prefix: str = "",
    origin: Origin | None = None,
) -> Notification:
    """The notification for a parsed event; `raw` is the event as received.

    `severity` and `headline_prefix` override the catalog's, for notifications this
    project raises itself (a missed calendar transition).
    """
    event_type = event_type_parsed_as(event.detail_type, type(event).__name__)
    family = FAMILY_BY_NAME[event_type.family]
    fields = event.template_fields()
    status = event.detail.status
    severity = severity or (extra.severity if extra else None) or severity_of(status, event_type.least_severity)
    headline = headline_prefix + _fill(event_type.subject, fields)
    subject = make_subject(severity, headline, event.region, origin.label(event.account) if origin else None)
    link = console_url(event_type.console_path, fields) if event_type.console_path else None
    time = _time_text(event)
    summary = cut(_one_line(f"{event_type.title}: {headline}"), TEXT_VALUE_MAX)

    lines = [subject, "", summary, ""]
    shown = [(label, fields[name]) for label, name in event_type.key_fields if fields.get(name)]
    account = origin.account_text(event.account) if origin else event.account
    shown += [("Account", account), ("Region", event.region), ("Time", time), ("Event id", event.id)]
    width = max(len(label) for label, _ in shown) + 2
    lines += [f"{label + ':':<{width}}{cut(_one_line(value), TEXT_VALUE_MAX)}" for label, value in shown]
    lines += [f"{'Resource:':<{width}}{cut(_one_line(arn), TEXT_VALUE_MAX)}" for arn in event.resources[:10]]
    if link:
        lines.append(f"{'Console:':<{width}}{cut(link, TEXT_VALUE_MAX)}")
    if extra:
        lines += ["", *(cut(line, TEXT_VALUE_MAX) for line in extra.text)]
    lines += ["", f"Severity: {severity}. Family: {family.title}. Sent by SSM Event Notifier."]
    text = "\n".join(_CONTROL.sub(lambda m: m.group() if m.group() == "\n" else " ", line) for line in lines)

    typed = {k: v for k, v in fields.items() if k not in ("region", "account")}
    heading = Heading(
        family=family.name,
        detail_type=event.detail_type,
        severity=severity,
        status=status,
        subject=subject,
        summary=summary,
        account=event.account,
        region=event.region,
        time=time,
        name=fields.get(event_type.name_field) if event_type.name_field else None,
        origin=origin,
    )
    body: dict[str, Any] = {
        "eventId": event.id,
        "source": event.source,
        "resources": list(event.resources),
        "fields": typed,
        "links": {"console": link} if link else {},
        "event": dict(raw),
    }
    if extra:
        body[extra.key] = extra.document
    return _fit(compose(heading, text, body))


def compose(heading: Heading, text: str, body: dict[str, Any]) -> Notification:
    """The one shape of every notification: the document's common head, then `body`; the attributes."""
    document: dict[str, Any] = {
        "version": SCHEMA_VERSION,
        "family": heading.family,
        "detailType": heading.detail_type,
        "severity": heading.severity,
        "status": heading.status,
        "subject": heading.subject,
        "summary": heading.summary,
        # The e-mail body, for systems that forward to people (chat, tickets).
        "text": text,
        "account": heading.account,
        **({"accountName": heading.origin.account_name} if heading.origin and heading.origin.account_name else {}),
        "region": heading.region,
        "time": heading.time,
        **body,
    }
    attributes = {
        "family": heading.family,
        "detail_type": _attribute(heading.detail_type),
        "severity": heading.severity,
        "status": _attribute(heading.status),
        "account": _attribute(heading.account),
        "region": _attribute(heading.region),
    }
    # Left out when the message names nothing (or nothing printable): no route by name matches it then.
    if name := _attribute(heading.name or "", fallback=""):
        attributes["name"] = name
    # A String.Array (core.envelopes.message_attributes), never cut (a cut breaks the list); left out unread.
    if heading.origin and heading.origin.organizational_units:
        attributes["organizational_units"] = json.dumps(list(heading.origin.organizational_units))
    return Notification(heading.subject, text, document, attributes)


# Short by construction (catalog values, the subject already cut): never cut.
_NEVER_CUT = {"version", "family", "detailType", "severity", "subject", "truncated"}


def _fit(notification: Notification) -> Notification:
    """Cut the document's long strings (then drop its bulk) until SNS's size limit holds."""
    if notification.size() <= MESSAGE_BUDGET:
        return notification
    document = dict(notification.document, truncated=True)
    limit = 16 * 1024
    while limit >= 64:
        for key, value in notification.document.items():
            if key not in _NEVER_CUT:
                document[key] = _cut_strings(value, limit)
        candidate = Notification(notification.subject, notification.text, document, notification.attributes)
        if candidate.size() <= MESSAGE_BUDGET:
            return candidate
        limit //= 2
    # Too many values to fit even when each is short: keep the envelope and say so.
    document["event"] = {"truncated": "the original event was too large to include"}
    document["fields"] = {"truncated": "the fields were too large to include"}
    document["resources"] = document["resources"][:10]
    text = cut(notification.text, 32 * 1024)
    document["text"] = text
    return Notification(notification.subject, text, document, notification.attributes)
