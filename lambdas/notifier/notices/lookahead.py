"""One run of the look-ahead: the notices due now, each claimed once, and the corrections of runs announced
that moved or were cancelled.

A notice of lead L for a run (or transition) at T is due from T - L until the next shorter lead's time
(or T): so each lead gives one notice, and a run found late gets only the latest lead's, said as the time
actually left. The look-ahead sees the longest lead plus one schedule period ahead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from notifier.core.render import Notification
from notifier.notices.claims import NoticeClaims, announced_entry
from notifier.notices.notice_messages import ClosedCalendar, WindowRuns, calendar_notice, correction, window_notice
from notifier.notices.notice_text import Where
from notifier.notices.schedules import utc
from notifier.notices.windows import Window, WindowReader

# How far a calendar's closed period is searched for the windows that run in it.
CLOSED_PERIOD_MAX = timedelta(days=14)
MINUTE = timedelta(minutes=1)


class CalendarOutlook(Protocol):
    """A monitored calendar's future (notifier.calendars.Outlook): passed in, so that features stay apart."""

    name: str

    def transitions(self, after: datetime, until: datetime) -> list[dict[str, Any]]: ...

    def closed_at(self, moment: datetime) -> dict[str, Any] | None: ...


@dataclass
class Outcome:
    published: list[Notification] = field(default_factory=list)
    corrections: int = 0
    calls: int = 0  # SSM calls made
    deferred: int = 0  # notices left for the next run: not time enough left in this one
    unread: list[str] = field(default_factory=list)  # the windows whose runs could not be read, and why


def due_lead(at: datetime, now: datetime, leads: Sequence[int]) -> int | None:
    """The lead time (minutes, longest first) whose notice of `at` is due at `now`, if any."""
    for index, lead in enumerate(leads):
        shorter = leads[index + 1] if index + 1 < len(leads) else 0
        if at - timedelta(minutes=lead) <= now < at - timedelta(minutes=shorter):
            return lead
    return None


