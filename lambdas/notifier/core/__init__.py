"""The core: what every notification is made of, with no AWS access and no feature.

- ``catalog``: every detail-type, its family, model, presentation and fleet-wide role (standard
  library only, so ``infra/`` reads it too);
- ``models``: the typed model of each detail-type and ``parse_event`` (a refusal names the field);
- ``severity``: every service's status words to error, warning or info;
- ``links``: partition-aware console links;
- ``render``: a notification's subject, e-mail text, JSON document and attributes, within SNS's limits.
"""
