"""A FailureReport as the e-mail body's lines and as the JSON document's `failure` object."""

from __future__ import annotations

from typing import Any

from notifier.core.render import cut
from notifier.failures.output import quoted
from notifier.failures.reasons import FailureReport

ITEMS_SHOWN = 10  # items named per reason (the fleet message lists every failed item above it)
ID_MAX = 128


def named(key: str, names: dict[str, str]) -> str:
    """ "i-0abc (web-01)" when the instance has a name."""
    name = names.get(key)
    return f"{cut(key, ID_MAX)} ({cut(name, ID_MAX)})" if name else cut(key, ID_MAX)


def failure_lines(report: FailureReport) -> list[str]:
    read = sum(entry.read for entry in report.reasons)
    total = sum(entry.count for entry in report.reasons)
    lines = ["", f"Why it failed (read for {read} of {total}; the others are counted, not read):"]
    for entry in report.reasons:
        if entry.read:
            first = entry.output.split("\n", 1)[0] if entry.output else ""
            lines.append(f"  {entry.reason}: {entry.count} alike: {cut(first, 200)}")
            lines += quoted("\n".join(entry.output.split("\n")[1:]))
        else:
            lines.append(f"  {entry.reason}: {entry.count} not read")
        shown = ", ".join(named(key, report.names) for key in entry.items[:ITEMS_SHOWN])
        more = f" and {entry.count - ITEMS_SHOWN} more" if entry.count > ITEMS_SHOWN else ""
        lines.append(f"    {shown}{more}")
    if report.unavailable:
        lines += ["", "Could not be read:"]
        lines += [f"  {cut(u.detail, 200)}: {cut(u.error, 300)}" for u in report.unavailable[:10]]
        if len(report.unavailable) > 10:
            lines.append(f"  ... and {len(report.unavailable) - 10} more")
    if report.next_steps:
        lines += ["", "The full output:"]
        lines += [f"  {cut(step, 1000)}" for step in report.next_steps]
    return lines


def failure_document(report: FailureReport) -> dict[str, Any]:
    return {
        "reasons": [
            {
                "reason": cut(entry.reason, 256),
                "count": entry.count,
                "items": [cut(key, ID_MAX) for key in entry.items[:ITEMS_SHOWN]],
                "output": entry.output or None,
                "read": entry.read,
            }
            for entry in report.reasons
        ],
        "unavailable": [{"detail": cut(u.detail, 200), "error": cut(u.error, 300)} for u in report.unavailable],
        "nextSteps": [cut(step, 1000) for step in report.next_steps],
        "calls": report.calls,
    }
