"""Routes: which messages go to which team's destinations. Read from the routes file (routes.yaml or
JSON, already parsed), checked, and refused with an error naming the route and the field.

A route's `match` holds when every key given holds; a key's list is "any of". The keys a message's
SNS attributes carry (accounts, regions, families, detailTypes, severities) compile into a subscription
filter policy: SNS does the matching.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ssm_event_notifier.contract.catalog import DIGEST_DETAIL_TYPE, EVENT_TYPES, FAMILIES

SEVERITIES = ("error", "warning", "info")
# Route key -> the message attribute it matches (lambdas/notifier/core/render.py compose).
ATTRIBUTE_KEYS = {
    "accounts": "account",
    "regions": "region",
    "families": "family",
    "detailTypes": "detail_type",
    "severities": "severity",
}
# What a route may deliver to in this version; each kind's value (see Destination).
DESTINATION_KINDS = ("email", "topic")
# Kinds that routes will deliver to through a queue and relay of their own, not yet built: said at synth.
PLANNED_KINDS = ("slack", "teams", "webhook", "pagerduty", "jsm")
DEFAULT_TOPIC = "default"
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class RouteError(ValueError):
    """A routes file that cannot be used: the message names the route and the field."""


@dataclass(frozen=True)
class Destination:
    kind: str  # one of DESTINATION_KINDS
    # email: the addresses; topic: the topic's name ("default": the notification topic).
    targets: tuple[str, ...]


@dataclass(frozen=True)
class Route:
    name: str
    # Route key (ATTRIBUTE_KEYS) -> the values any of which it accepts; a key not given accepts all.
    match: Mapping[str, tuple[str, ...]]
    destinations: tuple[Destination, ...]

    def filter_policy(self) -> dict[str, list[str]]:
        """The SNS subscription filter policy of the match (empty: every message)."""
        return {ATTRIBUTE_KEYS[key]: list(values) for key, values in self.match.items()}

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
    return routes


def check_routes_reach(
    routes: Sequence[Route], enabled_families: Sequence[str], notification_emails: Sequence[str]
) -> None:
    """A route that can match only families not enabled never matches; an address that a route and
    notificationEmails (or two routes) both name would be one subscription with two meanings."""
    seen: dict[str, str] = {address: "notificationEmails (every message)" for address in notification_emails}
    for route in routes:
        _check_can_match(f"route {route.name!r}", dict(route.match), enabled_families)
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
    match = _match(where, entry.get("match", {}), enabled_families)
    to = entry.get("to")
    if not isinstance(to, list) or not to:
        raise RouteError(f"{where}: to: required, a list of destinations")
    destinations = tuple(_destination(f"{where}: to[{index}]", item) for index, item in enumerate(to))
    if any(DEFAULT_TOPIC in d.targets for d in destinations if d.kind == "topic") and match:
        raise RouteError(
            f"{where}: to: topic {DEFAULT_TOPIC} receives every message; a route that matches only some "
            "cannot narrow it"
        )
    return Route(name=name, match=match, destinations=destinations)


def _match(where: str, given: Any, enabled_families: Sequence[str] | None) -> dict[str, tuple[str, ...]]:
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise RouteError(f"{where}: match: expected a mapping of keys to lists")
    families = tuple(f.name for f in FAMILIES)
    detail_types = (*dict.fromkeys(e.detail_type for e in EVENT_TYPES), DIGEST_DETAIL_TYPE)
    allowed: dict[str, tuple[re.Pattern[str] | tuple[str, ...], str]] = {
        "accounts": (_ACCOUNT, "a 12-digit account id"),
        "regions": (_REGION, "a region name such as eu-west-1"),
        "families": (families, "a family"),
        "detailTypes": (detail_types, "a detail-type of the catalog"),
        "severities": (SEVERITIES, "a severity"),
    }
    match = {}
    for key, values in given.items():
        if key not in allowed:
            raise RouteError(f"{where}: match.{key}: unknown key; known: {', '.join(allowed)}")
        items = (values,) if isinstance(values, str) else values
        if not isinstance(items, (list, tuple)) or not items or not all(isinstance(v, str) for v in items):
            raise RouteError(f"{where}: match.{key}: expected a list of one or more values")
        rule, what = allowed[key]
        for value in items:
            known = rule.match(value) if isinstance(rule, re.Pattern) else value in rule
            if not known:
                listed = f"; known: {', '.join(rule)}" if isinstance(rule, tuple) and len(rule) < 20 else ""
                raise RouteError(f"{where}: match.{key}: {value!r} is not {what}{listed}")
        match[key] = tuple(dict.fromkeys(items))
    _check_can_match(where, match, enabled_families)
    return match


def _check_can_match(where: str, match: dict[str, tuple[str, ...]], enabled: Sequence[str] | None) -> None:
    """A route whose keys exclude each other, or that names only families not enabled, never matches."""
    families = match.get("families")
    if families and enabled is not None and not set(families) & set(enabled):
        raise RouteError(
            f"{where}: match.families: none of {', '.join(families)} is enabled (enabledFamilies): it can never match"
        )
    detail_types = match.get("detailTypes")
    if families and detail_types:
        of_families = {e.detail_type for e in EVENT_TYPES if e.family in families} | {DIGEST_DETAIL_TYPE}
        if not set(detail_types) & of_families:
            raise RouteError(
                f"{where}: match.detailTypes: none belongs to the families {', '.join(families)}: it can never match"
            )


def _destination(where: str, item: Any) -> Destination:
    if not isinstance(item, Mapping) or len(item) != 1:
        raise RouteError(f"{where}: expected one destination, e.g. {{email: [ops@example.com]}}")
    ((kind, value),) = item.items()
    if kind in PLANNED_KINDS:
        raise RouteError(
            f"{where}: {kind}: not delivered by routes in this version (they deliver to "
            f"{', '.join(DESTINATION_KINDS)}); chat for every message: the slackChannels and teamsChannels settings"
        )
    if kind not in DESTINATION_KINDS:
        raise RouteError(f"{where}: {kind}: unknown destination; known: {', '.join(DESTINATION_KINDS)}")
    targets = (value,) if isinstance(value, str) else value
    if not isinstance(targets, (list, tuple)) or not targets or not all(isinstance(t, str) for t in targets):
        raise RouteError(f"{where}: {kind}: expected a value or a list of values")
    if kind == "email":
        for address in targets:
            if not _EMAIL.match(address):
                raise RouteError(f"{where}: email: {address!r} is not an e-mail address")
    if kind == "topic":
        for topic in targets:
            if topic != DEFAULT_TOPIC:
                raise RouteError(
                    f"{where}: topic: {topic!r}: a topic of its own per route is not in this version; "
                    f"'{DEFAULT_TOPIC}' is the notification topic"
                )
    return Destination(kind=kind, targets=tuple(dict.fromkeys(targets)))
