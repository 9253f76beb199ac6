"""A calendar's occurrences between two instants (recurring_ical_events), without loading
x_wr_timezone for calendars that do not need it.

recurring_ical_events imports x_wr_timezone, which imports click for its command line: a part of
every cold start worth saving. Only a calendar with X-WR-TIMEZONE needs its correction, so the module is
imported on first use and used only for those.
"""

from __future__ import annotations

import importlib
import sys
import types
from datetime import datetime
from typing import Any


class _OnFirstUse(types.ModuleType):
    """Stands for a module until one of its attributes is used; then imports it, in its place.
    (importlib.util.LazyLoader does not serve: `import` itself reads the module's __spec__, which
    loads it.)"""

    def __getattr__(self, attribute: str) -> Any:  # only for what the stand-in lacks: the module's own
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attribute)


def _deferred(name: str) -> None:
    sys.modules.setdefault(name, _OnFirstUse(name))


_deferred("x_wr_timezone")
import recurring_ical_events  # noqa: E402  (after the line above)


def occurrences(calendar: Any, start: datetime, end: datetime) -> list[Any]:
    """Every VEVENT occurrence overlapping [start, end), recurrences expanded (of() is CalendarQuery
    after x_wr_timezone's correction, which only X-WR-TIMEZONE calls for)."""
    if "X-WR-TIMEZONE" in calendar:
        query = recurring_ical_events.of(calendar)
    else:
        query = recurring_ical_events.CalendarQuery(calendar)
    return list(query.between(start, end))
