"""The route relay: a notification as a destination's queue received it -> that destination, once.

Each relayed destination of each route has its own queue, subscribed to the notification topic with the
route's match; the record's queue says which destination it is for. Once per notification and
destination: Powertools idempotency keyed on SNS's MessageId and the destination, so that a redelivered
record or a retried batch never delivers twice, and one destination's failure never repeats another's.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier.chat.relay import publish_card
from notifier.core.envelopes import Notification, notification_of
from notifier.once import Once
from notifier.owners.views import owner_view
from notifier.routes.http import Refused, Secrets, post_json
from notifier.routes.incidents import Action, action_of, incident_key
from notifier.routes.open_incidents import OpenIncidents
from notifier.routes.request_bodies import jsm_alert, jsm_close, pagerduty_event, signed_json
from notifier.routes.webhooks import slack_message, teams_message
from notifier.state_table import KeyPrefix
from ssm_event_notifier.contract.routes_file import DELIVERY_HEADER, RelayedDestination


class NotARouteQueue(ValueError):
    """A record from a queue that is no route destination's (its ARN is named)."""


class RouteRelay:
    def __init__(
        self,
        *,
        sns: Any,
        sqs: Any,
        dynamodb: Any,
        secrets: Secrets,
        destinations: dict[str, RelayedDestination],
        table_name: str,
        window_seconds: int,
        pagerduty_url: str,
        jsm_url: str,
    ) -> None:
        self.sns, self.sqs, self.secrets, self.destinations = sns, sqs, secrets, destinations
        self.pagerduty_url, self.jsm_url = pagerduty_url, jsm_url
        self.incidents = OpenIncidents(dynamodb, table_name)
        self._deliver_once = Once(
            self._deliver,
            data="delivery",
            key="key",
            record=KeyPrefix.ROUTE_DELIVERY,
            table_name=table_name,
            window_seconds=window_seconds,
            dynamodb=dynamodb,
        )

    def relay(self, queue_arn: str, body: str, context: LambdaContext) -> dict[str, Any]:
        """Deliver the notification in `body` to the destination of `queue_arn` once; NotANotification or
        NotARouteQueue for a record that can never be delivered."""
        destination = self.destinations.get(queue_arn)
        if destination is None:
            raise NotARouteQueue(f"no route destination reads {queue_arn}")
        notification = notification_of(body)
        delivery = {"key": f"{notification.message_id}:{destination.id}", "destination": destination.id, "body": body}
        done = self._deliver_once(context, delivery=delivery)
        return {**done.result, "completionNotRecorded": True} if done.not_recorded else done.result

    def _deliver(self, delivery: dict[str, Any], published: dict[str, Any]) -> dict[str, Any]:
        destination = next(d for d in self.destinations.values() if d.id == delivery["destination"])
        notification = notification_of(delivery["body"])
        if destination.by_tags:  # a route by tags gets its own view, naming its owners' instances only
            view = owner_view(notification, destination.route)
            if view is None:
                published.update(destination=destination.id, skipped="none of the route's owners' instances")
                return dict(published)
            notification = view
        try:
            outcome = self._send(destination, notification, {DELIVERY_HEADER: delivery["key"]})
        except Refused as refusal:
            # Once, with the response, and never again for this message: retrying cannot help.
            self.sqs.send_message(
                QueueUrl=destination.dead_letter_queue_url,
                MessageBody=json.dumps(
                    {
                        "route": destination.route,
                        "destination": destination.id,
                        "kind": destination.kind,
                        "status": refusal.status,
                        "response": refusal.response,
                        "notification": delivery["body"],
                    }
                ),
            )
            outcome = {"refused": refusal.status}
        published.update(destination=destination.id, **outcome)
        return dict(published)

    def _send(
        self, destination: RelayedDestination, notification: Notification, delivery: dict[str, str]
    ) -> dict[str, Any]:
        """`delivery`: the header that names this delivery, sent with every request."""
        document = notification.document
        if destination.kind == "topic":
            response = self.sns.publish(**notification.republished(destination.topic_arn))
            return {"delivered": "topic", "messageId": response["MessageId"]}
        if destination.kind == "chat":  # the card the chat relay publishes, for the route's channels only
            message_id = publish_card(self.sns, destination.topic_arn, document, notification.message_id)
            return {"delivered": f"chat/{destination.format}", "messageId": message_id}
        if destination.kind == "webhook":
            return self._webhook(destination, document, delivery)
        action = action_of(document)
        if action is None:
            return {"skipped": "neither a failure nor a recovery"}
        incident, key = incident_key(document), delivery[DELIVERY_HEADER]
        # Only what the relay opened is resolved (routes.open_incidents: why the record goes before a
        # trigger's POST and after a resolve's).
        if action == "trigger":
            self.incidents.opened(destination.id, incident, key)
        elif why_not := self.incidents.claim(destination.id, incident, key):
            return {"skipped": why_not}
        self._incident(destination, document, action, delivery)
        if action == "resolve":
            self.incidents.resolved(destination.id, incident, key)
        return {"delivered": destination.kind, "action": action, "incident": incident}

    def _incident(
        self, destination: RelayedDestination, document: dict[str, Any], action: Action, delivery: dict[str, str]
    ) -> None:
        if destination.kind == "pagerduty":
            key = self.secrets.field(destination.secret, "routingKey")
            post_json(self.pagerduty_url, json.dumps(pagerduty_event(document, key, action)).encode(), delivery)
            return
        headers = {"Authorization": f"GenieKey {self.secrets.field(destination.secret, 'apiKey')}", **delivery}
        if action == "trigger":
            post_json(self.jsm_url, json.dumps(jsm_alert(document)).encode(), headers)
        else:
            url = f"{self.jsm_url}/{quote(incident_key(document), safe='')}/close?identifierType=alias"
            post_json(url, json.dumps(jsm_close(document)).encode(), headers)

    def _webhook(
        self, destination: RelayedDestination, document: dict[str, Any], delivery: dict[str, str]
    ) -> dict[str, Any]:
        url = self.secrets.field(destination.secret, "url")
        if destination.format == "json":
            body, headers = signed_json(document, self.secrets.field(destination.secret, "signingKey"))
            post_json(url, body, {**headers, **delivery})
        else:
            message = slack_message(document) if destination.format == "slack" else teams_message(document)
            post_json(url, json.dumps(message, ensure_ascii=False).encode(), delivery)
        return {"delivered": f"webhook/{destination.format}"}
