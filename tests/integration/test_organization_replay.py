"""A hub on the local pipeline: the template synthesized with organization context (`tools.replay -c`),
events from three accounts and two regions through its rules (on the hub bus) and functions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_replay import replay
from tools.harness.samples import load

ACCOUNTS = ("111111111111", "222222222222", "333333333333")
REGIONS = ("eu-west-1", "us-east-1")
EXCLUDED = "999999999999"
CONTEXT = (
    "organizationId=o-abc123defg",
    "memberOrganizationalUnits=ou-ab12-34567890",
    "memberRegions=eu-west-1,us-east-1",
    f"excludedAccounts={EXCLUDED}",
)


def _write(folder: Path, name: str, event: dict[str, Any]) -> None:
    (folder / f"{name}.json").write_text(json.dumps(event))


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("organization")
    parameter = load("parameter-store/update")
    for account in ACCOUNTS:
        for region in REGIONS:
            _write(folder, f"parameter-{account}-{region}", {**parameter, "account": account, "region": region})
    _write(folder, "parameter-excluded", {**parameter, "account": EXCLUDED})
    closed = load("calendar/closed")
    for account in ACCOUNTS[:2]:  # the same calendar name, closing in two accounts
        _write(folder, f"calendar-{account}", {**closed, "account": account})
    context = [word for pair in CONTEXT for word in ("-c", pair)]
    code, rows, stderr = replay(*context, "--calendars", "events/calendar/documents", str(folder))
    assert code == 0, stderr
    return rows


def _subjects(rows: list[dict[str, Any]], prefix: str) -> list[str]:
    return sorted(
        n["subject"] for row in rows if Path(row["file"]).name.startswith(prefix) for n in row["notifications"]
    )


def test_each_account_and_region_is_notified_once_naming_both(replayed: list[dict[str, Any]]) -> None:
    assert _subjects(replayed, "parameter-1") + _subjects(replayed, "parameter-2") + _subjects(
        replayed, "parameter-3"
    ) == [
        f"[INFO] Parameter MyExampleParameter Update ({account}, {region})"
        for account in ACCOUNTS
        for region in REGIONS
    ]


def test_the_same_calendar_closing_in_two_accounts_is_two_notifications(replayed: list[dict[str, Any]]) -> None:
    subjects = _subjects(replayed, "calendar-")
    assert subjects == [f"[INFO] Change Calendar MyCalendar is now CLOSED ({a}, us-east-2)" for a in ACCOUNTS[:2]]


def test_an_excluded_account_matches_no_rule(replayed: list[dict[str, Any]]) -> None:
    (row,) = [row for row in replayed if Path(row["file"]).name == "parameter-excluded.json"]
    assert row["outcome"] == "unmatched" and row["notifications"] == []
