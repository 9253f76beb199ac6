"""SSM Event Notifier's library, one package per feature over a core (CONTRIBUTING.md).

- ``core``: catalog, models, severity, links, rendering; no AWS access, imports no feature;
- ``delivery``: the pipeline of every notification function (parse, dedupe, render, publish);
- ``calendars``: Change Calendar explanations, per-transition dedupe, the missed-transition reconciler;
- ``fleet``: fleet-wide operations, one message per operation;
- ``environment``: the variables the stack sets on each function, shared with ``infra/``.

Features import the core and ``delivery``'s publisher, never each other's internals.
"""
