"""At most N calls and S seconds of reading per message, and never an error from reading.

A failure message goes out on time whatever its reads do: they run in parallel, the message waits
for them until its time is up, and a read that was denied, throttled, timed out, failed to connect
or found nothing becomes one `Unavailable` line saying which detail and why. A read still running
when time is up is left behind (its answer is dropped), not waited for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

PARALLEL_READS = 8


@dataclass(frozen=True)
class Unavailable:
    """A detail the message could not read, and why (`AccessDeniedException: ...`)."""

    detail: str
    error: str


@dataclass(frozen=True)
class Read:
    key: str  # how the caller finds the answer
    detail: str  # what it reads, as the "unavailable" line names it
    call: Callable[[], Any]


def _why(error: BaseException) -> str:
    if isinstance(error, ClientError):
        problem = error.response.get("Error", {})
        return f"{problem.get('Code', 'Error')}: {problem.get('Message', '')}".strip()
    return f"{type(error).__name__}: {error}"


@dataclass
class ReadBudget:
    calls: int  # calls left
    seconds: float
    clock: Callable[[], float] = time.monotonic
    unavailable: list[Unavailable] = field(default_factory=list)
    made: int = 0  # calls made (answered or not)
    _deadline: float | None = None

    def left(self) -> float:
        if self._deadline is None:
            self._deadline = self.clock() + self.seconds
        return max(self._deadline - self.clock(), 0.0)

    def run(self, reads: list[Read]) -> dict[str, Any]:
        """The answers of the reads that fit in the budget and answered something, by key."""
        allowed, self.calls = reads[: max(self.calls, 0)], self.calls - min(len(reads), max(self.calls, 0))
        if not allowed:
            return {}
        if self.left() <= 0:
            self.unavailable += [
                Unavailable(r.detail, f"not read: the {self.seconds:g} s budget was spent") for r in allowed
            ]
            return {}
        self.made += len(allowed)
        pool = ThreadPoolExecutor(max_workers=min(len(allowed), PARALLEL_READS), thread_name_prefix="failure-read")
        try:
            futures: dict[Future[Any], Read] = {pool.submit(r.call): r for r in allowed}
            done, _ = wait(futures, timeout=self.left())
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        answers: dict[str, Any] = {}
        for future, read in futures.items():
            if future not in done:
                self.unavailable.append(
                    Unavailable(read.detail, f"Timeout: no answer within the {self.seconds:g} s budget")
                )
            elif (error := future.exception()) is not None:
                # Whatever it was (denied, throttled, no connection, an answer of a shape we did not
                # expect): one line in the message, never a failed notification.
                self.unavailable.append(Unavailable(read.detail, _why(error)))
            elif future.result() in (None, [], {}):
                self.unavailable.append(Unavailable(read.detail, "NotFound: the read found nothing"))
            else:
                answers[read.key] = future.result()
        return answers
