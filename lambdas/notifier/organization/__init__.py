"""Organization mode (the hub): events from every account and region of an AWS Organization.
Serves every feature; imports only the core.

- ``accounts``: ``AccountNames``, the account's name and OUs from Organizations, cached; never an error;
- ``member_clients``: ``MemberClients``, clients in a member account through its reader role;
- ``member_accounts``: ``MemberAccounts``, the accounts of the member OUs (what the hub reads in each);
- ``scope``: ``Scope``, what keys and messages add in organization mode (nothing in a
  single-account stack, ``SINGLE_ACCOUNT``, whose keys and messages stay as they were).
"""

from typing import TYPE_CHECKING

from notifier.core.exports import lazy_exports

__all__ = ["SINGLE_ACCOUNT", "AccountNames", "MemberAccounts", "MemberClients", "Scope"]

if TYPE_CHECKING:
    from notifier.organization.accounts import AccountNames
    from notifier.organization.member_accounts import MemberAccounts
    from notifier.organization.member_clients import MemberClients
    from notifier.organization.scope import SINGLE_ACCOUNT, Scope
else:
    __getattr__ = lazy_exports(
        __name__,
        accounts=("AccountNames",),
        member_accounts=("MemberAccounts",),
        member_clients=("MemberClients",),
        scope=("SINGLE_ACCOUNT", "Scope"),
    )
