"""What became of one event (or one batch) in a replay: ``ReplayedEvent``, its outcome, and why it failed.

The outcomes: "notified" (the function returned), "duplicate" (it answered from its idempotency
record), "unmatched" (no rule matched), "checked" (a scheduled run that had nothing to announce),
"buffered" (sent to a queue a function reads in batches), "recorded" (a batch read without a
failure); and the two that fail a replay, "rejected" (the function refused the event) and "failed".
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

OK_OUTCOMES = ("notified", "duplicate", "unmatched", "checked", "buffered", "recorded")
FAILED_OUTCOMES = ("rejected", "failed")


@dataclass
class ReplayedEvent:
    file: str
    event_id: str | None
    detail_type: str | None
    rule: str | None = None
    function: str | None = None
    outcome: str = "unmatched"
    error: str | None = None
    attempts: int = 0
    dead_letter_queue: str | None = None
    notifications: list[dict[str, Any]] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    queue: str | None = None  # where a rule sent the event, or the queue a batch was read from
    # What the route destinations received for its notifications (tools.harness.route_stand_ins).
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "eventId": self.event_id,
            "detailType": self.detail_type,
            "rule": self.rule,
            "function": self.function,
            "outcome": self.outcome,
            "error": self.error,
            "attempts": self.attempts,
            "deadLetterQueue": self.dead_letter_queue,
            "queue": self.queue,
            "notifications": self.notifications,
            "deliveries": self.deliveries,
        }


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else text


def _log_records(logs: list[str]) -> Iterator[dict[str, Any]]:
    """The JSON objects among a function's log lines (Powertools' structured records)."""
    for line in logs:
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            if isinstance(record, dict):
                yield record


def refused_records(logs: list[str]) -> list[str]:
    """The reasons of the records a batch function refused and sent to its dead-letter queue itself."""
    return [str(record.get("reason")) for record in _log_records(logs) if record.get("message") == "event refused"]


def logged_errors(logs: list[str]) -> list[str]:
    """The exceptions a function logged with Powertools (JSON lines with "exception"), once each."""
    reasons: list[str] = []
    for record in _log_records(logs):
        if isinstance(record.get("exception"), str):
            reason = last_line(record["exception"])
            if reason not in reasons:
                reasons.append(reason)
    return reasons


def batch_outcome(failed: int, records: int, returned: bool, logs: list[str], error: str) -> tuple[str, str | None]:
    """(outcome, error) of a batch of `records` of which `failed` were handed back (or the whole batch
    raised: `returned` False, `error` what it raised): "failed", "rejected" (refused records, sent to the
    dead-letter queue by the function itself, with their reasons) or "recorded"."""
    refused = refused_records(logs)
    if failed:
        if returned:  # it returned them in batchItemFailures: only its logs may say why
            reasons = logged_errors(logs) or ["reported failed by the function, which logged no reason"]
        else:
            reasons = logged_errors(logs) or [last_line(error)]
        return "failed", f"{failed} of {records} records failed: {'; '.join(reasons)}"
    if refused:
        return "rejected", f"{len(refused)} of {records} records refused: {'; '.join(dict.fromkeys(refused))}"
    return "recorded", None
