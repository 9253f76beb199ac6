"""EC2 AMI state changes."""

from notifier.handler import make_handler

handler = make_handler("ami")
