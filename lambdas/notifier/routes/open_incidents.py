"""The incidents the route relay opened, per destination, in the idempotency table: a resolve (PagerDuty)
or a close (JSM) goes only to an incident that the relay's own trigger opened, so that the success of
something that never failed sends nothing.

A trigger records its incident before its POST: a retry after a POST that went out still finds it. A
resolve first claims the record with a conditional write that names its delivery, then POSTs, then
removes the record on that same condition. Two resolves racing for one incident send once (the second
finds it claimed); a retry of the same delivery after its POST went out finds the record still there,
claimed by itself, and sends again, which changes nothing at the destination. A resolve that never
got through (refused, or out of retries) leaves its record, so that a later recovery can try again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from notifier.dynamo import CONDITION_FAILED, conditional
from notifier.state_table import EXPIRY_ATTRIBUTE, KEY_ATTRIBUTE, KeyPrefix, fitting

# An incident is remembered this long after its last trigger (a repeat failure renews it): an
# association that keeps failing for weeks still resolves when it recovers. One forgotten is never
# resolved by the relay and waits for a person, which is better than resolving what nobody opened.
OPEN_SECONDS = 30 * 24 * 3600
# A claim outlasts the relay invocation that made it (the functions' timeout is well under it), so a
# resolve that stopped midway is taken over by another only after its holder has stopped for good.
CLAIM_SECONDS = 5 * 60
NOT_OPEN = "no incident open"
RESOLVING = "another delivery is resolving this incident"


class OpenIncidents:
    def __init__(self, client: Any, table_name: str, clock: Callable[[], float] = time.time) -> None:
        """`client`: the relay's DynamoDB client (the one its deliveries are recorded with)."""
        self.client, self.table, self.clock = client, table_name, clock

    @staticmethod
    def _key(destination: str, incident: str) -> dict[str, Any]:
        return {KEY_ATTRIBUTE: {"S": fitting(f"{KeyPrefix.OPEN_INCIDENT}{destination}#{incident}")}}

    def opened(self, destination: str, incident: str, delivery: str) -> None:
        """Before a trigger's POST. Written over any record of the incident: a claim of a resolve under
        way is dropped with it, and that resolve then leaves the incident open, as the new failure is."""
        self.client.put_item(
            TableName=self.table,
            Item={
                **self._key(destination, incident),
                "incident": {"S": incident},
                "openedBy": {"S": delivery},
                EXPIRY_ATTRIBUTE: {"N": str(int(self.clock()) + OPEN_SECONDS)},
            },
        )

    def claim(self, destination: str, incident: str, delivery: str) -> str | None:
        """Before a resolve's POST: None when `delivery` may resolve the incident, else why not."""
        now = int(self.clock())
        try:
            self.client.update_item(
                TableName=self.table,
                Key=self._key(destination, incident),
                UpdateExpression="SET resolvingBy = :delivery, resolvingUntil = :until",
                ConditionExpression="attribute_exists(id) AND (attribute_not_exists(resolvingBy) "
                "OR resolvingBy = :delivery OR resolvingUntil < :now)",
                ExpressionAttributeValues={
                    ":delivery": {"S": delivery},
                    ":until": {"N": str(now + CLAIM_SECONDS)},
                    ":now": {"N": str(now)},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != CONDITION_FAILED:
                raise
            return RESOLVING if error.response.get("Item") else NOT_OPEN
        return None

    def resolved(self, destination: str, incident: str, delivery: str) -> None:
        """After a resolve's POST went out: the record goes, unless a trigger wrote it again meanwhile."""
        conditional(
            self.client.delete_item,
            TableName=self.table,
            Key=self._key(destination, incident),
            ConditionExpression="resolvingBy = :delivery",
            ExpressionAttributeValues={":delivery": {"S": delivery}},
        )
