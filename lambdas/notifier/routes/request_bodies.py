"""What each kind of destination receives for one notification (pure): PagerDuty Events API v2, Jira
Service Management (the Opsgenie-compatible alerts API), and the JSON document signed with HMAC-SHA256."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from notifier.routes.incidents import Action, incident_key

SOURCE = "SSM Event Notifier"
SIGNATURE_HEADER = "X-Ssm-Notifier-Signature"  # "sha256=<hex HMAC of the body>", as GitHub signs webhooks
# PagerDuty's severities are critical, error, warning, info.
PAGERDUTY_SEVERITY = {"error": "error", "warning": "warning", "info": "info"}
JSM_PRIORITY = {"error": "P2", "warning": "P3", "info": "P5"}
SUMMARY_MAX = 1024  # PagerDuty's payload.summary
MESSAGE_MAX = 130  # JSM's message
DESCRIPTION_MAX = 15000  # JSM's description
DETAILS = ("family", "detailType", "status", "account", "accountName", "region", "time", "fields", "failureReasons")


def _details(document: dict[str, Any], more: tuple[str, ...] = ()) -> dict[str, Any]:
    return {name: document[name] for name in DETAILS + more if document.get(name) not in (None, "", [], {})}


def _console(document: dict[str, Any]) -> str | None:
    link = (document.get("links") or {}).get("console")
    return link if isinstance(link, str) and link.startswith("https://") else None


def pagerduty_event(document: dict[str, Any], routing_key: str, action: Action) -> dict[str, Any]:
    """An Events API v2 event: a trigger carries the message, a resolve only its key."""
    event: dict[str, Any] = {"routing_key": routing_key, "event_action": action, "dedup_key": incident_key(document)}
    if action == "resolve":
        return event
    event["payload"] = {
        "summary": str(document.get("subject", ""))[:SUMMARY_MAX],
        "source": f"{document.get('account', '-')}/{document.get('region', '-')}",
        "severity": PAGERDUTY_SEVERITY.get(str(document.get("severity")), "error"),
        "timestamp": document.get("time"),
        "component": document.get("family"),
        "group": document.get("detailType"),
        "class": document.get("status"),
        # The failure's reasons as data too (a single event's `failure`); JSM's details, limited to a few
        # thousand characters, leave them to the description's text.
        "custom_details": {**_details(document, ("failure",)), "text": document.get("text", "")},
    }
    console = _console(document)
    event["links"] = [{"href": console, "text": "AWS console"}] if console else []
    event["client"] = SOURCE
    return event


def jsm_alert(document: dict[str, Any]) -> dict[str, Any]:
    """A create-alert request; its alias dedupes a repeat into the same alert."""
    return {
        "message": str(document.get("subject", ""))[:MESSAGE_MAX],
        "alias": incident_key(document),
        "description": str(document.get("text", ""))[:DESCRIPTION_MAX],
        "priority": JSM_PRIORITY.get(str(document.get("severity")), "P3"),
        "source": SOURCE,
        "tags": [str(document.get("family", "")), str(document.get("severity", ""))],
        "details": {
            name: json.dumps(value) if not isinstance(value, str) else value
            for name, value in _details(document).items()
        },
    }


def jsm_close(document: dict[str, Any]) -> dict[str, Any]:
    return {"source": SOURCE, "note": str(document.get("subject", ""))[:MESSAGE_MAX]}


def signed_json(document: dict[str, Any], signing_key: str) -> tuple[bytes, dict[str, str]]:
    """The JSON document as the body, and the header that proves it came from the notifier."""
    body = json.dumps(document, ensure_ascii=False, sort_keys=True).encode()
    signature = hmac.new(signing_key.encode(), body, hashlib.sha256).hexdigest()
    return body, {SIGNATURE_HEADER: f"sha256={signature}"}
