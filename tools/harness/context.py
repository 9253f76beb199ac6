"""The Lambda context object a handler called in this process gets (what Powertools reads from it).

A function run from its asset gets the worker's own context instead (tools/harness/lambda_worker.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, cast

from aws_lambda_powertools.utilities.typing import LambdaContext

from tools.harness.endpoints import ACCOUNT, REGION


@dataclass
class FakeLambdaContext:
    """What Powertools reads from the Lambda context object."""

    function_name: str = "notifier-test"
    memory_limit_in_mb: int = 256
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/notifier-test"
    log_stream_name: str = "2026/01/01/[$LATEST]0123456789abcdef"
    remaining_time_in_millis: int = 30_000

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_time_in_millis


def fake_context(**fields: Any) -> LambdaContext:
    """A FakeLambdaContext, typed as the context Powertools handlers take."""
    return cast(LambdaContext, FakeLambdaContext(**fields))
