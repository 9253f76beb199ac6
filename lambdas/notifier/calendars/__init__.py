"""Change Calendars: a calendar's state change explained from the calendar itself, one notification
per transition, and the transitions AWS did not announce.

- ``change_calendar``: parse iCalendar content, compute the state at an instant, explain it (pure);
- ``instants``: instants as Change Calendar writes them (apart: no iCalendar library needed);
- ``documents``: read calendar documents from SSM (GetDocument TEXT), cached per version;
- ``transitions``: the last transition notified per calendar (DynamoDB, conditional writes);
- ``explanations``: the pipeline's hooks (``explain``, ``gate``) for the calendar function;
- ``reconciler``: GetCalendarState against the last transition notified, after a grace period;
- ``edits``: what an edit changed between two versions, and whether it came near a transition (pure);
- ``edit_messages``: the calendar function's hooks for calendar edits: one message per version.
"""
