"""The core: what every notification is made of, with no AWS access and no feature.

- ``models``: the typed model of each detail-type of the catalog (``ssm_event_notifier.contract.catalog``)
  and ``parse_event`` (a refusal names the field); ``event_base``: the value types they are made of;
- ``cloudtrail_models``: the CloudTrail record of an API call (the API audit's) and of a calendar edit;
- ``envelopes``: a notification as SNS delivers it to a queue, for the functions that pass it on;
- ``parameter_policies``: what a parameter policy event asks the team to do;
- ``severity``: every service's status words to error, warning or info;
- ``links``: partition-aware console links;
- ``render``: a notification's subject, e-mail text, JSON document and attributes, within SNS's limits
  (``render.render``: a package's public name is never one of its modules', which would hide it);
  ``compose`` gives every notification (an event's, a fleet message) the same shape;
- ``exports``: the lazy public names of every package.
"""

from typing import TYPE_CHECKING

from notifier.core.exports import lazy_exports

__all__ = [
    "ApiCallRecord",
    "CalendarEditRecord",
    "CalendarStateChange",
    "Extra",
    "Heading",
    "InvalidEventError",
    "NotANotification",
    "Notification",
    "Origin",
    "SsmEvent",
    "compose",
    "console_url",
    "cut",
    "failed",
    "parse_event",
    "partition_of",
    "severity_of",
]

if TYPE_CHECKING:
    from notifier.core.cloudtrail_models import ApiCallRecord, CalendarEditRecord
    from notifier.core.envelopes import NotANotification
    from notifier.core.event_base import InvalidEventError, SsmEvent
    from notifier.core.links import console_url, partition_of
    from notifier.core.models import CalendarStateChange, parse_event
    from notifier.core.render import Extra, Heading, Notification, Origin, compose, cut
    from notifier.core.severity import failed, severity_of
else:
    __getattr__ = lazy_exports(
        __name__,
        cloudtrail_models=("ApiCallRecord", "CalendarEditRecord"),
        envelopes=("NotANotification",),
        event_base=("InvalidEventError", "SsmEvent"),
        links=("console_url", "partition_of"),
        models=("CalendarStateChange", "parse_event"),
        render=("Extra", "Heading", "Notification", "Origin", "compose", "cut"),
        severity=("failed", "severity_of"),
    )
