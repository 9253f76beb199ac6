"""Routes: each route's messages to its own destinations (a topic of its own, Slack or Teams channels,
webhooks, PagerDuty, Jira Service Management), once per message and destination.

``deliveries``: ``RouteRelay`` takes a notification as a destination's queue received it and delivers it;
``incidents``: whether it opens or resolves an incident, and the incident's key; ``open_incidents``: the
incidents the relay opened, the only ones it resolves; ``request_bodies`` and
``webhooks``: what each kind of destination receives; ``http``: the POST and the secrets; ``retries``:
when a message a destination could not take now is tried again.
"""

from typing import TYPE_CHECKING

from notifier.core.exports import lazy_exports

__all__ = ["Deferrals", "NotARouteQueue", "RetryLater", "RouteRelay", "Secrets"]

if TYPE_CHECKING:
    from notifier.routes.deliveries import NotARouteQueue, RouteRelay
    from notifier.routes.http import RetryLater, Secrets
    from notifier.routes.retries import Deferrals
else:
    __getattr__ = lazy_exports(
        __name__,
        deliveries=("NotARouteQueue", "RouteRelay"),
        http=("RetryLater", "Secrets"),
        retries=("Deferrals",),
    )
