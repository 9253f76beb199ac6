"""When a Maintenance Window runs, from its own schedule: cron(...), rate(...) or at(...), in its time zone,
with its offset and between its start and end dates (pure: no AWS access).

cron is evaluated by cronsim: a small library without dependencies that follows Debian cron on the days
clocks change (a time that does not exist runs when the clock skips past it, a time that exists twice
runs once), in the window's own IANA zone (zoneinfo, tzdata). AWS's six fields are translated to its five:
the year is checked here, `?` is `*`, and AWS numbers the days of the week 1-7 from Sunday where cron
numbers them 0-6. A rate runs every interval from the window's next run, which AWS tells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

# A window cannot run more often than this (rate(1 hours), cron at most hourly): a bound on the runs listed.
MAX_RUNS = 400
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_UNIT = {"minute": "minutes", "hour": "hours", "day": "days"}


class ScheduleError(ValueError):
    """A schedule this module cannot evaluate: the caller asks AWS (DescribeMaintenanceWindowSchedule)."""


@dataclass(frozen=True)
class Schedule:
    expression: str
    zone: str = "UTC"  # ScheduleTimezone, IANA
    offset_days: int = 0  # ScheduleOffset: days after each cron date
    start: datetime | None = None  # StartDate, EndDate: when the schedule is in force
    end: datetime | None = None
    next_run: datetime | None = None  # NextExecutionTime, as AWS computed it

    def runs_between(self, after: datetime, until: datetime) -> list[datetime]:
        """Every run in (after, until], in UTC; ScheduleError when the expression cannot be evaluated here."""
        expression = self.expression.strip()
        if found := _RATE.match(expression):
            runs = self._rate(int(found[1]), _UNIT.get(found[2], found[2]), after, until)
        elif found := _AT.match(expression):
            at = datetime.fromisoformat(found[1]).replace(tzinfo=self._zone())
            runs = [at.astimezone(UTC)] if after < at <= until else []
        elif found := _CRON.match(expression):
            runs = self._cron(found[1], after, until)
        else:
            raise ScheduleError(f"not a cron, rate or at expression: {expression!r}")
        return [run for run in runs if self._in_force(run)]

    def _zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.zone or "UTC")
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ScheduleError(f"unknown time zone {self.zone!r}") from error

    def _in_force(self, run: datetime) -> bool:
        return (self.start is None or run >= self.start) and (self.end is None or run <= self.end)

    def _rate(self, count: int, unit: str, after: datetime, until: datetime) -> list[datetime]:
        if self.next_run is None or count <= 0:
            raise ScheduleError("a rate schedule's runs count from its next run, which AWS did not tell")
        step = timedelta(**{unit: count})
        run = self.next_run
        while run <= after:
            run += step
        runs: list[datetime] = []
        while run <= until and len(runs) < MAX_RUNS:
            runs.append(run)
            run += step
        return runs

    def _cron(self, fields_text: str, after: datetime, until: datetime) -> list[datetime]:
        fields = fields_text.split()
        if len(fields) != 6:
            raise ScheduleError(f"cron({fields_text}): AWS cron has six fields")
        minute, hour, day, month, weekday, year = fields
        expression = " ".join((minute, hour, _star(day), month, _weekday(_star(weekday))))
        zone = self._zone()
        # The offset moves each run later by whole days: look from that many days before.
        shift = timedelta(days=self.offset_days)
        start = (after - shift).astimezone(zone)
        try:
            times = CronSim(expression, start)
            runs: list[datetime] = []
            for local in times:
                run = (local + shift).astimezone(UTC) if self.offset_days else local.astimezone(UTC)
                if run > until or len(runs) >= MAX_RUNS:
                    break
                if run > after and _year_matches(year, local.year):
                    runs.append(run)
        except CronSimError as error:
            raise ScheduleError(f"cron({fields_text}): {error}") from error
        return runs


def _star(field: str) -> str:
    return "*" if field == "?" else field


def _weekday(field: str) -> str:
    """AWS's 1-7 (Sunday first) as cron's 0-6; names (MON, SAT#3, FRIL) are the same in both."""
    if re.fullmatch(r"L", field):  # AWS: the week's last day
        return "6"
    return re.sub(r"(?<![A-Z#/])([1-7])", lambda number: str(int(number[1]) - 1), field)


def _year_matches(field: str, year: int) -> bool:
    if field in ("*", "?"):
        return True
    for part in field.split(","):
        first, _, step_text = part.partition("/")
        low, _, high = first.partition("-")
        step = int(step_text) if step_text else 1
        start = int(low) if low != "*" else 1970
        stop = int(high) if high else (2199 if step_text or low == "*" else start)
        if start <= year <= stop and (year - start) % step == 0:
            return True
    return False


def utc(text: str | None) -> datetime | None:
    """A time as SSM writes it ("2026-05-16T00:00Z", "2026-05-16T02:00:00+02:00"), in UTC; None if unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
