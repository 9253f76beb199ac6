"""The delivery pipeline: what every notification function does with an event.

``Delivery.handle``: parse into the catalog's model (a refusal names the field), dedupe with
Powertools idempotency in DynamoDB, render with the core, publish to SNS (``Publisher``), so that
nothing is lost in silence and nothing is sent twice. A feature adds to it through two hooks:
``explain`` (a section of the message) and ``gate`` (is this news?). Observability is set up once
in ``notifier.observability``; the environment each function reads is ``ssm_event_notifier.contract.environment``.
"""
