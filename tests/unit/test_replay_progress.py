"""The replay's progress line (tools.replay_output.progress_line): on a terminal, the deliveries counted by
outcome with their rate; on anything else (a pipe, CI, --json, --no-progress), nothing at all."""

from __future__ import annotations

import io

from rich.console import Console

from tools.replay_output import progress_line


def test_on_a_terminal_the_line_counts_the_deliveries_by_outcome() -> None:
    screen = io.StringIO()
    with progress_line(Console(file=screen, force_terminal=True, width=200)) as advance:
        for outcome in ["buffered"] * 3 + ["notified"]:
            advance(outcome)
    shown = screen.getvalue()
    assert "4 deliveries (" in shown and "3 buffered, 1 notified" in shown


def test_elsewhere_nothing_is_written() -> None:
    pipe = io.StringIO()
    for console in (Console(file=pipe, force_terminal=False), None):
        with progress_line(console) as advance:
            advance("notified")
    assert pipe.getvalue() == ""
