"""What `python -m tools.replay` prints for people: each delivery (its notifications as an e-mail
subscriber and a chat channel see them, where routes took each), and the counts it ends with."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from tools.harness.outcomes import ReplayedEvent
from tools.harness.replayer import Replayer


def print_chat(card: dict[str, Any], out: Any) -> None:
    """A chat card as the channel shows it, roughly: title, description, next steps."""
    content = card.get("content", {})
    print(f"    Chat card (thread {card.get('metadata', {}).get('threadId')}):", file=out)
    print(f"    # {content.get('title')}", file=out)
    for line in str(content.get("description", "")).splitlines():
        print(f"    # {line}", file=out)
    for step in content.get("nextSteps", []):
        print(f"    # -> {step}", file=out)
    print(file=out)


def print_human(
    delivery: ReplayedEvent, verbose: bool, out: Any, show: AbstractSet[str] = frozenset({"email"})
) -> None:
    target = delivery.function or delivery.queue
    route = f"{delivery.rule} -> {target}" if delivery.rule else "no rule matched"
    print(f"[{delivery.outcome:>9}] {delivery.file}  ({route})", file=out)
    if delivery.error:
        print(f"            {delivery.error}", file=out)
        if delivery.dead_letter_queue:
            print(
                f"            after {delivery.attempts} attempts, in dead-letter queue {delivery.dead_letter_queue}",
                file=out,
            )
    if verbose:
        for notification in delivery.notifications:
            if "email" in show:
                print(f"    Subject: {notification['subject']}", file=out)
                for line in (notification["email"] or "").splitlines():
                    print(f"    | {line}", file=out)
                print(file=out)
            if "chat" in show and notification.get("chat"):
                print_chat(notification["chat"], out)
            for line in routed(notification, delivery.deliveries):
                print(f"    {line}" if line else "", file=out)
    if delivery.outcome == "failed":
        for line in delivery.logs[-20:]:
            print(f"    log: {line}", file=out)


def routed(notification: dict[str, Any], deliveries: list[dict[str, Any]]) -> list[str]:
    """Where routes took one notification: the addresses whose subscription admitted it, each request a
    route destination received for it (its answer: a retried one shows each try), and each card a route's
    channels received."""
    lines = []
    views = notification.get("emailedViews") or {}
    if notification.get("emailedTo"):
        plain = [address for address in notification["emailedTo"] if address not in views]
        lines += [f"-> e-mailed to {', '.join(plain)}"] if plain else []
        # A route by tags' addresses got its view, from the route's own topic.
        lines += [f"-> e-mailed to {address}: {subject!r}" for address, subject in sorted(views.items())]
    for request in deliveries:
        if request.get("messageId") != notification.get("messageId"):
            continue
        if request["kind"] == "chat":  # a card on the route's chat topic, not a request
            lines.append(f"-> {request['destination']} chat: card {request['payload']['content']['title']!r}")
            continue
        action = f" {request['action']}" if request.get("action") else ""
        said = _view_subject(notification, request.get("payload"))
        view = f": {said!r}" if said else ""
        lines.append(f"-> {request['destination']} {request['kind']}{action}: answered {request['status']}{view}")
    if lines:
        lines.append("")
    return lines


def _view_subject(notification: dict[str, Any], payload: Any) -> str | None:
    """What a route by tags was sent in place of the notification's subject (its owners' view), if so."""
    said = (payload.get("subject") or payload.get("text")) if isinstance(payload, dict) else None
    heading = str(notification.get("subject") or "").rsplit(" (", 1)[0]  # without the region
    return said if isinstance(said, str) and heading and heading not in said else None


def message_topic(notification: dict[str, Any]) -> str:
    """What a message is about: its operation (a digest), or its detail-type and subject."""
    document = notification.get("json") or {}
    operation = document.get("operation")
    if isinstance(operation, dict) and operation.get("key"):
        return f"operation {operation['key']}: {notification.get('subject')}"
    return f"{document.get('detailType')}: {notification.get('subject')}"


def print_counts(messages: Counter[str], emailed: Counter[str], replayer: Replayer, log: Any) -> None:
    """What subscribers received, per message; how many each e-mail address and route destination got."""
    if messages:
        print(f"subscribers received {sum(messages.values())} messages:", file=log)
        for topic, count in sorted(messages.items()):
            print(f"  {count:>5}  {topic}", file=log)
    if replayer.stack.email_queue_urls:
        print("e-mail subscriptions (a queue with each one's filter policy stands for its address):", file=log)
        for address in sorted(replayer.stack.email_queue_urls):
            print(f"  {emailed[address]:>5}  {address}", file=log)
    if replayer.routes:
        print("route destinations (the route relay's requests to the HTTP stand-in that it accepted):", file=log)
        for line in replayer.routes.summary():
            print(line, file=log)


@contextlib.contextmanager
def progress_line(console: Console | None) -> Iterator[Callable[[str], None]]:
    """advance(outcome), per delivery. On a terminal (`console`): a line counting the deliveries by outcome,
    with their rate, for a replay of thousands of events whose rows are hidden, while sys.stdout writes
    above it; None (a pipe, CI, --json, --no-progress): nothing."""
    if console is None or not console.is_terminal:
        yield lambda outcome: None
        return
    counts: Counter[str] = Counter()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("replaying", total=None)

        def advance(outcome: str) -> None:
            counts[outcome] += 1
            done, elapsed = sum(counts.values()), bar.tasks[0].elapsed or 0.0
            rate = f"{done / elapsed:.1f}/s" if elapsed else "-"
            outcomes = ", ".join(f"{count} {name}" for name, count in counts.most_common())
            bar.update(task, description=f"{done} deliveries ({rate}): {outcomes}")

        yield advance
