"""A publish run once per key within the dedupe window: Powertools idempotency, set up one way for
the two functions that publish an input once (the notification pipeline, the chat relay).

The wrapped function publishes and fills `published` as soon as the message is out. Powertools
writes an IN_PROGRESS record in the idempotency table first, completes it with the result, and
answers a repeat from it (marked "duplicate"). If the message is out but the record cannot be
completed, the call still succeeds: raising would make the retry publish it a second time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyPersistenceLayerError
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier.state_table import KeyPrefix


def _mark_duplicate(response: Any, record: DataRecord) -> Any:
    """Powertools calls this when it answers from an earlier run instead of publishing again."""
    return {**response, "duplicate": True} if isinstance(response, dict) else response


@dataclass(frozen=True)
class Published:
    result: dict[str, Any]  # what the publish returned, or an earlier run's answer with "duplicate": True
    # Why the record stayed IN_PROGRESS after the publish (until this attempt's timeout; docs/exactly-once.md).
    not_recorded: Exception | None = None


class Once:
    def __init__(
        self,
        publish: Callable[..., dict[str, Any]],
        *,
        data: str,
        key: str,
        record: KeyPrefix,
        table_name: str,
        window_seconds: int,
        dynamodb: Any,
    ) -> None:
        """`publish(<data>=..., published=...)`; `key`: the JMESPath of the idempotency key within `data`;
        `dynamodb`: the function's client (a session of Powertools' own would load botocore's data again)."""
        self.config = IdempotencyConfig(
            event_key_jmespath=key,
            raise_on_no_idempotency_key=True,
            expires_after_seconds=window_seconds,
            response_hook=_mark_duplicate,  # type: ignore[arg-type]  # Powertools types it as a Protocol
        )
        lambda_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "test-func")  # Powertools' own default
        self._once = idempotent_function(
            data_keyword_argument=data,
            config=self.config,
            persistence_store=DynamoDBPersistenceLayer(table_name=table_name, boto3_client=dynamodb),
            key_prefix=f"{lambda_name}.{record}",
        )(publish)

    def __call__(self, context: LambdaContext, **arguments: Any) -> Published:
        self.config.register_lambda_context(context)
        published: dict[str, Any] = {}
        try:
            return Published(self._once(published=published, **arguments))
        except IdempotencyPersistenceLayerError as error:
            if not published:
                raise
            return Published(dict(published), error)
