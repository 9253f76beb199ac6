"""What AWS Organizations says of an account, cached for the life of the environment: its name
(DescribeAccount) and its organizational units (ListParents, walking up to the root).

Both are read only in organization mode, and neither ever stops a message. When a read is denied (the
hub is neither the management account nor a delegated administrator), throttled or fails, the message
names the account by its id, or goes out without its `organizational_units` attribute (a route by OU
then does not match it; a route without one still does), and the failure is logged and remembered for
a while so that a burst of events does not repeat it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from notifier.core.render import Origin

NAME_SECONDS = 3600.0  # accounts are rarely renamed or moved
FAILURE_SECONDS = 300.0
# The root and the deepest OUs Organizations allows under it: a longer walk is a bad answer, not a tree.
MAX_DEPTH = 6

_UNITS_UNREAD = "organizational units of %s not read (a route by OU does not match): %s"
T = TypeVar("T")

logger = logging.getLogger(__name__)


class AccountNames:
    def __init__(self, client: Any, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.clock = clock
        self._names: dict[str, tuple[str | None, float]] = {}  # account -> (name, until)
        # child (an account or an OU) -> ((its parent's id, whether that is the root), until). By child,
        # not by account: the accounts of one OU share the reads above it.
        self._parents: dict[str, tuple[tuple[str, bool] | None, float]] = {}

    def name_of(self, account: str) -> str | None:
        def read() -> str | None:
            return self.client.describe_account(AccountId=account)["Account"].get("Name") or None

        return self._cached(self._names, account, read, "account %s named by its id: %s")

    def organizational_units_of(self, account: str) -> tuple[str, ...] | None:
        """The ids of the account's OU and of each one above it, the root's last; None when not read."""
        path: list[str] = []
        child = account
        while len(path) < MAX_DEPTH:
            parent = self._cached(self._parents, child, partial(self._parent_of, child), _UNITS_UNREAD)
            if parent is None:
                return None
            path.append(parent[0])
            if parent[1]:
                return tuple(path)
            child = parent[0]
        logger.warning(_UNITS_UNREAD, account, f"no root above {path}")
        return None

    def _parent_of(self, child: str) -> tuple[str, bool]:
        # A List call may answer a page without items and a token: the paginator follows it.
        pages = self.client.get_paginator("list_parents").paginate(ChildId=child)
        parent = next(((p["Id"], p["Type"] == "ROOT") for page in pages for p in page["Parents"]), None)
        if parent is None:
            raise KeyError(f"{child} has no parent")
        return parent

    def _cached(
        self, known: dict[str, tuple[T | None, float]], key: str, read: Callable[[], T | None], failed: str
    ) -> T | None:
        """What `read` answers for `key`, kept NAME_SECONDS; a failure is logged (`failed` % (key, error))
        and kept as None for FAILURE_SECONDS."""
        kept = known.get(key)
        if kept and kept[1] > self.clock():
            return kept[0]
        try:
            value: T | None = read()
            until = NAME_SECONDS
        except (ClientError, BotoCoreError, KeyError) as error:
            logger.warning(failed, key, error)
            value, until = None, FAILURE_SECONDS
        known[key] = (value, self.clock() + until)
        return value

    def origin(self, account: str) -> Origin:
        return Origin(self.name_of(account), self.organizational_units_of(account))
