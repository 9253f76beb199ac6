"""ReadBudget: at most N calls and S seconds per message; every failed read is one line, never an error."""

from __future__ import annotations

import threading
import time
from functools import partial

from botocore.exceptions import ClientError, EndpointConnectionError

from notifier.failures.budget import Read, ReadBudget


def _denied() -> None:
    raise ClientError(
        {"Error": {"Code": "AccessDeniedException", "Message": "not authorized to ssm:ListCommandInvocations"}},
        "ListCommandInvocations",
    )


def test_answers_come_back_by_key_and_failures_become_lines_that_say_which_detail_and_why() -> None:
    budget = ReadBudget(calls=10, seconds=2)

    answers = budget.run(
        [
            Read("a", "output of i-1", lambda: ["plugin"]),
            Read("b", "output of i-2", _denied),
            Read("c", "output of i-3", lambda: []),
            Read("d", "names", lambda: (_ for _ in ()).throw(EndpointConnectionError(endpoint_url="http://x"))),
        ]
    )

    assert answers == {"a": ["plugin"]}
    assert [(u.detail, u.error.split(":")[0]) for u in budget.unavailable] == [
        ("output of i-2", "AccessDeniedException"),
        ("output of i-3", "NotFound"),
        ("names", "EndpointConnectionError"),
    ]
    assert "not authorized to ssm:ListCommandInvocations" in budget.unavailable[0].error
    assert budget.made == 4


def test_no_more_calls_than_the_bound_are_made() -> None:
    made: list[str] = []
    budget = ReadBudget(calls=3, seconds=2)

    def reading(n: object) -> list[object]:
        made.append(str(n))
        return [n]

    budget.run([Read(str(n), f"read {n}", partial(reading, n)) for n in range(10)])
    budget.run([Read("late", "late", partial(reading, "late"))])

    assert sorted(made) == ["0", "1", "2"] and budget.made == 3


def test_a_slow_read_is_left_behind_when_the_time_is_up() -> None:
    release = threading.Event()
    budget = ReadBudget(calls=5, seconds=0.3)

    started = time.monotonic()
    answers = budget.run(
        [Read("slow", "output of i-slow", lambda: release.wait(5) and ["late"]), Read("fast", "f", lambda: [1])]
    )
    took = time.monotonic() - started
    release.set()

    assert answers == {"fast": [1]}
    assert took < 1.0
    assert [u.detail for u in budget.unavailable] == ["output of i-slow"]
    assert budget.unavailable[0].error.startswith("Timeout: no answer within the 0.3 s budget")
