"""Change Calendar state changes."""

from notifier.handler import make_handler

handler = make_handler("calendar")
