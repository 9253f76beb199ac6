"""bench/fleet.py at a small size (the 10,000-instance run is `make bench`): its checks find a lost
event, and throttled writes are delivered again without loss."""

from __future__ import annotations

from typing import Any

import pytest

from bench import fleet
from tools.harness.template import Template, ensure_synthesized


@pytest.fixture(scope="module")
def template() -> Template:
    return Template(ensure_synthesized())


def test_a_300_instance_command_through_the_batch_function_is_all_recorded_and_one_message(
    template: Template, aws_env: None
) -> None:
    result = fleet.measure(template, 300, failures=4)

    assert result["problems"] == []
    assert result["events"] == 662 and result["batch_size"] == 10  # 300 x 2 + the command's 2, 10 % repeated
    assert result["subjects"] == [
        "[ERROR] Run Command AWS-RunPatchBaseline Failed: 4 of 300 instances failed (us-east-1)"
    ]
    assert result["recorder_requests"]["PutItem"] == 660  # one conditional put per item event
    assert result["throttled_requests"] == 0


def test_a_partition_over_its_write_limit_is_throttled_and_its_records_are_delivered_again(
    template: Template, aws_env: None
) -> None:
    result = fleet.measure(template, 100, failures=2, partition_write_limit=30)

    assert result["throttled_requests"] > 0 and result["delivered_again"] > 0
    assert result["partition_peak_writes_per_second"] <= 30
    assert result["problems"] == [] and result["instances_not_final"] == 0


def test_the_checks_name_an_instance_whose_events_were_lost(
    template: Template, aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_generate = fleet.generate

    def losing_one_instance(*args: Any, **kwargs: Any) -> Any:
        storm = real_generate(*args, **kwargs)
        lost = storm.instances[0]
        storm.events[:] = [e for e in storm.events if e["detail"].get("instance-id") != lost]
        return storm

    monkeypatch.setattr(fleet, "generate", losing_one_instance)
    result = fleet.measure(template, 50, failures=1)

    assert result["instances_not_final"] == 1
    assert any("1 instances not at their final status" in problem for problem in result["problems"])