@dataclass
class LookAhead:
    leads: tuple[int, ...]  # minutes, longest first
    rate_minutes: int
    claims: NoticeClaims
    publish: Callable[[Notification], Any]
    calendars: Sequence[CalendarOutlook] = ()
    # Seconds the function has left, and what one more notice may need (its reads, its publish): a notice
    # that would not fit is left claimable, for the next run (it stays due until the next lead's time).
    time_left: Callable[[], float] = lambda: float("inf")
    time_needed: float = 0.0

    @property
    def horizon(self) -> timedelta:
        return timedelta(minutes=max(self.leads) + self.rate_minutes)

    def run(self, reader: WindowReader, now: datetime, where: Where, *, calendar_notices: bool = True) -> Outcome:
        """Lists the windows (its error raises after the calendars' notices), then announces and corrects."""
        outcome = Outcome()
        try:
            windows = reader.windows()
        except (ClientError, BotoCoreError):
            if calendar_notices:
                self._calendar_notices([], reader, now, where, outcome)
            outcome.calls = reader.calls
            raise
        runs = {w.window_id: self._runs(reader, w, now, now + self.horizon, outcome) for w in windows if w.enabled}
        if calendar_notices:
            self._calendar_notices([w for w in windows if w.enabled], reader, now, where, outcome)
        for window in windows:
            for run in runs.get(window.window_id) or ():
                lead = due_lead(run, now, self.leads)
                if lead is not None and self.time_left() < self.time_needed:
                    outcome.deferred += 1
                elif lead is not None:
                    self._window_notice(reader, window, run, lead, now, where, outcome)
        self._corrections(windows, runs, reader, now, where, outcome)
        outcome.calls = reader.calls
        return outcome

    def _runs(
        self, reader: WindowReader, window: Window, after: datetime, until: datetime, outcome: Outcome | None = None
    ) -> list[datetime] | None:
        """None when the window's runs cannot be had (AWS's schedule read failed): no notice, no correction,
        and the window named in `outcome` (the function then fails, alarmed, and the next run reads again)."""
        try:
            return reader.runs_between(window, after, until)
        except (ClientError, BotoCoreError) as error:
            if outcome is not None:
                outcome.unread.append(f"window {window.window_id}: its schedule: {type(error).__name__}: {error}")
            return None

    def _window_notice(
        self,
        reader: WindowReader,
        window: Window,
        run: datetime,
        lead: int,
        now: datetime,
        where: Where,
        outcome: Outcome,
    ) -> None:
        with self.claims.notice(window.window_id, run, lead) as claimed:
            if not claimed:
                return
            closed = [c for c in (self._closed(o, run) for o in self.calendars) if c is not None]
            notification = window_notice(window, run, lead, now, reader.details(window), closed, where)
            self.publish(notification)
        outcome.published.append(notification)
        self.claims.remember({announced_entry(window.window_id, run)}, now)

    def _closed(self, outlook: CalendarOutlook, run: datetime) -> ClosedCalendar | None:
        period = outlook.closed_at(run)
        if period is None:
            return None
        causes = tuple(str(cause) for cause in period.get("causes", []))
        return ClosedCalendar(outlook.name, period.get("since"), period.get("until"), causes, period["timeZone"])

    def _calendar_notices(
        self, windows: list[Window], reader: WindowReader, now: datetime, where: Where, outcome: Outcome
    ) -> None:
        for outlook in self.calendars:
            for transition in outlook.transitions(now, now + self.horizon):
                at = utc(transition["at"])
                lead = due_lead(at, now, self.leads) if at else None
                if at is None or lead is None:
                    continue
                with self.claims.notice(outlook.name, at, lead) as claimed:
                    if not claimed:
                        continue
                    inside = self._inside(windows, reader, at, utc(transition.get("until")))
                    notification = calendar_notice(outlook.name, transition, lead, now, inside, where)
                    self.publish(notification)
                outcome.published.append(notification)

    def _inside(
        self, windows: list[Window], reader: WindowReader, start: datetime, end: datetime | None
    ) -> list[WindowRuns]:
        """The windows that run in [start, end): a closed period's (searched CLOSED_PERIOD_MAX at most)."""
        until = min(end or start + CLOSED_PERIOD_MAX, start + CLOSED_PERIOD_MAX) - MINUTE
        found = []
        for window in windows:
            runs = self._runs(reader, window, start - MINUTE, until)
            if runs:
                found.append(WindowRuns(window, tuple(runs)))
        return found

    def _corrections(
        self,
        windows: list[Window],
        runs: dict[str, list[datetime] | None],
        reader: WindowReader,
        now: datetime,
        where: Where,
        outcome: Outcome,
    ) -> None:
        by_id = {w.window_id: w for w in windows}
        done: set[str] = set()
        for entry in sorted(self.claims.announced()):
            window_id, _, when = entry.partition("|")
            run = utc(when)
            if run is None or run <= now:
                done.add(entry)  # it ran (or its time passed): nothing to correct any more
                continue
            window = by_id.get(window_id)
            if window is not None and window.enabled:
                upcoming = runs.get(window_id)
                if upcoming is None or run > now + self.horizon:
                    continue  # not known now, or beyond what this run computed: left as it is
                if run in upcoming:
                    continue
            why = (
                "the window was deleted"
                if window is None
                else ("the window was disabled" if not window.enabled else "the window's schedule changed")
            )
            next_run = self._next_run(reader, window, now) if window is not None and window.enabled else None
            zone = window.schedule.zone if window else "UTC"
            with self.claims.correction(window_id, run) as claimed:
                if claimed:
                    name = window.name if window else window_id
                    notification = correction(window_id, name, run, now, why, next_run, zone, where)
                    self.publish(notification)
                    outcome.published.append(notification)
                    outcome.corrections += 1
            done.add(entry)
        self.claims.forget(done, now)

    def _next_run(self, reader: WindowReader, window: Window, now: datetime) -> datetime | None:
        upcoming = self._runs(reader, window, now, now + timedelta(days=35))
        return upcoming[0] if upcoming else window.schedule.next_run
