"""Fleet-wide operations by owner: a digest, and beside it one view per route by tags, each the digest
of only the instances whose tags match that route ("3 of your 120 instances failed").

The views travel inside the one message (its document's `owners`; its `owner_routes` attribute names
them), so the message is still published once, and the route relay gives each route by tags its own
view. Instances whose tags could not be read are in the whole message, for the routes that do not
match on tags, and the message says so.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING

from notifier.core.render import MESSAGE_BUDGET, Notification, Origin
from notifier.fleet.digest_messages import LISTED, render_digest
from notifier.fleet.summaries import Digest, Owner, summarize
from notifier.owners.instance_tags import InstanceTags, TagsRead, is_instance, tag_reader
from notifier.owners.views import OWNERS_KEY, UNREAD_KEY, OwnerRoute, owner_routes, tag_keys
from ssm_event_notifier.contract.environment import Organization, RouteOwners
from ssm_event_notifier.contract.route_match import OWNER_ATTRIBUTE

if TYPE_CHECKING:
    from notifier.failures.reasons import FailureReport

# The views share at most this part of the message's size; the whole digest keeps the rest.
VIEWS_SHARE = 0.5


def owner_digests(digest: Digest, routes: tuple[OwnerRoute, ...], read: TagsRead) -> dict[str, Digest]:
    """Each route by tags that some instance of the digest matches -> the digest of those instances."""
    digests = {}
    for route in routes:
        mine = [i for i in digest.instances if i.key in read.tags and route.matches(read.tags[i.key])]
        if mine:
            owned = summarize(digest.record, mine, digest.tasks, digest.now, interim=digest.phase == "interim")
            if owned.final and not owned.failed and not owned.unfinished:
                # Every one of its owners' instances succeeded: that is their news, whatever the others did.
                owned = replace(owned, status=owned.kind.derived_statuses[1], severity="info")
            digests[route.name] = replace(owned, owner=Owner(route.name, digest.total))
    return digests


class OwnerSplit:
    """`render` in place of render_digest, for a sweeper whose routes match on tags."""

    def __init__(self, routes: tuple[OwnerRoute, ...], tags: InstanceTags) -> None:
        self.routes, self.tags = routes, tags

    def render(self, digest: Digest, report: FailureReport | None, origin: Origin | None) -> Notification:
        ids = [item.key for item in digest.instances if is_instance(item.key)]
        if not ids:
            return render_digest(digest, report, origin)
        read = self.tags.read(digest.record.account, digest.record.region, ids)
        owned = owner_digests(digest, self.routes, read)
        # A view names its owners' items and their reasons as their events gave them; the reasons
        # read (`report`) name every failed item, so they stay in the whole message.
        each = int(MESSAGE_BUDGET * VIEWS_SHARE) // max(len(owned), 1)
        views = {route: render_digest(owner_digest, None, origin, budget=each) for route, owner_digest in owned.items()}
        used = sum(view.size() for view in views.values())
        whole = render_digest(digest, report, origin, budget=MESSAGE_BUDGET - used)
        document, text, attributes = dict(whole.document), whole.text, dict(whole.attributes)
        if views:
            document[OWNERS_KEY] = {route: view.document for route, view in views.items()}
            attributes[OWNER_ATTRIBUTE] = json.dumps(sorted(views))
        if read.unread:
            unread = sorted(read.unread)
            reasons = sorted(set(read.unread.values()))
            document[UNREAD_KEY] = {"count": len(unread), "instances": unread[:LISTED], "reasons": reasons[:10]}
            text += (
                f"\n\nThe tags of {len(unread)} instances could not be read ({'; '.join(reasons[:3])}): the routes "
                "by owner did not get them; they are in this message."
            )
            document["text"] = text
        return Notification(whole.subject, text, document, attributes)


def owner_split(owners: RouteOwners, organization: Organization) -> OwnerSplit:
    """The split of a sweeper whose routes match on tags (in organization mode, a member's instances read
    through the member's reader role)."""
    routes = owner_routes(owners.routes)
    hub = organization.hub_account if organization.enabled else None
    return OwnerSplit(routes, tag_reader(tag_keys(routes), owners.reader_role, hub))
