"""Why it failed: the reasons, names and next steps a failure message carries, read within a budget.
Serves every feature that publishes failures; imports only the core.

- ``explainer``: ``FailureExplainer``, set up once per function: the single-event functions' ``explain``
  hook and the sweeper's reads, counted, never fatal; it loads the rest on the first failure;
- ``reads``: the AWS reads (SSM, EC2), one call each, behind ``FailureReads``;
- ``budget``: ``ReadBudget`` runs reads in parallel, at most N calls and S seconds per message;
  a read that is denied, throttled, slow or empty becomes one "unavailable" line, never an error;
- ``output``: text from instances (command output, failure messages) made safe to show;
- ``plans`` and ``operation_plans``: what to read for each kind of failure;
- ``reasons``: what to read for a fleet message (``Failed``), and the ``FailureReport`` it gives;
  ``event_failures``: the same for one event's failure;
- ``messages``: the report as e-mail lines and as the JSON document's ``failure`` object.
"""

from typing import TYPE_CHECKING

from notifier.core.exports import lazy_exports

__all__ = ["Failed", "FailureExplainer", "FailureReport"]

if TYPE_CHECKING:
    from notifier.failures.explainer import FailureExplainer
    from notifier.failures.reasons import Failed, FailureReport
else:
    __getattr__ = lazy_exports(__name__, explainer=("FailureExplainer",), reasons=("Failed", "FailureReport"))
