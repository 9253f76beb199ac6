"""Routes by owner for a message about one instance or managed node (an access request, a registration,
an inventory put, a command or association on one instance when messages are per instance): the routes
whose tags the node's tags match are named in the message's `owner_routes` attribute, so SNS delivers it
to their destinations, whole (it is all theirs). A node whose tags could not be read goes to the routes
that do not match on tags only, and the message says so.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from notifier.core.render import Notification
from notifier.owners.instance_tags import InstanceTags, is_instance, tag_reader
from notifier.owners.views import UNREAD_KEY, OwnerRoute, owner_routes, tag_keys
from ssm_event_notifier.contract.environment import Organization, RouteOwners
from ssm_event_notifier.contract.route_match import NODE_FIELDS, OWNER_ATTRIBUTE


def node_of(document: dict[str, Any]) -> str | None:
    """The instance or managed node a message is about, if it is about one (its first field of NODE_FIELDS)."""
    fields = document.get("fields") or {}
    return next((str(fields[name]) for name in NODE_FIELDS if is_instance(str(fields.get(name) or ""))), None)


class NodeOwners:
    def __init__(self, routes: tuple[OwnerRoute, ...], tags: InstanceTags) -> None:
        self.routes, self.tags = routes, tags

    def tag(self, notification: Notification) -> Notification:
        """`notification` with the routes by tags its node's owners match (or the reason none could be)."""
        document = notification.document
        node = node_of(document)
        if node is None:
            return notification
        read = self.tags.read(str(document.get("account")), str(document.get("region")), [node])
        if node in read.tags:
            owners = sorted(route.name for route in self.routes if route.matches(read.tags[node]))
            if not owners:
                return notification
            return replace(notification, attributes={**notification.attributes, OWNER_ATTRIBUTE: json.dumps(owners)})
        why = read.unread.get(node, "not read")
        text = (
            f"{notification.text}\n\nThe tags of {node} could not be read ({why}): the routes by owner did not get "
            "this message."
        )
        unread = {"count": 1, "instances": [node], "reasons": [why]}
        return replace(notification, text=text, document={**document, "text": text, UNREAD_KEY: unread})


def node_owners(owners: RouteOwners, organization: Organization) -> NodeOwners:
    routes = owner_routes(owners.routes)
    hub = organization.hub_account if organization.enabled else None
    return NodeOwners(routes, tag_reader(tag_keys(routes), owners.reader_role, hub))
