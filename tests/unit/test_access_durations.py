"""How long an access request asks for, in words: the OpsItem's ISO 8601 duration (notifier.access)."""

from __future__ import annotations

import pytest

from notifier.access.pending_requests import duration_text


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        ("PT3600S", "1 h"),
        ("PT7200S", "2 h"),
        ("PT5400S", "1 h 30 min"),
        ("PT90S", "1 min 30 s"),
        ("P1DT2H", "26 h"),
        ("PT336H", "336 h"),
        ("PT0S", "0 s"),
        ("P", "P"),  # not a duration: as it is
        ("two hours", "two hours"),
        ("", ""),
    ],
)
def test_a_duration_reads_in_hours_minutes_and_seconds(asked: str, said: str) -> None:
    assert duration_text(asked) == said
