"""The one place that turns each service's status words into a severity.

Services spell statuses differently (``Failed``, ``FAILED``, ``TIMED_OUT``,
``TimedOut``, ``non_compliant``...), so words are compared after dropping case
and everything but letters and digits.
"""

from __future__ import annotations

import re
from typing import Literal

Severity = Literal["error", "warning", "info"]

_ERROR = {
    "failed",
    "failure",
    "timedout",
    "cancelled",
    "canceled",
    "noncompliant",
    "rejected",
    "deliverytimedout",
    "executiontimedout",
    "undeliverable",
    "terminated",
    "accessdenied",
    "completedwithfailure",
    "changecalendaroverriderejected",
    "expiration",  # Parameter Store Policy Action: the parameter expired and was deleted
}
_WARNING = {
    "cancelling",
    "canceling",
    "delayed",
    "skippedoverlapping",
    "disabled",
    "deregistered",
    "delete",
    "incomplete",
    "exited",
    "pendingapproval",
    "pendingchangecalendaroverride",
    "rateexceeded",
    "expirationnotification",  # Parameter Store Policy Action: the parameter expires soon
    "nochangenotification",  # ... it has not changed for longer than its policy allows
}
# Everything else (Success, InProgress, OPEN, Create, available, compliant, and words
# AWS adds later) is information.


def normalize_status(status: str) -> str:
    return re.sub(r"[^a-z0-9]", "", status.lower())


def severity_of(status: str, least: str | None = None) -> Severity:
    """The severity of a status word, raised to `least` (a catalog entry's least severity) if that is higher."""
    word = normalize_status(status)
    if word in _ERROR or least == "error":
        return "error"
    if word in _WARNING or least == "warning":
        return "warning"
    return "info"


def failed(status: str) -> bool:
    """A status that reports a failure (the ones the failure reads explain)."""
    return severity_of(status) == "error"
