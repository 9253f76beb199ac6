"""Routes by owner (pure): which routes by tags an instance's tags match, and the view of a message a
route by tags gets. The message names each such route in its `owner_routes` attribute (SNS delivers it
to that route's destinations) and carries the route's view under `owners`: a notification of its own,
naming only the instances whose tags match the route."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace

from notifier.core.envelopes import Notification
from ssm_event_notifier.contract.route_match import OWNER_ATTRIBUTE

OWNERS_KEY = "owners"  # the document's views, by route
UNREAD_KEY = "ownerTagsUnread"  # the instances whose tags could not be read, and why


@dataclass(frozen=True)
class OwnerRoute:
    name: str
    tags: Mapping[str, tuple[str, ...]]  # every key must hold; a key's values are "any of"

    def matches(self, tags: Mapping[str, str]) -> bool:
        return all(tags.get(key) in values for key, values in self.tags.items())


def owner_routes(text: str) -> tuple[OwnerRoute, ...]:
    """RouteOwners.routes read back (empty text: none)."""
    if not text:
        return ()
    return tuple(
        OwnerRoute(name, {key: tuple(values) for key, values in tags.items()})
        for name, tags in json.loads(text).items()
    )


def tag_keys(routes: tuple[OwnerRoute, ...]) -> tuple[str, ...]:
    return tuple(sorted({key for route in routes for key in route.tags}))


def owner_view(notification: Notification, route: str) -> Notification | None:
    """What a route by tags receives of `notification`: its own view of a fleet's message, the whole message
    about one node its owners own (notifier.owners.node_messages), or None: none of its owners' instances."""
    attributes = {name: value for name, value in notification.attributes.items() if name != OWNER_ATTRIBUTE}
    views = notification.document.get(OWNERS_KEY)
    if views is None:
        try:
            owners = json.loads(notification.attributes.get(OWNER_ATTRIBUTE) or "[]")
        except ValueError:  # not the functions' own attribute: nobody's, rather than retried for hours
            return None
        return replace(notification, attributes=attributes) if isinstance(owners, list) and route in owners else None
    view = views.get(route) if isinstance(views, dict) else None
    if not isinstance(view, dict):
        return None
    return replace(
        notification, document=view, subject=str(view.get("subject", notification.subject)), attributes=attributes
    )
