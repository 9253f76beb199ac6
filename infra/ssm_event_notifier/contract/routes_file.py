"""Routes: which messages go to which team's destinations. Read from the routes file (routes.yaml or
JSON, already parsed), checked, and refused with an error naming the route and the field.

A route's `match` holds when every key given holds; a key's list is "any of". The keys a message's
SNS attributes carry (accounts, regions, families, detailTypes, severities, names, organizationalUnits)
compile into a subscription filter policy: SNS does the matching. `tags` (of the instances a message is
about) are read where the message is made, which names in its `owner_routes` attribute each route whose
tags some of its instances carry (and gives that route a view naming only those instances).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ssm_event_notifier.contract.route_match import (
    ATTRIBUTE_KEYS,
    EMAIL,
    OWNER_ATTRIBUTE,
    RouteError,
    check_can_match,
    name_condition,
    parse_match,
)

# What a route may deliver to, as a `to` item names it (see Destination). `slack` and `teams` name a
# chat channel of Amazon Q Developer (kind "chat"), or with {secret: ...} a webhook of that format.
DESTINATION_KEYS = ("email", "topic", "webhook", "pagerduty", "jsm", "slack", "teams")
# The template metadata key of a route's e-mail subscription to the notification topic: the route's name, for
# `ssm-event-notifier test-route` (a subscription has no tags, and its logical id names its address only).
ROUTE_METADATA = "SsmEventNotifierRoute"
# Reached over HTTPS with a secret (Secrets Manager), by the route relay.
SECRET_KINDS = ("webhook", "pagerduty", "jsm")
WEBHOOK_FORMATS = ("slack", "teams", "json")
CHAT_FORMATS = ("slack", "teams")
# A chat channel as Amazon Q Developer names it; the slackChannels and teamsChannels settings too. Teams
# gives the channel id URL-encoded in a channel's link ("19%3a...%40thread.tacv2"), and so it is kept.
SLACK_CHANNEL = re.compile(r"^([0-9A-Z]{1,255}):([A-Za-z0-9]{1,255})$")
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
TEAMS_CHANNEL = re.compile(
    rf"^({_UUID}):({_UUID}):([A-Za-z0-9_=+/.,-]*%3[aA][A-Za-z0-9_=+/.,-]*%40[A-Za-z0-9_=+/.,-]*)$"
)
SLACK_CHANNEL_FORM = "<workspace id>:<channel id> (T0123ABCD:C0456EFGH)"
TEAMS_CHANNEL_FORM = "<tenant id>:<team id>:<URL-encoded channel id> (19%3a...%40thread.tacv2)"
CHAT_CHANNELS = {"slack": (SLACK_CHANNEL, SLACK_CHANNEL_FORM), "teams": (TEAMS_CHANNEL, TEAMS_CHANNEL_FORM)}
DEFAULT_TOPIC = "default"
MAX_RELAYED = 10  # relayed destinations in all (RelayedDestination: about 300 bytes of the relay's environment)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SECRET = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")


@dataclass(frozen=True)
class Destination:
    kind: str  # email, topic, chat, or one of SECRET_KINDS
    # email: the addresses; topic: the topics' names ("default": the notification topic); chat: the
    # channels (SLACK_CHANNEL or TEAMS_CHANNEL, by format).
    targets: tuple[str, ...] = ()
    # webhook, pagerduty, jsm: the name of the secret in Secrets Manager holding the URL or key.
    secret: str = ""
    format: str = ""  # webhook: one of WEBHOOK_FORMATS; chat: one of CHAT_FORMATS

    @property
    def relayed(self) -> bool:
        """Delivered by the route relay from a queue of its own (email and the default topic: by SNS)."""
        return self.kind in (*SECRET_KINDS, "chat") or (self.kind == "topic" and self.targets != (DEFAULT_TOPIC,))


@dataclass(frozen=True)
class Route:
    name: str
    # Route key (ATTRIBUTE_KEYS) -> the values any of which it accepts; a key not given accepts all.
    match: Mapping[str, tuple[str, ...]]
    destinations: tuple[Destination, ...]
    # Tag key -> the values any of which an instance of the message carries; every key must hold.
    tags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def filter_policy(self) -> dict[str, list[Any]]:
        """The SNS subscription filter policy of the match (empty: every message)."""
        policy: dict[str, list[Any]] = {}
        for key, values in self.match.items():
            policy[ATTRIBUTE_KEYS[key]] = [name_condition(v) for v in values] if key == "names" else list(values)
        if self.tags:
            policy[OWNER_ATTRIBUTE] = [self.name]
        return policy

    def targets(self, kind: str) -> tuple[str, ...]:
        return tuple(target for d in self.destinations if d.kind == kind for target in d.targets)


def parse_routes(document: Any, enabled_families: Sequence[str] | None = None) -> tuple[Route, ...]:
    """The routes of a parsed routes file ({"routes": [...]}); `enabled_families`: see check_routes_reach."""
    if not isinstance(document, Mapping) or set(document) != {"routes"} or not isinstance(document["routes"], list):
        raise RouteError("the routes file holds one key, routes: a list of routes")
    routes = tuple(_route(number, entry, enabled_families) for number, entry in enumerate(document["routes"], 1))
    names = [route.name for route in routes]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise RouteError(f"route {twice[0]!r}: name: used by more than one route")
    relayed = sum(d.relayed for route in routes for d in route.destinations)
    if relayed > MAX_RELAYED:
        raise RouteError(
            f"to: {relayed} destinations need the route relay, at most {MAX_RELAYED}: each is a queue ARN and a "
            "dead-letter queue URL in its environment, which Lambda caps at 4 KB"
        )
    topics: dict[str, str] = {}
    for route in routes:
        for topic in route.targets("topic"):
            if topic != DEFAULT_TOPIC and topics.setdefault(topic, route.name) != route.name:
                raise RouteError(f"route {route.name!r}: topic: {topic} is route {topics[topic]!r}'s topic")
    return routes


def check_routes_reach(
    routes: Sequence[Route],
    enabled_families: Sequence[str],
    notification_emails: Sequence[str],
    organization: bool = False,
) -> None:
    """A route that can match only families not enabled never matches, nor one by organizational unit
    outside organization mode; an address that a route and notificationEmails (or two routes) both
    name would be one subscription with two meanings."""
    seen: dict[str, str] = {address: "notificationEmails (every message)" for address in notification_emails}
    for route in routes:
        check_can_match(f"route {route.name!r}", dict(route.match), enabled_families, bool(route.tags))
        if route.match.get("organizationalUnits") and not organization:
            raise RouteError(
                f"route {route.name!r}: match.organizationalUnits: only in organization mode (organizationId): "
                "it can never match"
            )
        for address in route.targets("email"):
            if address in seen:
                raise RouteError(
                    f"route {route.name!r}: email: {address} is also in {seen[address]}: one subscription per "
                    "address (widen one route's match instead)"
                )
            seen[address] = f"route {route.name!r}"


def _route(number: int, entry: Any, enabled_families: Sequence[str] | None) -> Route:
    if not isinstance(entry, Mapping):
        raise RouteError(f"route #{number}: expected a mapping with name, match and to")
    name = entry.get("name")
    where = f"route {name!r}" if isinstance(name, str) else f"route #{number}"
    unknown = sorted(set(entry) - {"name", "match", "to"})
    if unknown:
        raise RouteError(f"{where}: {unknown[0]}: unknown key; known: name, match, to")
    if not isinstance(name, str) or not _NAME.match(name):
        raise RouteError(f"{where}: name: required, letters, digits, '.', '_' or '-' (at most 64)")
    match, tags = parse_match(where, entry.get("match", {}), enabled_families)
    to = entry.get("to")
    if not isinstance(to, list) or not to:
        raise RouteError(f"{where}: to: required, a list of destinations")
    destinations = tuple(_destination(f"{where}: to[{index}]", item) for index, item in enumerate(to))
    if any(DEFAULT_TOPIC in d.targets for d in destinations if d.kind == "topic") and (match or tags):
        raise RouteError(
            f"{where}: to: topic {DEFAULT_TOPIC} receives every message; a route that matches only some "
            "cannot narrow it"
        )
    return Route(name=name, match=match, destinations=destinations, tags=tags)


def _destination(where: str, item: Any) -> Destination:
    if not isinstance(item, Mapping) or len(item) != 1:
        raise RouteError(f"{where}: expected one destination, e.g. {{email: [ops@example.com]}}")
    ((kind, value),) = item.items()
    if kind in CHAT_FORMATS and isinstance(value, Mapping):  # a webhook of that format
        kind, value = "webhook", {**value, "format": kind}
    if kind not in DESTINATION_KEYS:
        raise RouteError(f"{where}: {kind}: unknown destination; known: {', '.join(DESTINATION_KEYS)}")
    if kind in SECRET_KINDS:
        return _secret_destination(f"{where}: {kind}", kind, value)
    targets = (value,) if isinstance(value, str) else value
    if not isinstance(targets, (list, tuple)) or not targets or not all(isinstance(t, str) for t in targets):
        raise RouteError(f"{where}: {kind}: expected a value or a list of values")
    pattern, what = {
        "email": (EMAIL, "an e-mail address"),
        "topic": (_TOPIC, "a topic name"),
        **{app: (rule, f"a channel, {form}") for app, (rule, form) in CHAT_CHANNELS.items()},
    }[kind]
    for target in targets:
        if not pattern.match(target):
            raise RouteError(f"{where}: {kind}: {target!r} is not {what}")
    if kind in CHAT_FORMATS:  # a channel of Amazon Q Developer, fed by a chat topic of the route's own
        return Destination(kind="chat", targets=tuple(dict.fromkeys(targets)), format=kind)
    return Destination(kind=kind, targets=tuple(dict.fromkeys(targets)))


def _secret_destination(where: str, kind: str, value: Any) -> Destination:
    """A destination reached over HTTPS with a secret of Secrets Manager (its name, never its value)."""
    if not isinstance(value, Mapping):
        raise RouteError(f"{where}: expected {{secret: <name in Secrets Manager>}}")
    known = ("secret", "format") if kind == "webhook" else ("secret",)
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise RouteError(f"{where}.{unknown[0]}: unknown key; known: {', '.join(known)}")
    secret = value.get("secret")
    if not isinstance(secret, str) or not _SECRET.match(secret):
        raise RouteError(f"{where}.secret: required, the name of a secret in Secrets Manager")
    format_ = value.get("format", "") if kind == "webhook" else ""
    if kind == "webhook" and format_ not in WEBHOOK_FORMATS:
        raise RouteError(f"{where}.format: expected one of {', '.join(WEBHOOK_FORMATS)}, got {format_!r}")
    return Destination(kind=kind, secret=secret, format=format_)


# Each request the route relay sends names its delivery: "<SNS MessageId>:<destination id>", the same on
# every retry of it, so that a receiver can drop a repeat (and a local run can tell what each was for).
DELIVERY_HEADER = "X-Ssm-Notifier-Delivery"


@dataclass(frozen=True)
class RelayedDestination:
    """One destination as the route relay reads it (RouteRelaying.destinations, by its queue's ARN)."""

    id: str  # "<route>/<index in to>": part of the key that delivers each message to it once
    route: str
    kind: str
    secret: str = ""
    format: str = ""
    topic_arn: str = ""  # a route's own topic; chat: the topic its channels subscribe to
    by_tags: bool = False  # its route matches on tags: it gets the route's view (notifier.owners.views)
    # Where a message the destination refused (HTTP 4xx but 429) goes, with the response.
    dead_letter_queue_url: str = ""

    def as_json(self) -> dict[str, str | bool]:
        return {name: value for name, value in self.__dict__.items() if value}


def relayed_destinations(text: str) -> dict[str, RelayedDestination]:
    """RouteRelaying.destinations read back: queue ARN -> destination."""
    return {arn: RelayedDestination(**spec) for arn, spec in json.loads(text).items()}
