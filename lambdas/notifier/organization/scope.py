"""What organization mode adds to keys: the account and region an event came from.

In a single-account stack every key stays as it was (a deployed stack keeps its dedupe records,
calendar transitions and operations across an update); in a hub, two accounts (or regions) with a
calendar of the same name, or any other same-named thing, must never share a record.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    organization: bool

    def key(self, name: str, account: str, region: str) -> str:
        """`name`, or "<account>/<region>/<name>" in organization mode."""
        return f"{account}/{region}/{name}" if self.organization else name


SINGLE_ACCOUNT = Scope(False)
