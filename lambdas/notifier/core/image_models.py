"""EC2 AMI Available and EC2 AMI Failed: Amazon EC2 sends them beside EC2 AMI State Change, for the same
images and states. Loaded on the first such event (``models.LATER``): no function's init loads it.

AWS documents them by name only; their detail is read as EC2 AMI State Change's (``ImageId``,
``State``, ``ErrorMessage``, ``RequestId``), and a missing ``State`` is the one the detail-type says.
One message per image and state, whichever detail-type arrives first: ``notifier.images``.
"""

from __future__ import annotations

from notifier.core.models import AmiDetail, SsmEvent
from notifier.core.node_models import status_said


class AmiAvailableDetail(AmiDetail):
    status = status_said("available", "State")


class AmiFailedDetail(AmiDetail):
    status = status_said("failed", "State")


class AmiAvailable(SsmEvent):
    detail: AmiAvailableDetail


class AmiFailed(SsmEvent):
    detail: AmiFailedDetail
