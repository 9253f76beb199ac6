"""The settings table of docs/settings.md, from the settings' own definitions (`NotifierSettings`' fields:
context name, keyword argument, default, check, meaning), so that a new setting cannot be missing from it.

    python -m tools.settings_page            # prints the table
    python -m tools.settings_page --write    # rewrites it in docs/settings.md, between its markers (make docs)
    python -m tools.settings_page --check    # exit 1 when docs/settings.md does not show the table of today
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping
from dataclasses import MISSING, Field, fields
from pathlib import Path
from typing import Any

from ssm_event_notifier.setting_checks import accepted
from ssm_event_notifier.settings import NotifierSettings, context_name
from tools import REPO_ROOT

PAGE = REPO_ROOT / "docs" / "settings.md"
BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"
# "(see Chat)" in a meaning links to the page of that title.
PAGES = {
    "Advance notices": "notices.md",
    "API audit": "api-audit.md",
    "Change Calendars": "calendars.md",
    "Chat": "chat.md",
    "Events covered": "events.md",
    "Fleet-wide operations": "fleet-operations.md",
    "Organization": "organization.md",
    "Routes": "routes.md",
    "Security checks": "security.md",
    "Why it failed": "failure-reasons.md",
}
SEE = re.compile(r"\bsee (" + "|".join(map(re.escape, PAGES)) + r")\b")


def _default(spec: Field[Any]) -> Any:
    return spec.default_factory() if spec.default is MISSING and spec.default_factory is not MISSING else spec.default


def shown_default(spec: Field[Any]) -> str:
    """The default as a reader writes it: `true`, `60`, none, or the words the field gives (`shown`)."""
    if spec.metadata["shown"]:
        return str(spec.metadata["shown"])
    value = _default(spec)
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value in ("", (), None) or (isinstance(value, Mapping) and not value):
        return "none"
    if isinstance(value, (tuple, list)):
        return ", ".join(map(str, value))
    return f"`{value}`"


def _cell(text: str) -> str:
    """Markdown for a table cell: "see <page title>" linked, `<` and `>` outside code shown as text."""
    parts = text.replace("|", "\\|").split("`")
    parts[::2] = [part.replace("<", "&lt;").replace(">", "&gt;") for part in parts[::2]]
    return SEE.sub(lambda found: f"see [{found[1]}]({PAGES[found[1]]})", "`".join(parts))


def table() -> str:
    """One row per setting, in the order NotifierSettings declares them."""
    lines = [
        "| setting (CDK context) | keyword argument | default | accepts | meaning |",
        "|---|---|---|---|---|",
    ]
    for spec in fields(NotifierSettings):
        name = f"`{context_name(spec.name)}`" if spec.metadata["context"] else "- (not from context)"
        lines.append(
            f"| {name} | `{spec.name}` | {_cell(shown_default(spec))} | {_cell(accepted(spec.metadata['check']))} "
            f"| {_cell(spec.metadata['meaning'])} |"
        )
    return "\n".join(lines) + "\n"


def written(page_text: str, generated: str) -> str:
    """`page_text` with `generated` between its markers."""
    if BEGIN not in page_text or END not in page_text:
        raise ValueError(f"no {BEGIN} ... {END} markers")
    head, rest = page_text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{generated}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.settings_page")
    parser.add_argument("--page", type=Path, default=PAGE)
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--write", action="store_true", help="rewrite the table in the page")
    what.add_argument("--check", action="store_true", help="exit 1 when the page's table is not current")
    args = parser.parse_args(argv)
    generated = table()
    if not args.write and not args.check:
        sys.stdout.write(generated)
        return 0
    text = args.page.read_text()
    current = written(text, generated)
    if args.check:
        if current != text:
            print(f"{args.page}: the settings table is not current: run `make docs`", file=sys.stderr)
            return 1
        return 0
    args.page.write_text(current)
    return 0


if __name__ == "__main__":
    sys.exit(main())
