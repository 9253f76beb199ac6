"""Change Calendar state changes, explained from the calendar itself, one notification per transition."""

import os
from functools import partial

import boto3

from notifier import calendar_notifications
from notifier.handler import make_handler
from notifier.transitions import TransitionStore

documents = calendar_notifications.CalendarDocuments(boto3.client("ssm"))
transitions = TransitionStore(boto3.client("dynamodb"), os.environ["IDEMPOTENCY_TABLE_NAME"])

handler = make_handler(
    "calendar",
    enrich=partial(calendar_notifications.explain, documents),
    gate=partial(calendar_notifications.gate, transitions),
)
