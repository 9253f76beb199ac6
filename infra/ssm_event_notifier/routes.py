"""Routes (ssm_event_notifier.contract.routes): each route's destinations subscribed to the notification
topic with the route's match as their filter policy, so that SNS does the matching and each destination
gets each message once. Without routes nothing here is made: the notification topic is everyone's."""

from __future__ import annotations

from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions

from ssm_event_notifier.core import NotifierCore


def add_routes(core: NotifierCore) -> None:
    for route in core.settings.routes:
        policy = {
            attribute: sns.SubscriptionFilter.string_filter(allowlist=values)
            for attribute, values in route.filter_policy().items()
        }
        for address in route.targets("email"):
            # What SNS could not deliver after its retries waits with the other e-mails' (alarmed).
            core.topics.notifications.add_subscription(
                subscriptions.EmailSubscription(
                    address, dead_letter_queue=core.topics.undelivered, filter_policy=policy or None
                )
            )
