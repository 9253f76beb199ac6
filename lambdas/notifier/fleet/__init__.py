"""Fleet-wide operations: one message per operation instead of one per instance (storm control).

A Run Command sent to 1,000 instances emits an event per instance and status; a Maintenance Window
run one per target. Those events go to a buffer (SQS), are recorded per operation in the operations
table, and one message sums the operation up once it ends or expires. Which detail-types belong to
which kind of operation, in which role, is catalog data (``catalog.OPERATIONS``).

- ``observations``: which operation and item an event belongs to, which status is newer, expiry (pure);
- ``summaries``: counts, failures and duration from the recorded items (pure);
- ``digest_messages``: the message, in the shape of every notification (pure);
- ``operation_store``: the operations table's conditional writes, queries and claims (DynamoDB; its
  keys and index: ``ssm_event_notifier.contract.operations_table``); ``stored_items``: its items read back;
- ``owner_digests``: the view each route by tags gets of a digest (its owners' instances only);
- ``recorder``: the batch function's part (``Recorder``); ``sweeper``: the scheduled function's (``sweep``).
"""

from typing import TYPE_CHECKING

from notifier.core.exports import lazy_exports

__all__ = [
    "Digest",
    "NotAnOperationEvent",
    "OperationStore",
    "Recorder",
    "SweepResult",
    "failed_of",
    "owner_split",
    "render_digest",
    "sweep",
    "utc_now",
]

if TYPE_CHECKING:
    from notifier.fleet.digest_messages import render_digest
    from notifier.fleet.observations import NotAnOperationEvent, utc_now
    from notifier.fleet.operation_store import OperationStore
    from notifier.fleet.owner_digests import owner_split
    from notifier.fleet.recorder import Recorder
    from notifier.fleet.summaries import Digest
    from notifier.fleet.sweeper import SweepResult, failed_of, sweep
else:
    __getattr__ = lazy_exports(
        __name__,
        digest_messages=("render_digest",),
        observations=("NotAnOperationEvent", "utc_now"),
        operation_store=("OperationStore",),
        owner_digests=("owner_split",),
        recorder=("Recorder",),
        summaries=("Digest",),
        sweeper=("SweepResult", "failed_of", "sweep"),
    )
