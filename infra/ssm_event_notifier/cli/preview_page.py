"""The preview: every message a replay produced, on one self-contained HTML page (``ssm-event-notifier
preview``, ``tools.replay --preview``, ``make demo``).

Its input is the replay's rows (``tools.replay --json``: one object per delivery, with each notification's
e-mail text, JSON document and chat card, and what each route destination received). The page holds its
own styles and nothing else: no script, font, image or stylesheet from anywhere, and a Content Security
Policy that lets none load. At its top a summary: messages per family and severity, the fleet-wide
operations and their counts, the replay's outcomes; then one card per message
(ssm_event_notifier.cli.preview_cards).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from html import escape
from pathlib import Path
from typing import Any

from ssm_event_notifier.cli.preview_cards import message_card, text

SEVERITIES = ("error", "warning", "info")
# Nothing may load: no script at all, styles only from the page itself.
POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d1f23; }
header.page, main, section.summary { max-width: 1200px; margin: 0 auto; padding: 12px 20px; }
h1 { font-size: 22px; margin: 8px 0; } h2.subject { font-size: 16px; margin: 4px 0; word-break: break-word; }
h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #5b616e; margin: 0 0 6px; }
table { border-collapse: collapse; margin: 6px 16px 12px 0; display: inline-table; vertical-align: top; }
th, td { border: 1px solid #d5d8de; padding: 3px 8px; text-align: left; } th { background: #e9ebef; }
td.n { text-align: right; }
article.message { background: #fff; border: 1px solid #d5d8de; border-left: 6px solid #6b7280;
  border-radius: 6px; margin: 14px 0; padding: 10px 14px; }
article.severity-error { border-left-color: #d92d20; } article.severity-warning { border-left-color: #f79009; }
article.severity-info { border-left-color: #2e90fa; }
.badge { font-weight: 700; font-size: 11px; padding: 1px 6px; border-radius: 3px; background: #e9ebef; }
.severity-error .badge { background: #fee4e2; color: #b42318; }
.severity-warning .badge { background: #fef0c7; color: #b54708; }
.family, .meta, .thread, .to, .none { color: #5b616e; font-size: 12px; }
.channels { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 12px; }
.mail { border: 1px solid #d5d8de; border-radius: 4px; background: #fcfcfd; }
.mail-subject { margin: 0; padding: 6px 8px; border-bottom: 1px solid #d5d8de; font-weight: 600; }
pre { white-space: pre-wrap; word-break: break-word; margin: 0; padding: 8px; font-size: 12px; }
.card { border-radius: 6px; padding: 8px 10px; font-size: 13px; }
.card.slack { border-left: 4px solid #4a154b; background: #fff; box-shadow: 0 0 0 1px #e1e1e1; }
.card.teams { border-top: 4px solid #5b5fc7; background: #f5f5fb; box-shadow: 0 0 0 1px #e0e0ef; }
.card-app { font-size: 11px; color: #616061; margin: 0 0 4px; }
.card-title { font-weight: 700; margin: 0 0 4px; } .card-context { color: #616061; font-size: 12px; }
.card-label { font-weight: 600; margin: 6px 0 2px; } ul.steps { margin: 0; padding-left: 18px; }
code, pre.code { background: #f2f3f5; border-radius: 3px; font-size: 12px; }
.keyword { display: inline-block; background: #eef; border-radius: 8px; padding: 0 6px; margin: 2px; font-size: 11px; }
.button { display: inline-block; border: 1px solid #bbb; border-radius: 4px; padding: 1px 8px; margin: 4px 4px 0 0; }
.destinations { margin-top: 10px; } .destination { border-top: 1px dashed #d5d8de; padding: 6px 0; }
h4 { margin: 2px 0 6px; font-size: 13px; } details summary { cursor: pointer; color: #344054; margin-top: 6px; }
details pre { background: #f8f9fb; border: 1px solid #e4e7ec; border-radius: 4px; max-height: 480px; overflow: auto; }
"""


def messages_of(rows: Iterable[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(notification, its row) for every message the replay's subscribers received, in order."""
    return [(notification, row) for row in rows for notification in row.get("notifications") or []]


def _table(caption: str, head: Iterable[str], rows: list[list[Any]]) -> str:
    cells = "".join(
        "<tr>"
        + "".join(
            f"<td class='n'>{value}</td>" if isinstance(value, int) else f"<td>{text(value)}</td>" for value in row
        )
        + "</tr>"
        for row in rows
    )
    header = "".join(f"<th>{text(name)}</th>" for name in head)
    return f"<table><caption>{text(caption)}</caption><tr>{header}</tr>{cells}</table>"


def summary(rows: list[dict[str, Any]], messages: list[tuple[dict[str, Any], dict[str, Any]]]) -> str:
    by_family: dict[str, Counter[str]] = {}
    operations: dict[str, list[Any]] = {}
    for notification, _ in messages:
        document = notification.get("json") or {}
        family = str(document.get("family") or "?")
        by_family.setdefault(family, Counter())[str(document.get("severity"))] += 1
        operation = document.get("operation")
        if isinstance(operation, dict) and operation.get("key"):
            counts = ", ".join(f"{count} {status}" for status, count in sorted((document.get("counts") or {}).items()))
            entry = operations.setdefault(operation["key"], [operation["key"], operation.get("kind"), "", 0, 0, ""])
            entry[2] = operation.get("finalStatus") or operation.get("phase") or ""
            entry[3] = int(document.get("total") or 0)
            entry[4] += 1
            entry[5] = counts
    numbers = {
        family: [*(counts[severity] for severity in SEVERITIES), sum(counts.values())]
        for family, counts in sorted(by_family.items())
    }
    totals = [sum(column) for column in zip(*numbers.values(), strict=True)] or [0] * (len(SEVERITIES) + 1)
    families: list[list[Any]] = [[family, *counts] for family, counts in numbers.items()]
    outcomes = Counter(str(row.get("outcome")) for row in rows)
    parts = [
        _table("Messages by family and severity", ["family", *SEVERITIES, "messages"], [*families, ["all", *totals]]),
        _table(
            "Replay outcomes", ["outcome", "deliveries"], [[name, count] for name, count in sorted(outcomes.items())]
        ),
    ]
    if operations:
        head = ["operation", "kind", "status", "items", "messages", "counts"]
        parts.append(_table("Fleet-wide operations", head, list(operations.values())))
    return f"<section class='summary'>{''.join(parts)}</section>"


def page(rows: Iterable[dict[str, Any]], title: str = "SSM Event Notifier: what people will see") -> str:
    rows = list(rows)
    messages = messages_of(rows)
    cards = "".join(message_card(number, n, row) for number, (n, row) in enumerate(messages, start=1))
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{POLICY}\">"
        "<meta name='referrer' content='no-referrer'><meta name='viewport' content='width=device-width'>"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<header class='page'><h1>{escape(title)}</h1><p>{len(messages)} messages from {len(rows)} deliveries "
        "of a replay, each as its e-mail, its Slack and Teams cards, what each route destination received, and "
        "its JSON document.</p></header>"
        f"{summary(rows, messages)}<main>{cards}</main></body></html>"
    )


def read_rows(lines: Iterable[str]) -> list[dict[str, Any]]:
    """The rows of `tools.replay --json`, one JSON object a line (blank lines skipped)."""
    rows = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError(f"line {number}: not a JSON object")
            rows.append(row)
    return rows


def write_page(rows: Iterable[dict[str, Any]], path: Path) -> int:
    """The page for these rows written to `path`; the number of messages on it."""
    rows = list(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page(rows), encoding="utf-8")
    return len(messages_of(rows))
