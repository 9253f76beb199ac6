"""What the commands show on a terminal (rich): progress bars with counts and rate, and the tables."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ssm_event_notifier.cli.health import Health
from ssm_event_notifier.cli.redrive import Redriven
from ssm_event_notifier.cli.route_check import Accepted


def consoles() -> tuple[Console, Console]:
    """(out, log): results on stdout, progress and notes on stderr. Markup off: resource names and reasons
    are shown as they are."""
    return Console(highlight=False, soft_wrap=True), Console(stderr=True, highlight=False, soft_wrap=True)


@contextlib.contextmanager
def progress(log: Console, total: int, what: str, quiet: bool) -> Iterator[Callable[[str], None]]:
    """advance(outcome): one item done. A bar with counts, rate and elapsed time, unless `quiet`."""
    if quiet or not total:
        yield lambda outcome: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}/s"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=log, transient=False) as bar:
        task = bar.add_task(what, total=total, rate="0.0")

        def advance(outcome: str) -> None:
            bar.advance(task)
            elapsed = bar.tasks[0].elapsed or 0.0
            bar.update(task, rate=f"{bar.tasks[0].completed / elapsed:.1f}" if elapsed else "-")

        yield advance


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def show_health(out: Console, health: Health, stack: str, local: bool) -> None:
    where = "the local stand-ins" if local else "CloudFormation"
    out.print(Text(f"stack {stack} ({where})", style="bold"))
    queues = Table("dead-letter queue", "waiting", "oldest", title="Dead-letter queues", title_justify="left")
    for queue in health.queues:
        queues.add_row(
            queue.label, Text(str(queue.depth), style="red" if queue.depth else ""), _age(queue.oldest_seconds)
        )
    out.print(queues)
    functions = Table("function", "errors (24 h)", "throttles (24 h)", title="Functions", title_justify="left")
    for function in health.functions:
        functions.add_row(
            function.label,
            "n/a" if function.errors is None else Text(str(function.errors), style="red" if function.errors else ""),
            "n/a" if function.throttles is None else str(function.throttles),
        )
    out.print(functions)
    if local:
        out.print("metrics and alarms: n/a (the stand-ins have no CloudWatch)")
    else:
        _rows(out, "Alarms", ("alarm in ALARM", "reason"), health.alarms or [], "alarms: none in ALARM")
    operations = ("operation", "its message is due")
    _rows(out, "Open operations", operations, health.open_operations, "open operations: none waiting for their message")
    last = ("family", "last message", "published")
    _rows(out, "Last messages", last, health.last_messages, "last messages: none in the idempotency table")


def _rows(out: Console, title: str, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]], none: str) -> None:
    """A table of the rows, or the line that says there are none."""
    if not rows:
        out.print(none)
        return
    table = Table(*columns, title=title, title_justify="left")
    for row in rows:
        table.add_row(*row)
    out.print(table)


def show_redrive(out: Console, done: list[Redriven], dry_run: bool, quiet: bool) -> None:
    """Each message and what became of it (with --quiet only those that stay), then the counts per queue."""
    for one in done:
        if quiet and one.outcome in ("sent", "already sent", "moved back"):
            continue
        line = Text(f"[{one.outcome}] ", style="red" if one.outcome == "failed again" else "")
        line.append(f"{one.waiting.queue.label}  {one.waiting.about}")
        if one.detail:
            line.append(f"  {one.detail}")
        out.print(line)
    counts: Counter[tuple[str, str]] = Counter((one.waiting.queue.label, one.outcome) for one in done)
    outcomes = sorted({outcome for _, outcome in counts})
    table = Table(
        "dead-letter queue", *outcomes, title="Redrive" + (" (dry run)" if dry_run else ""), title_justify="left"
    )
    for queue in sorted({queue for queue, _ in counts}):
        table.add_row(queue, *(str(counts[(queue, outcome)]) for outcome in outcomes))
    if done:
        out.print(table)
    else:
        out.print("nothing waits in the dead-letter queues")


def show_accepted(out: Console, accepted: list[Accepted], route: str | None) -> None:
    """What each destination did with the test notification."""
    table = Table(
        "destination", "kind", "outcome", "detail", title=f"Test of route {route or '(the notification topic)'}"
    )
    for one in accepted:
        table.add_row(one.destination, one.kind, Text(one.outcome, style="green" if one.ok else "red"), one.detail)
    out.print(table)
