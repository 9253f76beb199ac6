"""How each setting's value is checked and normalised, whether it comes as a keyword argument or as CDK
context (a JSON value from cdk.json, a string from `-c`). A check raises `Problem` with what is wrong;
`NotifierSettings` names the setting in the error it raises."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ssm_event_notifier.contract.calendar_rules import validate
from ssm_event_notifier.contract.catalog import FAMILIES
from ssm_event_notifier.contract.route_match import ORGANIZATIONAL_UNIT, RouteError
from ssm_event_notifier.contract.routes_file import Route, parse_routes

Check = Callable[[Any], Any]

ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
# An organizational unit (ou-<root part>-<ou part>) or the organization's root (r-...): StackSets accept both.
TARGET_ID = ORGANIZATIONAL_UNIT
API_CALL = re.compile(r"^[A-Z][A-Za-z0-9]{1,127}$")  # an API operation's name, e.g. SendCommand
CALENDAR_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,128}$")


class SettingsError(ValueError):
    """A setting that cannot be used: the message names it (as given: keyword argument or context)."""


class Problem(ValueError):
    """What is wrong with a value, before the setting is named."""


def accepting(accepts: str) -> Callable[[Check], Check]:
    """Says in words what a check accepts; the settings page shows it (tools/settings_page.py)."""

    def said(check: Check) -> Check:
        check.accepts = accepts  # type: ignore[attr-defined]
        return check

    return said


def accepted(check: Check) -> str:
    """What `check` accepts, in words ("" when it does not say)."""
    return str(getattr(check, "accepts", ""))


def text_list(value: Any) -> tuple[str, ...]:
    """Lists come as lists or tuples (keyword arguments, cdk.json) and as comma-separated strings (`-c`)."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, (list, tuple)):
        items = [str(item) for item in value]
    else:
        raise Problem(f"expected a list or a comma-separated string, got {value!r}")
    return tuple(item.strip() for item in items if item.strip())


def whole(low: int, high: int) -> Check:
    def check(value: Any) -> int:
        if isinstance(value, bool):
            raise Problem(f"expected a whole number, got {value!r}")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise Problem(f"expected a whole number, got {value!r}") from None
        if not low <= number <= high:
            raise Problem(f"{number} is outside {low}..{high}")
        return number

    return accepting(f"a whole number, {low} … {high}")(check)


def one_of(*allowed: Any) -> Check:
    def check(value: Any) -> Any:
        if isinstance(allowed[0], int) and not isinstance(value, bool):
            number = whole(min(allowed), max(allowed))(value)
            if number in allowed:
                return number
            raise Problem(f"{number} is not one of {', '.join(map(str, allowed))}")
        if value in allowed:
            return value
        raise Problem(f"expected {' or '.join(repr(a) for a in allowed)}, got {value!r}")

    return accepting(("one of " if len(allowed) > 2 else "") + _listed(allowed, " or " if len(allowed) == 2 else ", "))(
        check
    )


def _listed(values: Sequence[Any], separator: str = ", ") -> str:
    return separator.join(f"`{value}`" for value in values)


@accepting("`true` or `false`")
def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise Problem(f"expected true or false, got {value!r}")


def matching(pattern: re.Pattern[str], what: str) -> Check:
    """A list whose every item matches `pattern` (`what` says what one is), none twice."""

    def check(value: Any) -> tuple[str, ...]:
        items = text_list(value)
        for item in items:
            if not pattern.match(item):
                raise Problem(f"{item!r} is not {what}")
        if len(set(items)) != len(items):
            raise Problem(f"{', '.join(sorted({i for i in items if items.count(i) > 1}))} listed twice")
        return items

    return accepting(f"a list (comma-separated with `-c`), each {what}, none twice")(check)


def some_of(known: Sequence[str], *, empty: str | None = None) -> Check:
    """A list of names from `known`; `empty`: the problem when none is given (None: none is fine)."""

    def check(value: Any) -> tuple[str, ...]:
        items = text_list(value)
        unknown = [item for item in items if item not in known]
        if unknown:
            raise Problem(f"unknown {', '.join(unknown)}; known: {', '.join(known)}")
        if empty and not items:
            raise Problem(empty)
        return tuple(name for name in known if name in items)

    return accepting(f"some of {_listed(known)}" + ("; at least one" if empty else ""))(check)


def optional_text(pattern: re.Pattern[str], what: str) -> Check:
    def check(value: Any) -> str:
        text = "" if value is None else str(value).strip()
        if text and not pattern.match(text):
            raise Problem(f"{text!r} is not {what}")
        return text

    return accepting(f"empty, or {what}")(check)


@accepting("minutes before, comma-separated, each a whole number 1 … 10080; `0` alone: none")
def lead_times(value: Any) -> tuple[int, ...]:
    """Minutes before, as a list (`1440,60`), longest first; `0` alone is none (notices off)."""
    items = text_list(str(value) if isinstance(value, int) and not isinstance(value, bool) else value)
    minutes = tuple(sorted({whole(0, 7 * 24 * 60)(item) for item in items}, reverse=True))
    if minutes == (0,) or not minutes:
        return ()
    if 0 in minutes:
        raise Problem("0 turns notices off: give it alone, not among lead times")
    return minutes


@accepting(f"`all` (every family but the opt-in {_listed([f.name for f in FAMILIES if f.opt_in])}) and families' names")
def families(value: Any) -> tuple[str, ...]:
    """ "all" is every family but the opt-in ones, which are named besides it ("all,api-audit")."""
    names = text_list(value)
    if not names or "all" in names:
        names = (*(f.name for f in FAMILIES if not f.opt_in), *(n for n in names if n != "all"))
    return some_of(tuple(family.name for family in FAMILIES))(names)


@accepting("document name -> iCalendar text, each checked with the rules Change Calendar's import keeps")
def calendars(value: Any) -> Mapping[str, str]:
    """Change Calendars by document name, each checked with the rules the functions apply."""
    if not isinstance(value, Mapping) or not all(isinstance(t, str) for t in (*value, *value.values())):
        raise Problem("expected a mapping of document names to iCalendar text")
    problems = [problem for name, text in value.items() for problem in validate(text, name)]
    if problems:
        raise Problem("invalid Change Calendar(s): " + "; ".join(problems))
    return MappingProxyType(dict(value))


@accepting("a routes file's path (YAML, or JSON for a `.json` file), its content, or parsed routes")
def routes(value: Any) -> tuple[Route, ...]:
    """The routes: parsed ones, a routes file's content ({"routes": [...]}), or the file's path (YAML, or
    JSON for a .json file); none is the one route of old: everything to the notification topic."""
    if not value:
        return ()
    if isinstance(value, (list, tuple)) and all(isinstance(route, Route) for route in value):
        return tuple(value)
    if isinstance(value, (str, Path)):
        path = Path(value)
        try:
            text = path.read_text()
        except OSError as error:
            raise Problem(f"cannot read {path}: {error.strerror}") from None
        value = json.loads(text) if path.suffix == ".json" else _yaml(text, path)
    try:
        return parse_routes(value)
    except RouteError as error:
        raise Problem(str(error)) from None


def _yaml(text: str, path: Path) -> Any:
    import yaml  # here: only a routes file needs it

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise Problem(f"{path} is not YAML: {error}") from None
