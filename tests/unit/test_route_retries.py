"""When a message a destination could not take now is tried again (pure): after the first wait, twice as
long each time up to 15 minutes, never before the destination's Retry-After, never past SQS's limit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifier.routes.http import retry_after_of
from notifier.routes.retries import MAX_BACKOFF_SECONDS, retry_delay


def test_each_try_waits_twice_as_long_up_to_fifteen_minutes() -> None:
    assert [retry_delay(receives, 30, None) for receives in range(1, 8)] == [30, 60, 120, 240, 480, 900, 900]
    assert retry_delay(1_000, 30, None) == MAX_BACKOFF_SECONDS
    # The queue gives a message 20 receives: the last try is about four hours after the first.
    assert 3 * 3600 < sum(retry_delay(receives, 30, None) for receives in range(1, 20)) < 4 * 3600


def test_the_destinations_retry_after_is_waited_for_whole_and_capped_by_sqs() -> None:
    assert retry_delay(1, 30, 120.0) == 120
    assert retry_delay(1, 30, 0.2) == 30  # never sooner than the backoff
    assert retry_delay(2, 30, 1.5) == 60
    assert retry_delay(1, 0, 1.5) == 2  # rounded up: not a moment before
    assert retry_delay(1, 30, 10 * 86400) == 43_200  # SQS's longest visibility timeout


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("Wed, 02 Dec 2026 10:02:00 GMT", 120.0),
        ("Wed, 02 Dec 2026 09:59:00 GMT", 0.0),  # a moment past: now
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
    ],
)
def test_retry_after_is_seconds_or_an_http_date(header: str | None, seconds: float | None) -> None:
    assert retry_after_of(header, now=datetime(2026, 12, 2, 10, 0, tzinfo=UTC)) == seconds
