"""The idempotency table (the functions' `Dedupe` table): what lives in it, told apart by how its key begins.

One table holds every function's short-lived state. Deployed tables hold these keys: each value
stays as it is, byte for byte, or a stack update forgets what it had notified. Powertools names
its records after the function it wraps, or a name it is given: NOTIFIED_EVENT is the name of the
function that first wrapped the publish (docs/deploy.md, Upgrade).
"""

from __future__ import annotations

import hashlib
from enum import StrEnum

# As the stack makes the table: Powertools' DynamoDBPersistenceLayer defaults.
KEY_ATTRIBUTE = "id"
EXPIRY_ATTRIBUTE = "expiration"


class KeyPrefix(StrEnum):
    """How the key of each kind of item begins (Powertools' records: after "<function name>.")."""

    # Powertools' record of one event notified (delivery): "<function>.<this>#<hash of the event's key>".
    NOTIFIED_EVENT = "notifier.handler.make_handler.<locals>.notify"
    # Powertools' record of one notification's chat card (chat): "<function>.<this>#<hash of its MessageId>".
    CHAT_CARD = "notifier.chat.relay"
    # Powertools' record of one notification delivered to one route destination (routes):
    # "<function>.<this>#<hash of its MessageId and the destination>".
    ROUTE_DELIVERY = "notifier.routes.deliveries"
    # The state last notified of a Change Calendar and when it began, then the calendar's scoped name.
    CALENDAR_TRANSITION = "calendar-transition#"
    # The document version of a Change Calendar last announced as an edit, then the calendar's scoped name.
    CALENDAR_VERSION = "calendar-version#"
    # A burst window of one principal's same call and its count: then "<account>/<region>/<principal>/<call>".
    API_BURST = "api-burst#"
    # An incident the route relay opened at one destination (routes): then "<destination id>#<incident key>".
    OPEN_INCIDENT = "open-incident#"
    # The first report of an image's state (images): then "<account>/<region>/<image id>/<state>".
    IMAGE_STATE = "image-state#"
    # An advance notice sent (notices): then "<scoped window id or calendar name>#<run or transition>#<lead>".
    NOTICE = "notice#"
    # The window runs announced and still to come, a string set of "<window id>|<run>" (notices): then the
    # scope ("" or "<account>/<region>").
    NOTICES_ANNOUNCED = "notices-announced#"
    # A correction of an announced run that moved or was cancelled (notices): then "<scoped window id>#<run>".
    NOTICE_CORRECTION = "notice-correction#"


# DynamoDB refuses a partition key over 2,048 bytes, and a key built from an event's fields (an account,
# a principal, a calendar's name) is as long as they are; real events' keys are far shorter.
KEY_MAX_BYTES = 1024


def fitting(key: str) -> str:
    """`key` as it is when it fits; otherwise its start and a hash of the whole, so that it still names
    one thing and DynamoDB takes it."""
    data = key.encode()
    if len(data) <= KEY_MAX_BYTES:
        return key
    return f"{data[: KEY_MAX_BYTES - 80].decode('utf-8', 'ignore')}#sha256:{hashlib.sha256(data).hexdigest()}"
