"""The environment the stack gives each function: every variable's name and default, written once.

Standard library only: ``infra/`` builds these dataclasses with its values and sets
``.variables()`` on the function; the function reads them back with ``.read()``. Powertools'
own variables (POWERTOOLS_SERVICE_NAME, ...) are Powertools' business and not listed here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, TypeVar

DEDUPE_WINDOW_SECONDS = 24 * 3600
OPERATION_TIMEOUT_SECONDS = 120 * 60
DIGEST_SETTLE_SECONDS = 60
MISSED_TRANSITION_GRACE_MINUTES = 20


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _variable(name: str, parse: Callable[[str], Any] = str, default: Any = MISSING) -> Any:
    return field(default=default, metadata={"variable": name, "parse": parse})


Settings = TypeVar("Settings", bound="FunctionEnvironment")


@dataclass(frozen=True)
class FunctionEnvironment:
    """A group of variables one kind of function reads."""

    def variables(self) -> dict[str, str]:
        """The variables to set on the function (CDK tokens pass through as strings)."""
        result = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            result[spec.metadata["variable"]] = ",".join(value) if isinstance(value, tuple) else str(value)
        return result

    @classmethod
    def read(cls: type[Settings], environ: Mapping[str, str] = os.environ) -> Settings:
        """The settings as the function sees them; a missing variable without a default raises KeyError."""
        values = {}
        for spec in fields(cls):
            name = spec.metadata["variable"]
            if name in environ:
                values[spec.name] = spec.metadata["parse"](environ[name])
            elif spec.default is MISSING:
                raise KeyError(f"environment variable {name} is not set")
        return cls(**values)


@dataclass(frozen=True)
class Publishing(FunctionEnvironment):
    """Every function that publishes to the notification topic."""

    topic_arn: str = _variable("NOTIFICATION_TOPIC_ARN")


@dataclass(frozen=True)
class Dedupe(FunctionEnvironment):
    """Every function that keeps Powertools idempotency records (and calendar transitions)."""

    table_name: str = _variable("IDEMPOTENCY_TABLE_NAME")
    window_seconds: int = _variable("DEDUPE_WINDOW_SECONDS", int, DEDUPE_WINDOW_SECONDS)


@dataclass(frozen=True)
class Reconciler(FunctionEnvironment):
    """The missed-transition reconciler (notifier.calendars)."""

    calendars: tuple[str, ...] = _variable("MONITORED_CALENDARS", _names, ())
    grace_minutes: int = _variable("GRACE_MINUTES", int, MISSED_TRANSITION_GRACE_MINUTES)


@dataclass(frozen=True)
class OperationRecording(FunctionEnvironment):
    """The function that records the events of fleet-wide operations (notifier.fleet)."""

    table_name: str = _variable("OPERATIONS_TABLE_NAME")
    timeout_seconds: float = _variable("OPERATION_TIMEOUT_SECONDS", float, OPERATION_TIMEOUT_SECONDS)
    settle_seconds: float = _variable("DIGEST_SETTLE_SECONDS", float, DIGEST_SETTLE_SECONDS)


@dataclass(frozen=True)
class OperationSweeping(FunctionEnvironment):
    """The scheduled function that sends one message per ended fleet-wide operation."""

    table_name: str = _variable("OPERATIONS_TABLE_NAME")
