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
    if report.source == "event":  # nothing is read for its kind
        lines = ["", "Why it failed, as the event says:"]
    elif read < total:
        lines = ["", f"Why it failed (read for {read} of {total}; the others are counted, not read):"]
    elif report.reasons:
        lines = ["", "Why it failed:"]
    else:
        lines = ["", "Why it failed: the reads named no failed item."]
    for entry in report.reasons:
        counted = f"{entry.count} {report.noun}{'' if entry.count == 1 else 's'}"
        if entry.read:
            # The event's reason may already say it all ("Failed: error code 1"): said once.
            said = "" if entry.summary in entry.reason else f": {cut(entry.summary, 200)}"
            lines.append(f"  {cut(entry.reason, 200)}: {counted}{said}")
            lines += quoted("\n".join(line for line in entry.output.split("\n") if line != entry.summary))
        else:
            lines.append(f"  {cut(entry.reason, 200)}: {counted}{'' if report.source == 'event' else ', not read'}")
        shown = ", ".join(named(key, report.names) for key in entry.items[:ITEMS_SHOWN])
        more = f" and {entry.count - ITEMS_SHOWN} more" if entry.count > ITEMS_SHOWN else ""
        lines.append(f"    {shown}{more}")
    if report.unavailable:
        lines += ["", "Could not be read:"]
        lines += [f"  {cut(u.detail, 200)}: {cut(u.error, 300)}" for u in report.unavailable[:10]]
        if len(report.unavailable) > 10:
            lines.append(f"  ... and {len(report.unavailable) - 10} more")
    if report.next_steps or report.links:
        lines += ["", "Next steps:"]
        lines += [f"  Console: {cut(link, 1000)}" for link in report.links]
        lines += [f"  Full output: {cut(step, 1000)}" for step in report.next_steps]
    return lines


def failure_document(report: FailureReport) -> dict[str, Any]:
    return {
        "reasons": [
            {
                "reason": cut(entry.reason, 256),
                "count": entry.count,
                "items": [cut(key, ID_MAX) for key in entry.items[:ITEMS_SHOWN]],
                "summary": entry.summary or None,
                "output": entry.output or None,
                "read": entry.read,
            }
            for entry in report.reasons
        ],
        "unavailable": [{"detail": cut(u.detail, 200), "error": cut(u.error, 300)} for u in report.unavailable],
        # What the items shown are called (Name tag, computer name, image name), by id.
        "names": {
            cut(key, ID_MAX): cut(report.names[key], ID_MAX)
            for entry in report.reasons
            for key in entry.items[:ITEMS_SHOWN]
            if report.names.get(key)
        },
        "nextSteps": [cut(step, 1000) for step in report.next_steps],
        "links": [cut(link, 1000) for link in report.links],
        "calls": report.calls,
        # How many items the reads listed, failed or not (null: no read lists them); where the reasons
        # come from: "reads" (the events' and what was read), "event" (the event's alone).
        "seen": report.seen,
        "source": report.source,
    }
