"""Change Calendars: a calendar's state change explained from the calendar itself, one notification
per transition, the transitions AWS did not announce, and one message per edit of a calendar.

- ``change_calendar``: parse iCalendar content, compute the state at an instant, explain it (pure);
  ``recurrences``: a calendar's recurring events (their libraries loaded on first use);
- ``instants``: instants as Change Calendar writes them (apart: no iCalendar library needed);
- ``documents``: read calendar documents from SSM (GetDocument TEXT), cached per version;
- ``transitions``: the last transition notified per calendar (the idempotency table, conditional writes);
- ``explanations``: the pipeline's hooks for a state change (``explain_transition``, ``transition_gate``),
  and the reconciler's notification of a transition AWS did not announce;
- ``reconciler``: GetCalendarState against the last transition notified, after a grace period;
- ``edits``: what an edit changed between two versions, and whether it came near a transition (pure);
- ``edit_messages``: the pipeline's hooks for a calendar edit: one message per version put into effect;
- ``outlook``: a calendar's transitions to come and its CLOSED periods, for the advance notices.
"""

from typing import TYPE_CHECKING

from notifier.core.exports import lazy_exports

__all__ = [
    "CalendarDocuments",
    "CalendarEditMessages",
    "CalendarUnavailable",
    "MissedTransition",
    "Outlook",
    "TransitionStore",
    "explain_transition",
    "missed_transition_notification",
    "reconcile",
    "transition_gate",
    "version_store",
]

if TYPE_CHECKING:
    from notifier.calendars.documents import CalendarDocuments, CalendarUnavailable
    from notifier.calendars.edit_messages import CalendarEditMessages, version_store
    from notifier.calendars.explanations import explain_transition, missed_transition_notification, transition_gate
    from notifier.calendars.outlook import Outlook
    from notifier.calendars.reconciler import MissedTransition, reconcile
    from notifier.calendars.transitions import TransitionStore
else:
    __getattr__ = lazy_exports(
        __name__,
        documents=("CalendarDocuments", "CalendarUnavailable"),
        edit_messages=("CalendarEditMessages", "version_store"),
        explanations=("explain_transition", "missed_transition_notification", "transition_gate"),
        outlook=("Outlook",),
        reconciler=("MissedTransition", "reconcile"),
        transitions=("TransitionStore",),
    )
