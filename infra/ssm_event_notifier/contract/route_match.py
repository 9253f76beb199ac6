"""What a route matches (its `match`), checked: the keys of SNS message attributes, which compile into
a subscription filter policy, and the tags of the instances a message is about."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ssm_event_notifier.contract.catalog import (
    DIGEST_DETAIL_TYPE,
    EVENT_TYPES,
    FAMILIES,
    NOTICE,
    NOTICE_DETAIL_TYPES,
)

SEVERITIES = ("error", "warning", "info")
# Route key -> the message attribute it matches (lambdas/notifier/core/render.py compose).
ATTRIBUTE_KEYS = {
    "accounts": "account",
    "regions": "region",
    "families": "family",
    "detailTypes": "detail_type",
    "severities": "severity",
    "names": "name",
    "organizationalUnits": "organizational_units",
}
# Attributes that hold a list (SNS String.Array: a filter value matches any of its items).
ARRAY_ATTRIBUTES = ("organizational_units", "owner_routes")
# The routes whose tags some instance of the message carries (the route's own name is its filter).
OWNER_ATTRIBUTE = "owner_routes"
# Families whose messages are about instances or managed nodes (their fleet operations' items, or one
# node): the only ones a route matching on tags can match.
OWNER_FAMILIES = (
    "run-command",
    "maintenance-window",
    "state-manager",
    "compliance",
    "managed-nodes",
    "node-access",
    "inventory",
)
# The fields that name the one instance or managed node a message is about (the catalog's models name them so).
NODE_FIELDS = ("instance_id", "resource_id", "node")
# The detail-types of a message about one node (a Maintenance Window target's invocation names none: its
# window's fleet message names the instances).
NODE_DETAIL_TYPES = frozenset(
    e.detail_type
    for e in EVENT_TYPES
    if e.family in OWNER_FAMILIES and any(field in NODE_FIELDS for _, field in e.key_fields)
)
# The functions that read those tags: the digest sweeper (a fleet's message) and the event functions of
# messages about one node.
OWNER_TAG_READERS = (
    "digest-sweeper",
    *sorted(
        {f.function for f in FAMILIES for e in EVENT_TYPES if e.family == f.name and e.detail_type in NODE_DETAIL_TYPES}
    ),
)
# What an account id, a region and an e-mail address look like (the settings check them the same way).
ACCOUNT = re.compile(r"^\d{12}$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
# An organizational unit (ou-...) or an organization's root (r-...).
ORGANIZATIONAL_UNIT = re.compile(r"^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$")
# A document, runbook, window, calendar, parameter or image name, in printable ASCII as the `name`
# attribute is; one `*`, at its start or its end (SNS matches a prefix or a suffix of an attribute, not
# a pattern within it, nor both at once).
_NAME_CHARS = r"[!-)+-~]{1,255}"  # printable ASCII but a space and `*`
_NAME_PATTERN = re.compile(rf"^(\*{_NAME_CHARS}|{_NAME_CHARS}\*?)$")
_TAG_KEY = re.compile(r"^(?!aws:)[\w .:/=+@-]{1,128}$")
_TAG_VALUE = re.compile(r"^[\w .:/=+@-]{0,256}$")


class RouteError(ValueError):
    """A routes file that cannot be used: the message names the route and the field."""


def parse_match(
    where: str, given: Any, enabled_families: Sequence[str] | None
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """The attribute keys of `match`, and its tags."""
    if given is None:
        return {}, {}
    if not isinstance(given, Mapping):
        raise RouteError(f"{where}: match: expected a mapping of keys to lists")
    families = (*(f.name for f in FAMILIES), NOTICE)
    detail_types = (*dict.fromkeys(e.detail_type for e in EVENT_TYPES), DIGEST_DETAIL_TYPE, *NOTICE_DETAIL_TYPES)
    allowed: dict[str, tuple[re.Pattern[str] | tuple[str, ...], str]] = {
        "accounts": (ACCOUNT, "a 12-digit account id"),
        "regions": (REGION, "a region name such as eu-west-1"),
        "families": (families, "a family"),
        "detailTypes": (detail_types, "a detail-type of the catalog"),
        "severities": (SEVERITIES, "a severity"),
        "names": (_NAME_PATTERN, "a name, with at most one `*`, at its start or its end"),
        "organizationalUnits": (ORGANIZATIONAL_UNIT, "an organizational unit id (ou-...) or a root id (r-...)"),
    }
    match: dict[str, tuple[str, ...]] = {}
    tags: dict[str, tuple[str, ...]] = {}
    for key, values in given.items():
        if key == "tags":
            tags = _tags(where, values)
            continue
        if key not in allowed:
            raise RouteError(f"{where}: match.{key}: unknown key; known: {', '.join((*allowed, 'tags'))}")
        items = _values(f"{where}: match.{key}", values)
        rule, what = allowed[key]
        for value in items:
            known = rule.match(value) if isinstance(rule, re.Pattern) else value in rule
            if not known or value == "*":
                listed = f"; known: {', '.join(rule)}" if isinstance(rule, tuple) and len(rule) < 20 else ""
                raise RouteError(f"{where}: match.{key}: {value!r} is not {what}{listed}")
        match[key] = items
    check_can_match(where, match, enabled_families, bool(tags))
    return match, tags


def _values(where: str, values: Any) -> tuple[str, ...]:
    items = (values,) if isinstance(values, str) else values
    if not isinstance(items, (list, tuple)) or not items or not all(isinstance(v, str) for v in items):
        raise RouteError(f"{where}: expected a list of one or more values")
    return tuple(dict.fromkeys(items))


def _tags(where: str, given: Any) -> dict[str, tuple[str, ...]]:
    """match.tags: {tag key: [values]}, the tags of the instances or managed nodes a message is about."""
    if not isinstance(given, Mapping) or not given:
        raise RouteError(
            f"{where}: match.tags: expected a mapping of tag keys to lists of values, e.g. {{Team: [web]}}"
        )
    tags = {}
    for key, values in given.items():
        if not isinstance(key, str) or not _TAG_KEY.match(key):
            raise RouteError(f"{where}: match.tags: {key!r} is not a tag key (1 to 128 characters, not aws:)")
        items = _values(f"{where}: match.tags.{key}", values)
        for value in items:
            if not _TAG_VALUE.match(value):
                raise RouteError(f"{where}: match.tags.{key}: {value!r} is not a tag value")
        tags[key] = items
    return tags


def name_condition(pattern: str) -> str | dict[str, str]:
    """A name of match.names as an SNS filter condition: `x*` a prefix, `*x` a suffix, else the name."""
    if pattern.endswith("*"):
        return {"prefix": pattern[:-1]}
    if pattern.startswith("*"):
        return {"suffix": pattern[1:]}
    return pattern


def check_can_match(
    where: str, match: dict[str, tuple[str, ...]], enabled: Sequence[str] | None, by_tags: bool = False
) -> None:
    """A route whose keys exclude each other, or that names only families not enabled, never matches."""
    families = match.get("families")
    if families and enabled is not None and not set(families) & set(enabled):
        raise RouteError(
            f"{where}: match.families: none of {', '.join(families)} is enabled (enabledFamilies): it can never match"
        )
    detail_types = match.get("detailTypes")
    if families and detail_types:
        of_families = {e.detail_type for e in EVENT_TYPES if e.family in families} | {DIGEST_DETAIL_TYPE}
        of_families |= set(NOTICE_DETAIL_TYPES) if NOTICE in families else set()
        if not set(detail_types) & of_families:
            raise RouteError(
                f"{where}: match.detailTypes: none belongs to the families {', '.join(families)}: it can never match"
            )
    if by_tags:
        about_instances = set(OWNER_FAMILIES) & set(families or OWNER_FAMILIES) & set(enabled or OWNER_FAMILIES)
        if not about_instances:
            raise RouteError(
                f"{where}: match.tags: only messages about instances carry tags (families "
                f"{', '.join(OWNER_FAMILIES)}), and the route matches none of those enabled: it can never match"
            )
        if detail_types and not set(detail_types) & (NODE_DETAIL_TYPES | {DIGEST_DETAIL_TYPE}):
            raise RouteError(
                f"{where}: match.tags: none of match.detailTypes is of a message about instances (a fleet "
                f"operation's {DIGEST_DETAIL_TYPE}, or an event about one node: "
                f"{', '.join(sorted(NODE_DETAIL_TYPES))}): it can never match"
            )
