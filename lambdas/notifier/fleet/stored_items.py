"""The operations table's items, read back: DynamoDB's attribute values into the summaries' records.

Pure: `operation_store` queries, this module decodes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from notifier.fleet.observations import OPERATION_ITEM, TASK_PREFIX
from notifier.fleet.summaries import ItemState, OperationRecord
from ssm_event_notifier.contract.operations_table import PARTITION_KEY, SORT_KEY

FIELD_PREFIX = "f_"  # the operation item's attributes that hold the fields its events said


def _text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name, {}).get("S")
    return value if isinstance(value, str) else None


def _number(item: dict[str, Any], name: str) -> int | None:
    value = item.get(name, {}).get("N")
    return int(value) if value is not None else None


def generation_of(item: dict[str, Any]) -> int:
    """The wave an item belongs to: quiet-ended operations start a new one after each message."""
    return _number(item, "generation") or 0


def operation_record(item: dict[str, Any]) -> OperationRecord:
    expires = _number(item, "expiresAt")
    return OperationRecord(
        operation=item[PARTITION_KEY]["S"],
        kind=_text(item, "kind") or "command",
        family=_text(item, "family") or ("run-command" if _text(item, "kind") == "command" else "maintenance-window"),
        region=_text(item, "region") or "-",
        account=_text(item, "account") or "-",
        fields={
            name.removeprefix(FIELD_PREFIX): value["S"]
            for name, value in item.items()
            if name.startswith(FIELD_PREFIX) and "S" in value
        },
        final_status=_text(item, "finalStatus"),
        final_time=_text(item, "finalTime"),
        last_status=_text(item, "lastStatus"),
        expires_at=datetime.fromtimestamp(expires, UTC) if expires is not None else None,
        generation=generation_of(item),
        interim_sent="interimMessageId" in item,
    )


def split_items(items: list[dict[str, Any]], generation: int) -> tuple[list[ItemState], list[ItemState]]:
    """(items, tasks) of one wave of an operation, each at its latest status."""
    states: list[ItemState] = []
    tasks: list[ItemState] = []
    for item in items:
        key = item[SORT_KEY]["S"]
        if key == OPERATION_ITEM or generation_of(item) != generation:
            continue
        time, status, reason = _text(item, "time"), _text(item, "status") or "", _text(item, "reason")
        if key.startswith(TASK_PREFIX):
            tasks.append(ItemState(key.removeprefix(TASK_PREFIX), status, time))
        else:
            task = _text(item, "task")
            name = key.split("/", 1)[1] if task and "/" in key else key
            states.append(ItemState(name, status, time, task, reason))
    return states, tasks
