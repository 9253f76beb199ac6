"""Owners: the routes that match on tags, and the instances' tags they match. Shared: the digest
sweeper (notifier.fleet) reads the tags and makes each such route's view, the route relay
(notifier.routes) delivers each route its view.

- ``instance_tags``: ``InstanceTags``, the tags of instances and managed nodes (EC2, SSM), cached;
- ``views``: ``OwnerRoute``, which routes an instance's tags match, and ``owner_view``, the view of a
  message a route by tags receives (pure).
"""

from typing import TYPE_CHECKING

from notifier.core.exports import lazy_exports

__all__ = ["InstanceTags", "OwnerRoute", "TagsRead", "owner_routes", "owner_view"]

if TYPE_CHECKING:
    from notifier.owners.instance_tags import InstanceTags, TagsRead
    from notifier.owners.views import OwnerRoute, owner_routes, owner_view
else:
    __getattr__ = lazy_exports(
        __name__, instance_tags=("InstanceTags", "TagsRead"), views=("OwnerRoute", "owner_routes", "owner_view")
    )
