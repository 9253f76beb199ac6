"""SDK clients for another account of the organization, through the role its member stack created.

The hub reads a member's Change Calendar through `CALENDAR_READER_ROLE` (read-only, trusting only
the hub's calendar functions). Credentials are kept until shortly before they expire; a denied or
missing role raises the SDK's own error, which the caller turns into a line of the message.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config

from notifier.core.links import partition_of

SESSION_NAME = "ssm-event-notifier"
RENEW_BEFORE_SECONDS = 300.0


class MemberClients:
    def __init__(
        self,
        sts: Any,
        role_name: str,
        hub_account: str,
        clock: Callable[[], float] = time.time,
        config: Config | None = None,
    ) -> None:
        self.sts, self.role_name, self.hub_account, self.clock, self.config = sts, role_name, hub_account, clock, config
        self._clients: dict[tuple[str, str, str], tuple[Any, float]] = {}

    def client(self, service: str, account: str, region: str) -> Any:
        """A client of `service` in `account` and `region`: the function's own role in the hub account."""
        key = (service, account, region)
        cached = self._clients.get(key)
        if cached and cached[1] > self.clock():
            return cached[0]
        if account == self.hub_account:
            made, until = boto3.client(service, region_name=region, config=self.config), float("inf")
        else:
            role = f"arn:{partition_of(region)}:iam::{account}:role/{self.role_name}"
            credentials = self.sts.assume_role(RoleArn=role, RoleSessionName=SESSION_NAME)["Credentials"]
            made = boto3.client(
                service,
                region_name=region,
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
                config=self.config,
            )
            until = credentials["Expiration"].timestamp() - RENEW_BEFORE_SECONDS
        self._clients[key] = (made, until)
        return made
