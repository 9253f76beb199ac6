"""A fleet-wide operation through the batch function and the sweeper (tools.harness.operation_run, which
bench/fleet.py runs at 10,000 instances): all recorded and one message, throttled writes delivered
again without loss, and its checks find a lost event."""

from __future__ import annotations

import pytest

from tools.harness.operation_run import run_operation
from tools.harness.template import Template, ensure_synthesized
from tools.storm_events import generate


@pytest.fixture(scope="module")
def template() -> Template:
    return Template(ensure_synthesized())


def test_a_300_instance_command_through_the_batch_function_is_all_recorded_and_one_message(
    template: Template, aws_env: None
) -> None:
    run = run_operation(template, generate(300, 4, kind="command", seed=10))

    assert run.problems == []
    assert len(run.storm.events) == 662 and run.batch_size == 10  # 300 x 2 + the command's 2, 10 % repeated
    assert [e["Subject"] for e in run.received] == [
        "[ERROR] Run Command AWS-RunPatchBaseline Failed: 4 of 300 instances failed (us-east-1)"
    ]
    assert run.meter.requests["PutItem"] == 660  # one conditional put per item event
    assert run.meter.throttled == 0


def test_a_partition_over_its_write_limit_is_throttled_and_its_records_are_delivered_again(
    template: Template, aws_env: None
) -> None:
    # Low enough that a slow machine still goes over it for longer than the SDK retries a throttled write.
    run = run_operation(template, generate(100, 2, kind="command", seed=10), partition_write_limit=10)

    assert run.meter.throttled > 0 and run.recorded["delivered_again"] > 0
    assert run.meter.busiest()[0] <= 10
    assert run.problems == [] and run.not_final == []


def test_the_checks_name_an_instance_whose_events_were_lost(template: Template, aws_env: None) -> None:
    storm = generate(50, 1, kind="command", seed=10)
    lost = storm.instances[0]
    storm.events[:] = [e for e in storm.events if e["detail"].get("instance-id") != lost]

    run = run_operation(template, storm)

    assert run.not_final == [lost]
    assert any("1 instances not at their final status" in problem for problem in run.problems)
