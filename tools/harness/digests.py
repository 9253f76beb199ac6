"""A digest of one run of a fleet-wide operation, made as the sweeper makes it (summary, then message), for
tests of what consumes digests: the route relay's incidents, the chat card."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from notifier.core.render import Notification
from notifier.fleet.digest_messages import render_digest
from notifier.fleet.summaries import ItemState, OperationRecord, summarize
from ssm_event_notifier.contract.catalog import EVENT_TYPES

SWEPT_AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def run_digest(kind: str, run: str, status: str, items: Sequence[str] = ("i-0001",), **fields: str) -> Notification:
    """The digest of run `run` (its id) of an operation of `kind`, its `items` (instances) ending `status`, in
    123456789012/eu-west-1; `fields` are the operation's recorded fields (a window's id, a document's name)."""
    family = next(event_type.family for event_type in EVENT_TYPES if event_type.operation == kind)
    record = OperationRecord(
        operation=f"{kind}#{run}",
        kind=kind,
        family=family,
        region="eu-west-1",
        account="123456789012",
        fields=fields,
        final_status=status,
        final_time="2026-03-02T10:20:00Z",
    )
    states = [ItemState(item, status, "2026-03-02T10:10:00Z") for item in items]
    return render_digest(summarize(record, states, [], SWEPT_AT))
