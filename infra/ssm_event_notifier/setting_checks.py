"""Values of CDK context, checked: lists, whole numbers, e-mail addresses, ids; errors name the setting."""

from __future__ import annotations

import re
from typing import Any

EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
# An organizational unit (ou-<root part>-<ou part>) or the organization's root (r-...): StackSets accept both.
TARGET_ID = re.compile(r"^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
ACCOUNT = re.compile(r"^\d{12}$")


class SettingsError(ValueError):
    pass


def as_list(name: str, value: Any) -> tuple[str, ...]:
    """Context values come as JSON lists from cdk.json and as comma-separated strings from `-c`."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list):
        items = [str(item) for item in value]
    else:
        raise SettingsError(f"context {name}: expected a list or a comma-separated string, got {value!r}")
    return tuple(item.strip() for item in items if item.strip())


def as_int(name: str, value: Any, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SettingsError(f"context {name}: expected a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise SettingsError(f"context {name}: {number} is outside {low}..{high}")
    return number


def emails(name: str, value: Any) -> tuple[str, ...]:
    emails = as_list(name, value)
    for email in emails:
        if not EMAIL.match(email):
            raise SettingsError(f"context {name}: {email!r} is not an e-mail address")
    return emails


def matching(name: str, value: Any, pattern: re.Pattern[str], what: str) -> tuple[str, ...]:
    items = as_list(name, value)
    for item in items:
        if not pattern.match(item):
            raise SettingsError(f"context {name}: {item!r} is not {what}")
    if len(set(items)) != len(items):
        raise SettingsError(
            f"context {name}: {', '.join(sorted({i for i in items if items.count(i) > 1}))} listed twice"
        )
    return items


def as_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise SettingsError(f"context {name}: expected true or false, got {value!r}")
