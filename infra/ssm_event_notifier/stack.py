"""The ready-made stack: the notifier's features straight in a stack of their own."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from ssm_event_notifier.construct import assemble
from ssm_event_notifier.settings import NotifierSettings


class NotifierStack(Stack):
    """`settings`: NotifierSettings (its defaults when None); the other keyword arguments are the Stack's.

    The features are made in the stack itself rather than under an SsmEventNotifier: stacks deployed
    before the construct existed keep every logical ID.
    """

    def __init__(
        self, scope: Construct, stack_id: str, *, settings: NotifierSettings | None = None, **stack: Any
    ) -> None:
        super().__init__(scope, stack_id, **stack)
        self.settings = settings or NotifierSettings()
        self.notifier = assemble(self, self.settings)
        self.hub = self.notifier.hub
