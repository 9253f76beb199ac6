"""What users see and what a deployed stack keeps stays as pinned (see pin.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.conftest import synthesize
from tests.pins.notifications import all_notifications
from tests.pins.pin import LOGICAL_IDS, NOTIFICATIONS, STATEFUL_IDS, every_logical_id, stateful_ids

PINNED = json.loads(NOTIFICATIONS.read_text())
NOW = json.loads(json.dumps(all_notifications(), ensure_ascii=False, sort_keys=True))


def _cases() -> list[tuple[str, str]]:
    return [
        (group, name)
        for group, entries in PINNED.items()
        for name in (entries if group != "missed-transition" else [""])
    ]


@pytest.mark.parametrize(("group", "name"), _cases(), ids=[f"{g}/{n}" if n else g for g, n in _cases()])
def test_notification_is_byte_for_byte_as_pinned(group: str, name: str) -> None:
    pinned = PINNED[group][name] if name else PINNED[group]
    now = NOW[group].get(name) if name else NOW[group]
    assert now is not None, f"{group}/{name}: no longer rendered"
    for part in ("subject", "text", "attributes", "document", "sns_message"):
        assert now[part] == pinned[part], f"{group}/{name}: the {part} changed"


def test_every_pinned_notification_is_still_rendered() -> None:
    """A new sample may join unpinned (pin.py --write pins it); a pinned one may not disappear."""
    for group, entries in PINNED.items():
        if group != "missed-transition":
            assert sorted(set(entries) - set(NOW[group])) == [], f"{group}: no longer rendered"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return synthesize()


def test_stateful_resources_keep_their_logical_ids(template: dict[str, Any]) -> None:
    pinned = json.loads(STATEFUL_IDS.read_text())
    now = stateful_ids(template)
    for kind, ids in pinned.items():
        assert sorted(set(ids) - set(now[kind])) == [], (
            f"{kind}: logical IDs gone (a deployed stack would replace them)"
        )


def test_every_resource_keeps_its_logical_id() -> None:
    """Every resource of each pinned configuration, stateful or not: none gone, none new under another ID."""
    pinned = json.loads(LOGICAL_IDS.read_text())
    now = every_logical_id()
    assert sorted(now) == sorted(pinned)
    for name, resources in pinned.items():
        assert now[name] == resources, f"{name}: the resources' logical IDs changed"
