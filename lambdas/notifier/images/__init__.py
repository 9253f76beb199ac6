"""EC2 AMIs: Amazon EC2 tells one image's state twice, as EC2 AMI State Change and as EC2 AMI Available
(or EC2 AMI Failed); subscribers get one message per image and state.

- ``first_report``: ``ImageStateGate``, the pipeline's gate: the first report of an image's state is
  news, the other detail-type's report of it is not.
"""

from typing import TYPE_CHECKING

from notifier.core.exports import lazy_exports

__all__ = ["ImageStateGate"]

if TYPE_CHECKING:
    from notifier.images.first_report import ImageStateGate
else:
    __getattr__ = lazy_exports(__name__, first_report=("ImageStateGate",))
