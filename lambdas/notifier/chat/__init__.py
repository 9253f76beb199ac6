"""Chat: each notification once more, as an Amazon Q Developer custom notification (Slack, Teams).

``relay``: ``ChatRelay`` takes a notification as the notification topic delivered it to the chat
queue, renders its chat card (``card``) and publishes it to the chat topic, once.
"""
