"""AWS requests per event, per family, counted from botocore's request events.

Each function's real handler module (handlers.*, as Lambda imports it) is imported with its
clients hooked to a counter (tools/harness/sdk_hooks.py Calls: one count per HTTP request sent).
Every sample of events/ is delivered with a fresh id (a new event), then again (a duplicate).
"""

from __future__ import annotations

import copy
import importlib
import statistics
import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any

from ssm_event_notifier.contract.catalog import FUNCTIONS
from tools.harness.context import fake_context
from tools.harness.samples import family_of, function_of, samples
from tools.harness.sdk_hooks import Calls, clients_hooked

# No goal for these: the calendar function reads the calendar document and keeps per-transition
# state, and for an edit reads the version it replaced and keeps the last version audited; the API
# audit claims its burst window first (one more write per new call).
EXEMPT = ("calendar", "calendar-edits", "api-audit")
# Families with one more conditional write by design, shown on a row of their own (and priced with the rest):
# an AMI's first report of an image state claims it, so that EC2's two reports of it make one message.
CLAIMED = ("ami",)


def operations(counts: Mapping[str, float]) -> str:
    """Counts of "service.Operation" as the benchmark table writes them: "PutItem 1, Publish 1"."""
    return ", ".join(f"{op.split('.')[1]} {n:g}" for op, n in counts.items())


def _mean(counts: list[Counter[str]]) -> dict[str, float]:
    operations = sorted({operation for count in counts for operation in count})
    return {operation: round(statistics.fmean(count[operation] for count in counts), 2) for operation in operations}


def measure() -> dict[str, Any]:
    """The environment must point at the local services (table, topic, endpoints)."""
    calls = Calls()
    handlers = {}
    with clients_hooked(calls.attach):
        for function, handler_path in FUNCTIONS.items():
            module, attribute = handler_path.rsplit(".", 1)
            handlers[function] = getattr(importlib.import_module(module), attribute)
    calls.take()
    families: dict[str, dict[str, list[Counter[str]]]] = {}
    for path, event in samples():
        event["id"] = f"bench-calls-{uuid.uuid4()}"
        handler = handlers[function_of(path)]
        seen = families.setdefault(family_of(path), {"new": [], "duplicate": []})
        first = handler(copy.deepcopy(event), fake_context())
        seen["new"].append(calls.take())
        again = handler(copy.deepcopy(event), fake_context())
        seen["duplicate"].append(calls.take())
        if first.get("duplicate") or not again.get("duplicate"):
            raise RuntimeError(f"{path}: expected a notification, then a duplicate: {first}, {again}")
    return summary(
        {
            name: {
                "samples": len(seen["new"]),
                "new": max(sum(count.values()) for count in seen["new"]),
                "duplicate": max(sum(count.values()) for count in seen["duplicate"]),
                "new_by_operation": _mean(seen["new"]),
                "duplicate_by_operation": _mean(seen["duplicate"]),
            }
            for name, seen in families.items()
        }
    )


def summary(table: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The figures of the families' table: the worst family with a goal, and the others each on its own."""
    counted = [name for name in table if name not in EXEMPT + CLAIMED]
    return {
        "calls_per_new_event": max(table[name]["new"] for name in counted),
        "calls_per_duplicate": max(table[name]["duplicate"] for name in counted),
        "goal": "<= 3 per new event and <= 1 per duplicate, outside the calendar, API audit and AMI families",
        **{
            name.replace("-", "_"): {key: table[name][key] for key in ("new", "duplicate")} if name in table else None
            for name in EXEMPT + CLAIMED
        },
        "families": table,
    }
