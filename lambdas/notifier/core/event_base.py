"""What every model of ``models.py`` shares: how a detail's values read, ``Detail``, ``SsmEvent``.

Lenient: any JSON value is kept as text, so a payload AWS changes tomorrow still notifies. Some
fields are JSON encoded inside a string (an association's ``targets`` and
``association-status-aggregated-count``): they read decoded ("InstanceIds=i-1, i-2",
"Success 3, Failed 1"). AWS's Java placeholder for a missing value, ``Optional.empty``, reads as
absent. The event as received stays whole in the notification's document.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, ClassVar

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

# What AWS sends for an absent value in some fields ("document-version": "Optional.empty").
ABSENT_WORDS = frozenset({"Optional.empty"})


def as_text(value: Any) -> Any:
    """Any JSON value as text; None and AWS's absent placeholders stay None."""
    if value is None or isinstance(value, str):
        return None if value in ABSENT_WORDS else value
    if isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _scalar(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _readable(value: Any) -> str:
    """A decoded JSON value as one line: targets as key=values, a mapping as "name count"."""
    targets = isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
    if targets and all("key" in {str(k).lower() for k in v} for v in value):
        parts = []
        for target in value:
            lowered = {str(k).lower(): v for k, v in target.items()}
            values = lowered.get("values")
            listed = ", ".join(_scalar(v) for v in values) if isinstance(values, list) else _scalar(values)
            parts.append(f"{_scalar(lowered['key'])}={listed}")
        return "; ".join(parts)
    if isinstance(value, dict):
        return ", ".join(f"{key} {_readable(item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(_readable(item) for item in value)
    return _scalar(value)


def decoded_text(value: Any) -> Any:
    """A field that may hold JSON, in a string or not, as readable text (as_text when it is no JSON)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return as_text(value)
        if not isinstance(value, (list, dict)):
            return as_text(value if isinstance(value, str) else json.dumps(value))
    if isinstance(value, (list, dict)):
        return _readable(value) or None
    return as_text(value)


Required = Annotated[str, StringConstraints(min_length=1)]
# Any JSON value, kept as text; missing (or Optional.empty) is None.
Lenient = Annotated[str | None, BeforeValidator(as_text)]
# JSON, possibly encoded in a string, read as one line of text.
Decoded = Annotated[str | None, BeforeValidator(decoded_text)]


class InvalidEventError(ValueError):
    """An event this project refuses; the message names the detail-type and the field."""

    def __init__(self, detail_type: str, field: str, reason: str) -> None:
        self.detail_type = detail_type
        self.field = field
        self.reason = reason
        super().__init__(f"invalid {detail_type!s} event: field '{field}': {reason}")


def field_name(loc: tuple[int | str, ...]) -> str:
    """The dotted name of the field a validation error is about (``detail.ImageId``)."""
    return ".".join(str(part) for part in loc) or "(event)"


class Detail(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, coerce_numbers_to_str=True)

    status: Required


class SsmEvent(EventBridgeModel):
    """An event of the catalog; subclasses type ``detail``."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    # AWS's own AMI samples carry "time": "yyyy-mm-ddThh:mm:ssZ": keep what cannot be parsed.
    time: datetime | str = Field(union_mode="left_to_right")  # type: ignore[assignment]
    detail: Detail
    # The names template_fields adds to the detail's fields (a calendar's name, from its ARN).
    derived_fields: ClassVar[tuple[str, ...]] = ()

    def template_fields(self) -> dict[str, str]:
        """The values that subjects, key fields and console paths are written with."""
        fields: dict[str, str] = {"region": self.region, "account": self.account}
        for name in type(self.detail).model_fields:
            value = getattr(self.detail, name)
            if value is not None:
                fields[name] = value if isinstance(value, str) else as_text(value)
        return fields
