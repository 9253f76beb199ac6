"""One event's failure, explained in its own notification: the `explain` hook of notifier.delivery.

The single-event functions get failures one at a time: an AMI that failed, a just-in-time access
request that failed or was rejected, and (with perInstanceNotifications "each") an instance's
command, association or window target, an Automation step, or a command, execution or window task
that failed as a whole. The same plans read for them as for a fleet message
(notifier.failures.reasons), within the same budget. Any other failure (a change request rejected,
a parameter expired, an inventory put refused, a compliance finding...) says what its event says.
"""

from __future__ import annotations

from notifier.core.models import SsmEvent
from notifier.core.render import Extra
from notifier.core.severity import failed
from notifier.failures.messages import failure_document, failure_lines
from notifier.failures.reasons import PLANS, Failed, FailureReport, ReasonEntry
from ssm_event_notifier.contract.catalog import (
    FAILURE_READ_FAMILIES,
    OPERATION_BY_NAME,
    event_type_parsed_as,
    reason_said,
)


def failed_of_event(event: SsmEvent) -> Failed | None:
    """What an event says failed, for the plans to read; None when it reports no failure they read."""
    status = event.detail.status
    event_type = event_type_parsed_as(event.detail_type, type(event).__name__)
    if not failed(status) or event_type.family not in FAILURE_READ_FAMILIES:
        return None
    fields = event.template_fields()
    if event_type.family == "ami":
        image = fields["image_id"]
        return Failed("image", fields, event.region, [(fields.get("error_message") or status, [(image, None)])])
    if event_type.family == "node-access":
        reason = reason_said(status, fields, event_type.reason_fields)
        return Failed("access-request", fields, event.region, [(reason, [(fields["ops_item_id"], None)])])
    kind = OPERATION_BY_NAME.get(event_type.operation or "")
    if kind is None or kind.name not in PLANS:
        return None
    if event_type.role != "item":
        # The command, execution or task failed as a whole: its reads find which items failed.
        return Failed(kind.name, fields, event.region, [])
    item = fields.get(kind.item_field) if kind.item_field else fields.get("window_target_id")
    if not item:
        return None
    task = fields.get(kind.task_field) if kind.task_field else None
    return Failed(kind.name, fields, event.region, [(kind.reason_of(status, fields), [(item, task)])])


def said_by_event(event: SsmEvent) -> FailureReport | None:
    """The failure of an event nothing is read for, as the event says it (None: it reports none): its
    status and the fields its catalog entry (or its operation's items) name as the reason."""
    status = event.detail.status
    if not failed(status):
        return None
    event_type = event_type_parsed_as(event.detail_type, type(event).__name__)
    fields = event.template_fields()
    kind = OPERATION_BY_NAME.get(event_type.operation or "")
    reason_fields = kind.reason_fields if kind and event_type.role == "item" else event_type.reason_fields
    # What the event is about: its first key field present (the change request, the parameter, the node...).
    label, key = next(
        ((label, fields[name]) for label, name in event_type.key_fields if fields.get(name)), ("item", event.id)
    )
    reason = ReasonEntry(reason_said(status, fields, reason_fields), [key])
    return FailureReport([reason], [], noun=label.lower(), source="event")


def failure_extra(report: FailureReport) -> Extra:
    """The report as the section a single event's notification adds (its JSON document's `failure`)."""
    return Extra(key="failure", document=failure_document(report), text=failure_lines(report)[1:])
