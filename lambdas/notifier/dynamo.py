"""Conditional writes to DynamoDB, the one protocol every store uses to claim, record and give back.

A write whose condition fails is an answer ("somebody was first", "nothing newer"), not an error:
`conditional` tells it apart from a real failure, which raises. `claimed` is claim-then-undo: a
conditional write claims the right to publish, and is undone if the publish raises, so that the
retry can claim again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from notifier.state_table import EXPIRY_ATTRIBUTE, KEY_ATTRIBUTE

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


def window_claimed(
    client: Any, table: str, key: str, event_id: str, now: int, window: int, keep: int = 0, **attributes: Any
) -> AbstractContextManager[Response | None]:
    """`claimed` for a window of `window` seconds from `now` that the item `key` opens for one event: the
    first event claims it (an item that expired but is not deleted yet is claimed again), the others
    within it get None. The item holds `attributes` besides, and stays `keep` seconds after the window."""
    item_key = {KEY_ATTRIBUTE: {"S": key}}
    put = partial(
        conditional,
        client.put_item,
        TableName=table,
        Item={
            **item_key,
            "windowEnd": {"N": str(now + window)},
            **attributes,
            "eventId": {"S": event_id},
            EXPIRY_ATTRIBUTE: {"N": str(now + window + keep)},
        },
        ConditionExpression="attribute_not_exists(id) OR windowEnd <= :now",
        ExpressionAttributeValues={":now": {"N": str(now)}},
    )
    # Given back only by the event that holds it.
    give_back = partial(
        client.delete_item,
        TableName=table,
        Key=item_key,
        ConditionExpression="eventId = :event",
        ExpressionAttributeValues={":event": {"S": event_id}},
    )
    return claimed(put, lambda _: give_back())


def epoch(moment: datetime) -> str:
    """An instant as DynamoDB stores it here: whole seconds since the epoch, a number as a string."""
    return str(int(moment.timestamp()))
