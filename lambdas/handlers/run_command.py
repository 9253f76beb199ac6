"""Run Command status changes."""

from notifier.handler import make_handler

handler = make_handler("run-command")
