"""Maintenance Window state changes."""

from notifier.handler import make_handler

handler = make_handler("maintenance-window")
