"""The fault and soak harness (tools/harness/lambda_async.py) retries as the stack configures Lambda."""

from __future__ import annotations

from typing import Any

from tests.infra.conftest import resources
from tools.harness.lambda_async import ASYNC_RETRIES


def test_the_harness_retries_events_as_often_as_the_functions_do(template: dict[str, Any]) -> None:
    configs = resources(template, "AWS::Lambda::EventInvokeConfig").values()
    assert configs
    assert {config["Properties"]["MaximumRetryAttempts"] for config in configs} == {ASYNC_RETRIES}
    for config in configs:
        assert "OnFailure" in config["Properties"]["DestinationConfig"]
