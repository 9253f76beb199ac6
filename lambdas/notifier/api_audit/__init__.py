"""The Systems Manager API audit (an opt-in family): CloudTrail records of the calls people make, one
message per burst (the record's model: ``core.cloudtrail_models.ApiCallRecord``).

- ``bursts``: ``BurstGate``, the pipeline's hooks: the first call of a kind by a principal is news;
  the same call by the same principal within the burst window is counted, not notified again.
"""

from typing import TYPE_CHECKING

from notifier.core.exports import lazy_exports

__all__ = ["BurstGate"]

if TYPE_CHECKING:
    from notifier.api_audit.bursts import BurstGate
else:
    __getattr__ = lazy_exports(__name__, bursts=("BurstGate",))
