"""Automation, State Manager, Parameter Store, OpsCenter, Change Manager and Compliance events."""

from notifier.handler import make_handler

handler = make_handler("systems-manager")
