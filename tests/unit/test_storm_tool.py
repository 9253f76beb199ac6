"""tools.storm: a fleet's worth of events for one operation, files in delivery order."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from notifier.core.models import parse_event
from notifier.core.severity import severity_of
from notifier.fleet.observations import observe
from tools import storm, storm_events


def test_a_command_storm_has_two_events_per_instance_a_share_of_repeats_and_the_command_first_and_last() -> None:
    generated = storm.generate(100, 3, kind="command", repeats=0.1, seed=1)
    running, per_instance, final = generated.events[0], generated.events[1:-1], generated.events[-1]
    assert len(per_instance) == 200 + 20
    assert [e["detail-type"] for e in (running, final)] == ["EC2 Command Status-change Notification"] * 2
    assert (running["detail"]["status"], final["detail"]["status"]) == ("InProgress", "Failed")
    repeats = [count for count in Counter(e["id"] for e in per_instance).values() if count > 1]
    assert len(repeats) == 20  # exact copies: the same id
    latest: dict[str, str] = {}
    for event in per_instance:
        observation = observe(parse_event(event))  # every event is one the functions accept
        assert observation.operation == f"command#{generated.operation_id}"
        if event["detail"]["status"] != "InProgress":
            latest[event["detail"]["instance-id"]] = event["detail"]["status"]
    assert sorted(i for i, status in latest.items() if status == "Failed") == generated.failed
    assert len(latest) == 100 and len(generated.failed) == 3


def test_shuffled_so_that_some_instance_finishes_before_it_starts() -> None:
    events = storm.generate(50, 0, repeats=0, seed=2).events[1:-1]
    first_seen: dict[str, str] = {}
    for event in events:
        first_seen.setdefault(event["detail"]["instance-id"], event["detail"]["status"])
    assert set(first_seen.values()) == {"InProgress", "Success"}


def test_a_window_storm_ends_with_its_task_execution_and_its_execution() -> None:
    generated = storm.generate(10, 1, kind="window", repeats=0, seed=3)
    assert [e["detail-type"] for e in generated.events[-2:]] == [
        "Maintenance Window Task Execution State-change Notification",
        "Maintenance Window Execution State-change Notification",
    ]
    targets = {observe(parse_event(e)).instance for e in generated.events[1:-2]}
    assert targets == set(generated.instances)


def test_the_same_seed_gives_the_same_storm_and_no_parent_leaves_the_final_event_out() -> None:
    assert storm.generate(20, 2, seed=4).events == storm.generate(20, 2, seed=4).events
    assert all("Invocation" in e["detail-type"] for e in storm.generate(20, 2, seed=4, parent=False).events)


def test_the_command_line_writes_one_numbered_file_per_event(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "storm"
    assert storm.main(["--instances", "12", "--failures", "1", "--out", str(out), "--seed", "5"]) == 0
    files = sorted(out.glob("*.json"))
    assert [f.name for f in files[:2]] == ["01.json", "02.json"] and len(files) == 1 + 12 * 2 + 2 + 1
    assert json.loads(files[-1].read_text())["detail-type"] == "EC2 Command Status-change Notification"
    assert "on 12 items, 1 failing" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="already holds 28 event files"):
        storm.main(["--instances", "2", "--out", str(out)])
    assert storm.main(["--instances", "2", "--out", str(out), "--force"]) == 0
    assert len(list(out.glob("*.json"))) == 6


@pytest.mark.parametrize("kind", storm_events.KINDS)
def test_every_kind_of_storm_is_one_operation_of_events_the_functions_accept(kind: str) -> None:
    generated = storm.generate(30, 3, kind=kind, repeats=0.1, seed=6)
    observations = [observe(parse_event(event)) for event in generated.events]
    assert len({o.operation for o in observations}) == 1
    finished = {o.instance: o.status for o in sorted(observations, key=lambda o: o.order) if o.role == "item"}
    assert len(finished) == 30
    failing = sorted(str(name) for name, status in finished.items() if severity_of(status) == "error")
    assert failing == generated.failed


def test_the_fleet_writes_the_five_operations_of_issue_10_a_folder_each(tmp_path: Path) -> None:
    assert storm.main(["--fleet", "--out", str(tmp_path), "--repeats", "0"]) == 0
    folders = sorted(p.name for p in tmp_path.iterdir())
    assert folders == ["1-command", "2-window", "3-association", "4-compliance", "5-automation"]
    assert len(list((tmp_path / "5-automation").glob("*.json"))) == 40 * 2 + 2
    assert len(list((tmp_path / "4-compliance").glob("*.json"))) == 1000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--instances", "3", "--failures", "4"], "--failures must be between 0 and --instances"),
        (["--instances", "3", "--repeats", "2"], "--repeats must be a share between 0 and 1"),
        (["--instances", "0"], "--instances must be at least 1"),
    ],
)
def test_bad_arguments_are_refused_naming_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit):
        storm.main([*args, "--out", str(tmp_path)])
    assert message in capsys.readouterr().err
