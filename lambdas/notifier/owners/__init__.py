"""Owners: the routes that match on tags, and the instances' tags they match. Shared: the digest
sweeper (notifier.fleet) reads the tags and makes each such route's view, the event functions name the
routes of a message about one node (notifier.delivery), the route relay (notifier.routes) delivers each
route its view.

- ``instance_tags``: ``InstanceTags``, the tags of instances and managed nodes (EC2, SSM), cached;
- ``views``: ``OwnerRoute``, which routes an instance's tags match, and ``owner_view``, the view of a
  message a route by tags receives (pure);
- ``node_messages``: ``NodeOwners``, the routes by tags of a message about one node (the event functions).
"""

from typing import TYPE_CHECKING

from notifier.core.exports import lazy_exports

__all__ = ["InstanceTags", "NodeOwners", "OwnerRoute", "TagsRead", "node_owners", "owner_routes", "owner_view"]

if TYPE_CHECKING:
    from notifier.owners.instance_tags import InstanceTags, TagsRead
    from notifier.owners.node_messages import NodeOwners, node_owners
    from notifier.owners.views import OwnerRoute, owner_routes, owner_view
else:
    __getattr__ = lazy_exports(
        __name__,
        instance_tags=("InstanceTags", "TagsRead"),
        node_messages=("NodeOwners", "node_owners"),
        views=("OwnerRoute", "owner_routes", "owner_view"),
    )
