"""Just-in-time node access requests waiting for approval: what the event does not say, read from the
request's OpsItem (the access asked for, how long).

- ``pending_requests``: ``PendingRequests``, the pipeline's `explain` hook for an approver's request
  that waits for approval (a failed or rejected one is notifier.failures').
"""

from typing import TYPE_CHECKING

from notifier.core.exports import lazy_exports

__all__ = ["PendingRequests"]

if TYPE_CHECKING:
    from notifier.access.pending_requests import PendingRequests
else:
    __getattr__ = lazy_exports(__name__, pending_requests=("PendingRequests",))
