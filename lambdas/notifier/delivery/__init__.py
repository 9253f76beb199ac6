"""The delivery pipeline: what every notification function does with an event.

- ``pipeline``: ``Delivery.handle``: parse into the catalog's model (a refusal names the field),
  dedupe with Powertools idempotency in DynamoDB (``notifier.once``), render with the core, publish,
  so that nothing is lost in silence and nothing is sent twice. A feature adds to it through two
  hooks: ``explain`` (a section of the message) and ``gate`` (is this news?);
- ``publisher``: ``Publisher``, SNS: the one path every message takes to the topic;
- ``refused_events``: ``RefusedEvents``, a queued record that can never be processed, to the
  dead-letter queue once with the reason;
- ``relayed_records``: ``RelayedRecords``, the batch of a relay fed by SQS (chat, routes).
Observability is set up once in ``notifier.observability``; the environment each function reads
is ``ssm_event_notifier.contract.environment``.
"""

from typing import TYPE_CHECKING

from notifier.core.exports import lazy_exports

__all__ = ["Delivery", "Publisher", "RefusedEvents", "RelayedRecords"]

if TYPE_CHECKING:
    from notifier.delivery.pipeline import Delivery
    from notifier.delivery.publisher import Publisher
    from notifier.delivery.refused_events import RefusedEvents
    from notifier.delivery.relayed_records import RelayedRecords
else:
    __getattr__ = lazy_exports(
        __name__,
        pipeline=("Delivery",),
        publisher=("Publisher",),
        refused_events=("RefusedEvents",),
        relayed_records=("RelayedRecords",),
    )
