"""Advance notices: before each Maintenance Window run and each monitored Change Calendar transition, one
message per lead time (setting noticeBefore), sent once; and one correction when an announced run moves or
is cancelled.

- ``schedules``: a window's runs from its own schedule (cron in its time zone, rate, at; offset; dates) (pure);
- ``windows``: the windows of an account and region, and what a run will touch, read within a budget (SSM);
- ``claims``: each notice and correction claimed once, and the runs announced (the idempotency table);
- ``notice_messages``: the notices and corrections as notifications (pure);
- ``lookahead``: one run of the look-ahead (``LookAhead``); the calendars' future comes from the calendars
  feature (``notifier.calendars.Outlook``), handed in by the handler.
"""

from typing import TYPE_CHECKING

from notifier.core.exports import lazy_exports

__all__ = ["LookAhead", "NoticeClaims", "Outcome", "Where", "WindowReader", "due_lead"]

if TYPE_CHECKING:
    from notifier.notices.claims import NoticeClaims
    from notifier.notices.lookahead import LookAhead, Outcome, due_lead
    from notifier.notices.notice_text import Where
    from notifier.notices.windows import WindowReader
else:
    __getattr__ = lazy_exports(
        __name__,
        claims=("NoticeClaims",),
        lookahead=("LookAhead", "Outcome", "due_lead"),
        notice_text=("Where",),
        windows=("WindowReader",),
    )
