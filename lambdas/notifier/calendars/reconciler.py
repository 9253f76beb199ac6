"""The missed-transition reconciler: compare GetCalendarState with the state last notified, and
announce a transition AWS did not (its events are best effort within 15 minutes)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from notifier.calendars.instants import iso_utc
from notifier.calendars.transitions import TransitionStore
from ssm_event_notifier.contract.catalog import event_types_of

# What AWS may not announce: the calendar family's one detail-type (its model is not loaded at cold start).
(STATE_CHANGE,) = event_types_of("calendar")


@dataclass(frozen=True)
class MissedTransition:
    calendar: str
    state: str
    last_notified: str
    since: datetime
    next_transition: str | None

    def as_event(self, account: str, region: str, partition: str = "aws") -> dict[str, Any]:
        """A Calendar State Change event, as AWS would have sent it, for the standard renderer."""
        now = iso_utc(datetime.now(UTC))
        detail: dict[str, Any] = {"state": self.state, "atTime": iso_utc(self.since)}
        if self.next_transition:
            detail["nextTransitionTime"] = self.next_transition
        return {
            "version": "0",
            "id": f"missed-{uuid.uuid4()}",
            "detail-type": STATE_CHANGE.detail_type,
            "source": "ssm-event-notifier.reconciler",
            "account": account,
            "time": now,
            "region": region,
            "resources": [f"arn:{partition}:ssm:{region}:{account}:document/{self.calendar}"],
            "detail": detail,
        }


def reconcile(
    calendars: list[str],
    ssm_client: Any,
    store: TransitionStore,
    now: datetime,
    grace: timedelta,
    record_of: Callable[[str], str] = str,
) -> list[tuple[MissedTransition, Any]]:
    """Transitions AWS has not announced for longer than `grace`, each with its open claim.

    The caller publishes each and then closes the claim (a context manager); a failed publish
    undoes it. Calendars seen for the first time are recorded silently as a baseline.
    `record_of(name)`: the calendar's transition record (in a hub, keyed by account and region too).
    """
    missed = []
    for name in calendars:
        state = ssm_client.get_calendar_state(CalendarNames=[name], AtTime=iso_utc(now))
        actual = state["State"]
        record = record_of(name)
        seen = store.last(record)
        if seen is None:
            store.baseline(record, actual, now)
        elif seen.state == actual:
            if seen.mismatch_since:
                store.mark_mismatch(record, seen, None)
        elif seen.mismatch_since is None:
            store.mark_mismatch(record, seen, now)
        elif now - seen.mismatch_since >= grace:
            transition = MissedTransition(
                name, actual, seen.state, seen.mismatch_since, state.get("NextTransitionTime")
            )
            missed.append((transition, store.claim(record, actual, now, f"reconciler-{uuid.uuid4()}")))
    return missed
