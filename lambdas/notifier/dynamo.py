"""Conditional writes to DynamoDB, the one protocol every store uses to claim, record and give back.

A write whose condition fails is an answer ("somebody was first", "nothing newer"), not an error:
`conditional` tells it apart from a real failure, which raises. `claimed` is claim-then-undo: a
conditional write claims the right to publish, and is undone if the publish raises, so that the
retry can claim again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

CONDITION_FAILED = "ConditionalCheckFailedException"

Response = dict[str, Any]


def conditional(call: Callable[..., Any], **request: Any) -> Response | None:
    """The response of a conditional write (`call`: the client's put_item, update_item...), or None
    when its condition did not hold; any other error raises."""
    try:
        return dict(call(**request))
    except ClientError as error:
        if error.response["Error"]["Code"] == CONDITION_FAILED:
            return None
        raise


@contextmanager
def claimed(claim: Callable[[], Response | None], undo: Callable[[Response], None]) -> Iterator[Response | None]:
    """Yields the response of `claim` (a conditional write), or None when somebody holds the claim.

    If the block raises (the publish failed), `undo(response)` gives the claim back and the error
    goes on, so that the retry claims again.
    """
    response = claim()
    if response is None:
        yield None
        return
    try:
        yield response
    except BaseException:
        undo(response)
        raise


def epoch(moment: datetime) -> str:
    """An instant as DynamoDB stores it here: whole seconds since the epoch, a number as a string."""
    return str(int(moment.timestamp()))
