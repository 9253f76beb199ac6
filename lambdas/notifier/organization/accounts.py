"""Account names from AWS Organizations (DescribeAccount), cached for the life of the environment.

A name is a nicety: when the read is denied (the hub is neither the management account nor a
delegated administrator), throttled or fails, the message names the account by its id, and the
failure is remembered for a while so that a burst of events does not repeat it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from notifier.core.render import Origin

NAME_SECONDS = 3600.0  # accounts are rarely renamed
FAILURE_SECONDS = 300.0

logger = logging.getLogger(__name__)


class AccountNames:
    def __init__(self, client: Any, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.clock = clock
        self._known: dict[str, tuple[str | None, float]] = {}  # account -> (name, until)

    def name_of(self, account: str) -> str | None:
        known = self._known.get(account)
        if known and known[1] > self.clock():
            return known[0]
        try:
            name = self.client.describe_account(AccountId=account)["Account"].get("Name") or None
            until = NAME_SECONDS
        except (ClientError, BotoCoreError, KeyError) as error:
            logger.warning("account %s named by its id: %s", account, error)
            name, until = None, FAILURE_SECONDS
        self._known[account] = (name, self.clock() + until)
        return name

    def origin(self, account: str) -> Origin:
        return Origin(self.name_of(account))
