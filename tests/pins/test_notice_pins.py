"""The advance notices as users get them stay as pinned (tests/pins/notice_pins.py rewrites the pins)."""

from __future__ import annotations

import json

import pytest

from tests.pins.notice_pins import PINS, notices


@pytest.mark.parametrize("name", ["window", "calendar", "correction"])
def test_a_notice_is_byte_for_byte_as_pinned(name: str) -> None:
    pinned = json.loads(PINS.read_text())[name]
    now = json.loads(json.dumps(notices()[name], ensure_ascii=False, sort_keys=True))
    for part in ("subject", "text", "attributes", "document"):
        assert now[part] == pinned[part], f"{name}: the {part} changed (python -m tests.pins.notice_pins --write)"
