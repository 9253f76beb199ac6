"""Routes on the stand-ins: the secrets a routes file names, made from a local file, and what each relayed
destination received from the route relay (the HTTP stand-in's requests), by the notification each was for.

The secrets file is JSON, secret name -> value (a string, or an object stored as its JSON text); a value
may hold ``{receiver}``, replaced by the HTTP stand-in's base URL ("{receiver}/hooks/web").
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from ssm_event_notifier.contract.routes_file import DELIVERY_HEADER, RelayedDestination, relayed_destinations
from tools.harness.http_destinations import Receiver, Request

RECEIVER_PLACEHOLDER = "{receiver}"
# The relay's variable that names its destinations by queue ARN (contract.environment.RouteRelaying).
DESTINATIONS_VARIABLE = "ROUTE_DESTINATIONS"
# An incident's life, in the order the counts read best.
ACTION_ORDER = {"trigger": 0, "resolve": 1, "create": 2, "close": 3}


def read_secrets(path: Path) -> dict[str, Any]:
    """The secrets file: an object of names to strings or objects; ValueError naming what is wrong."""
    secrets = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(secrets, dict):
        raise ValueError(f"{path}: expected a JSON object, secret name -> value")
    for name, value in secrets.items():
        if not isinstance(value, (str, dict)):
            raise ValueError(f"{path}: {name}: expected a string or an object")
    return secrets


def secret_strings(secrets: dict[str, Any], receiver_url: str) -> dict[str, str]:
    """name -> SecretString, the placeholder replaced (in an object's string values too)."""

    def filled(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(RECEIVER_PLACEHOLDER, receiver_url)
        if isinstance(value, dict):
            return {key: filled(item) for key, item in value.items()}
        return value

    return {
        name: filled(value) if isinstance(value, str) else json.dumps(filled(value)) for name, value in secrets.items()
    }


def create_secrets(client: Any, strings: dict[str, str]) -> None:
    """Each secret in Secrets Manager (moto); a secret already there (a running moto) gets the new value."""
    for name, text in strings.items():
        try:
            client.create_secret(Name=name, SecretString=text)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceExistsException":
                raise
            client.put_secret_value(SecretId=name, SecretString=text)


def action_of(destination: RelayedDestination, request: Request) -> str | None:
    """What an on-call request asked: PagerDuty's event_action; for JSM, create or close (by its path)."""
    if destination.kind == "pagerduty":
        payload = _payload(request)
        return str(payload.get("event_action")) if isinstance(payload, dict) else None
    if destination.kind == "jsm":
        return "close" if request.path.split("?")[0].endswith("/close") else "create"
    return None


def _payload(request: Request) -> Any:
    try:
        return request.json()
    except ValueError:
        return request.body.decode("utf-8", "replace")


@dataclass
class RouteDeliveries:
    """The requests the stand-in received, tied to the notifications they were for."""

    receiver: Receiver
    destinations: dict[str, RelayedDestination]  # by destination id
    taken: int = 0  # requests already handed out
    accepted: Counter[str] = field(default_factory=Counter)  # destination id -> requests answered 2xx
    actions: dict[str, Counter[str]] = field(default_factory=dict)  # destination id -> action -> count
    refused: dict[str, Counter[int]] = field(default_factory=dict)  # destination id -> other answers
    untied: int = 0  # requests for no notification of the rows they could be shown on

    @classmethod
    def of(cls, receiver: Receiver, environments: list[dict[str, str]]) -> RouteDeliveries:
        """`environments`: the functions' resolved variables; the relay's name its destinations."""
        destinations = {
            destination.id: destination
            for environment in environments
            if DESTINATIONS_VARIABLE in environment
            for destination in relayed_destinations(environment[DESTINATIONS_VARIABLE]).values()
        }
        return cls(receiver, destinations)

    def take(self) -> dict[str, list[dict[str, Any]]]:
        """The requests received since the last take, by the SNS MessageId of their notification.

        Tied by the delivery each request names (DELIVERY_HEADER: the MessageId and the destination),
        not by what the body says: a PagerDuty resolve carries only its dedup key, a Slack card only the
        subject's words, and two notifications may share both; the MessageId is the notification's own.
        """
        requests = self.receiver.requests[self.taken :]
        self.taken += len(requests)
        by_message: dict[str, list[dict[str, Any]]] = {}
        for request in requests:
            message_id, _, destination_id = request.headers.get(DELIVERY_HEADER, "").partition(":")
            destination = self.destinations.get(destination_id)
            if destination is None:
                continue  # not the relay's (or a header it did not write): nothing to tie it to
            action = action_of(destination, request)
            if 200 <= request.status < 300:
                self.accepted[destination.id] += 1
                if action:
                    self.actions.setdefault(destination.id, Counter())[action] += 1
            else:
                self.refused.setdefault(destination.id, Counter())[request.status] += 1
            delivered = {
                "messageId": message_id,
                "route": destination.route,
                "destination": destination.id,
                "kind": destination.kind,
                "payload": _payload(request),
                "status": request.status,
            }
            if action:
                delivered["action"] = action
            by_message.setdefault(message_id, []).append(delivered)
        return by_message

    def card(self, destination_id: str, message_id: str, card: dict[str, Any]) -> dict[str, Any]:
        """A chat card the route relay published for a route's channels (its chat topic, not HTTP): as
        a request is shown, counted as accepted."""
        destination = self.destinations[destination_id]
        self.accepted[destination.id] += 1
        return {
            "messageId": message_id,
            "route": destination.route,
            "destination": destination.id,
            "kind": destination.kind,
            "payload": card,
        }

    def summary(self) -> list[str]:
        """One line per relayed destination that the stand-in serves, and per route's chat channels (a
        route's own topic is not sent over HTTP): how many requests or cards it accepted, by action, and
        the other answers it gave."""
        lines = []
        for destination in sorted(self.destinations.values(), key=lambda d: d.id):
            if destination.kind == "topic":
                continue
            kind = f"{destination.kind}/{destination.format}" if destination.format else destination.kind
            line = f"  {self.accepted[destination.id]:>5}  {destination.id} {kind}"
            actions = self.actions.get(destination.id)
            if actions:
                ordered = sorted(actions.items(), key=lambda item: ACTION_ORDER.get(item[0], len(ACTION_ORDER)))
                line += f" ({', '.join(f'{action} {count}' for action, count in ordered)})"
            refused = self.refused.get(destination.id)
            if refused:
                line += f"; also answered {', '.join(f'{status} x{n}' for status, n in sorted(refused.items()))}"
            lines.append(line)
        if self.untied:
            lines.append(f"  {self.untied:>5}  requests for notifications of an earlier wave (shown on no row)")
        return lines
