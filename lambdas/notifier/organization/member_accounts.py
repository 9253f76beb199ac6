"""The accounts of the organization's member OUs (the StackSet's targets), for what the hub reads in every member
rather than in the account of an event: the advance notices' Maintenance Windows.

Organizations answers ListOrganizationalUnitsForParent and ListAccountsForParent to its management account or
a delegated administrator, as it answers the DescribeAccount the messages already make. The list is kept for
an hour (accounts rarely join or leave); a failed read raises the SDK's own error.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

KEEP_SECONDS = 3600.0
# Organizations nests OUs five deep under the root: a bound on the walk.
MAX_DEPTH = 6


class MemberAccounts:
    def __init__(self, client: Any, clock: Callable[[], float] = time.monotonic) -> None:
        self.client, self.clock = client, clock
        self._kept: tuple[tuple[str, ...], float] | None = None

    def of(self, units: Sequence[str], included: Sequence[str] = (), excluded: Sequence[str] = ()) -> tuple[str, ...]:
        """The active accounts under `units` (OU or root ids), only `included` if given, never `excluded`."""
        if self._kept is None or self._kept[1] <= self.clock():
            found: set[str] = set()
            for unit in units:
                found |= self._under(unit, 0)
            self._kept = (tuple(sorted(found)), self.clock() + KEEP_SECONDS)
        accounts = self._kept[0]
        return tuple(a for a in accounts if (not included or a in included) and a not in excluded)

    def _under(self, parent: str, depth: int) -> set[str]:
        pages = self.client.get_paginator("list_accounts_for_parent").paginate(ParentId=parent)
        found = {a["Id"] for page in pages for a in page["Accounts"] if a.get("Status", "ACTIVE") == "ACTIVE"}
        if depth < MAX_DEPTH:
            units = self.client.get_paginator("list_organizational_units_for_parent").paginate(ParentId=parent)
            for unit in (u["Id"] for page in units for u in page["OrganizationalUnits"]):
                found |= self._under(unit, depth + 1)
        return found
