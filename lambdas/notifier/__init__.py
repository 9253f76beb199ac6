"""SSM Event Notifier's runtime library, one package per feature over a core (CONTRIBUTING.md).

Features:
- ``delivery``: the pipeline of every notification function (parse, dedupe, render, publish);
- ``calendars``: Change Calendar explanations, per-transition dedupe, the missed-transition
  reconciler, and one message per calendar edit;
- ``fleet``: fleet-wide operations, one message per operation;
- ``api_audit``: the opt-in API audit, one message per burst of the same call by one principal;
- ``routes``: each route's messages to its own destinations (topic, webhooks, incident tools), once;
- ``notices``: advance notices of Maintenance Window runs and Change Calendar transitions, once each.
Shared by every feature (importing no feature):
- ``core``: models, severity, links, rendering; no AWS access, imports only itself;
- ``failures``: why it failed, read within a budget, for every feature that publishes failures;
- ``organization``: organization mode (the hub): account names, member clients, keys by account;
- ``chat``: each notification as a chat card (Amazon Q Developer), once; the card serves the routes too;
- ``observability``: logging, tracing and metrics, set up once (``logger``, ``tracer``, ``metrics``,
  ``count``, re-exported here);
- ``dynamo``: conditional writes and claim-then-undo, for every store;
- ``state_table``: what the idempotency table holds, by key prefix; ``once``: a publish run once per key.
The catalog and the environment each function reads are ``ssm_event_notifier.contract``'s, shared
with the constructs. Features import the core and the shared packages, never each other.
"""

from typing import TYPE_CHECKING

from notifier.core.exports import lazy_exports

__all__ = ["count", "logger", "metrics", "observed", "tracer"]

if TYPE_CHECKING:
    from notifier.observability import count, logger, metrics, observed, tracer
else:
    __getattr__ = lazy_exports(__name__, observability=("count", "logger", "metrics", "observed", "tracer"))
