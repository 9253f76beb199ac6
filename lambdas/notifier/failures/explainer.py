"""Why it failed, for the functions that publish failures: the reads set up once, counted, never fatal.

Each such function makes one `FailureExplainer`: the single-event functions give its `explain_event`
to their pipeline as the `explain` hook; the digest sweeper calls `read_failures` for each operation
with failures. Either way a read's own errors are lines of the message (notifier.failures.budget),
and anything else that goes wrong while explaining (a bug, an answer of a shape nobody expected)
costs the explanation, never the message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from notifier.core.severity import failed
from notifier.observability import count, logger
from ssm_event_notifier.contract.environment import FailureReading

# Most events report no failure: the reads and plans are loaded for the first that does, not at
# every cold start.
if TYPE_CHECKING:
    from notifier.core.models import SsmEvent
    from notifier.core.render import Extra
    from notifier.failures.reads import FailureReads
    from notifier.failures.reasons import Failed, FailureReport


class FailureExplainer:
    def __init__(self) -> None:
        self.reading = FailureReading.read()
        self._reads: FailureReads | None = None

    def reads(self) -> FailureReads:
        """Clients made on the first failure, not at cold start: most events report none."""
        if self._reads is None:
            from notifier.failures.reads import FailureReads

            self._reads = FailureReads.create(self.reading.seconds)
        return self._reads

    def read_failures(self, failed: Failed) -> FailureReport | None:
        """Why the failed items failed, within the function's budget (None when reads are off)."""
        if not self.reading.reads:
            return None
        from notifier.failures.budget import ReadBudget
        from notifier.failures.reasons import explain_failures

        budget = ReadBudget(self.reading.reads, self.reading.seconds)
        return _counted(lambda: explain_failures(self.reads(), failed, budget))

    def explain_event(self, event: SsmEvent) -> Extra | None:
        """The `explain` hook of a single-event function: why its failure happened, if it reports one (read
        for the kinds notifier.failures.plans reads, else as its event says)."""
        if not failed(event.detail.status):  # failed_of_event's first test, before its imports
            return None
        from notifier.failures.event_failures import failed_of_event, failure_extra, said_by_event

        failure = failed_of_event(event)
        # Nothing to read for it (or reads turned off): what its event says is why.
        report = (self.read_failures(failure) if failure else None) or said_by_event(event)
        return failure_extra(report) if report is not None else None


def _counted(read: Callable[[], FailureReport]) -> FailureReport:
    try:
        report = read()
    except Exception as error:  # whatever it is, the message goes out without its reasons
        from notifier.failures.budget import Unavailable
        from notifier.failures.reasons import FailureReport

        count("FailureExplanationErrors")
        logger.exception("why it failed could not be explained; the message goes out without it")
        return FailureReport([], [Unavailable("why it failed", f"{type(error).__name__}: {error}")])
    count("FailureReads", report.calls)
    count("FailureDetailsUnavailable", len(report.unavailable))
    return report
