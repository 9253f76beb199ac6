"""Organization mode (the hub): events from every account and region of an AWS Organization.

- ``accounts``: ``AccountNames``, the account's name from Organizations, cached; never an error;
- ``scope``: ``Scope``, what keys and messages add in organization mode (nothing in a
  single-account stack, whose keys and messages stay as they were).
Serves every feature; imports only the core.
"""
