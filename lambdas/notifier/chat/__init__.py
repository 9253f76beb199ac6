"""Chat: each notification once more, as an Amazon Q Developer custom notification (Slack, Teams).

- ``relay``: ``ChatRelay`` takes a notification as the notification topic delivered it to the chat
  queue, renders its chat card and publishes it to the chat topic, once (``notifier.once``);
  ``publish_card`` is that publish, which the route relay makes for a route's chat channels too;
- ``card``: ``chat_payload``, the card of a notification's JSON document (pure);
- ``markdown_safety``: untrusted text made inert in chat (no mention, link or markup).
"""

from typing import TYPE_CHECKING

from notifier.core.exports import lazy_exports

__all__ = ["ChatRelay", "NotANotification", "chat_payload", "publish_card"]

if TYPE_CHECKING:
    from notifier.chat.card import chat_payload
    from notifier.chat.relay import ChatRelay, NotANotification, publish_card
else:
    __getattr__ = lazy_exports(
        __name__, card=("chat_payload",), relay=("ChatRelay", "NotANotification", "publish_card")
    )
