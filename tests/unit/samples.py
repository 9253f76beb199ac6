"""The AWS sample events under events/, shared by the unit tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EVENTS = REPO / "events"

SAMPLE_FILES: list[Path] = sorted(EVENTS.glob("*/*.json"))


def sample_id(path: Path) -> str:
    """`<family>/<name>`: the id a failing test is reported under."""
    return f"{path.parent.name}/{path.stem}"


def load(name: str) -> dict[str, Any]:
    """A fresh copy of one sample, by `<family>/<name>` (without .json)."""
    data: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return data
