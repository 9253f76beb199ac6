"""What every model of ``models.py`` shares: the fields a model declares, ``Detail``, ``SsmEvent``.

Lenient: any JSON value is kept as text, so a payload AWS changes tomorrow still notifies. Some
fields are JSON encoded inside a string (an association's ``targets`` and
``association-status-aggregated-count``): they read decoded ("InstanceIds=i-1, i-2",
"Success 3, Failed 1"). AWS's Java placeholder for a missing value, ``Optional.empty``, reads as
absent. The event as received stays whole in the notification's document.

Written by hand rather than with pydantic (Powertools Parser): the models are flat text fields
with JSON names, and importing pydantic and building the models cost more of every cold start
than the functions' whole budget over a bare boto3 start allows (docs/benchmarks.md). The rules are
pydantic's as the models used them: a field is read by its JSON name or its own name, a required
text takes numbers as text and refuses an empty one, unknown fields are ignored, and a refusal
names the field by its JSON path and says why in pydantic's words.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, Generic, Self, TypeVar, overload

# What AWS sends for an absent value in some fields ("document-version": "Optional.empty").
ABSENT_WORDS = frozenset({"Optional.empty"})
T = TypeVar("T")


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


class InvalidEventError(ValueError):
    """An event this project refuses; the message names the detail-type and the field."""

    def __init__(self, detail_type: str, field: str, reason: str) -> None:
        self.detail_type = detail_type
        self.field = field
        self.reason = reason
        super().__init__(f"invalid {detail_type!s} event: field '{field}': {reason}")


class Refused(ValueError):
    """A value a model does not take: why, and where (JSON names, from the model down)."""

    def __init__(self, reason: str, path: tuple[str, ...] = ()) -> None:
        super().__init__(reason)
        self.reason, self.path = reason, path

    @property
    def field(self) -> str:
        """The dotted name of the field refused (``detail.ImageId``)."""
        return ".".join(self.path) or "(event)"


# --- how a field reads ----------------------------------------------------------------
def strict_text(value: Any) -> str:
    if not isinstance(value, str):
        raise Refused("Input should be a valid string")
    return value


def required_text(value: Any) -> str:
    """Text of one character at least; a number is taken as its text (an id sent as a number)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if strict_text(value) == "":
        raise Refused("String should have at least 1 character")
    return value


def optional_text(value: Any) -> str | None:
    return None if value is None else strict_text(value)


def text_list(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise Refused("Input should be a valid list")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise Refused("Input should be a valid string", (str(index),))
    return value


def event_time(value: Any) -> datetime | str:
    """An ISO 8601 time as a datetime; other text as it is (AWS's AMI samples send a placeholder)."""
    text = strict_text(value)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return text


class Field(Generic[T]):
    """A field of a model: its JSON name (`alias`, default the attribute's name), how its value
    reads, and whether the event must carry it."""

    def __init__(self, alias: str | None, read: Callable[[Any], T], required: bool, default: T) -> None:
        self.alias, self.read, self.required, self.default = alias or "", read, required, default
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.alias = name, self.alias or name

    @overload
    def __get__(self, instance: None, owner: type) -> Self: ...
    @overload
    def __get__(self, instance: object, owner: type) -> T: ...
    def __get__(self, instance: object | None, owner: type) -> Self | T:
        return self if instance is None else instance.__dict__[self.name]

    def take(self, data: dict[str, Any]) -> T:
        """The field's value in `data` (by its JSON name, else its own name), read; or its default."""
        key = self.alias if self.alias in data else self.name if self.name in data else None
        if key is None:
            if self.required:
                raise Refused("Field required", (self.alias,))
            return self.default
        try:
            return self.read(data[key])
        except Refused as refused:
            raise Refused(refused.reason, (self.alias, *refused.path)) from None


class Text(Field[str]):
    """Text, empty or not (the EventBridge envelope's fields)."""

    def __init__(self, alias: str | None = None) -> None:
        super().__init__(alias, strict_text, True, "")


class Required(Field[str]):
    """What a notification cannot do without: the status and the id of the thing that changed."""

    def __init__(self, alias: str | None = None) -> None:
        super().__init__(alias, required_text, True, "")


class Lenient(Field[str | None]):
    """Any JSON value, kept as text; missing (or Optional.empty) is None."""

    def __init__(self, alias: str | None = None) -> None:
        super().__init__(alias, as_text, False, None)


class Decoded(Field[str | None]):
    """JSON, possibly encoded in a string, read as one line of text."""

    def __init__(self, alias: str | None = None) -> None:
        super().__init__(alias, decoded_text, False, None)


class Raw(Field[Any]):
    """Any JSON value as it comes (only what is derived from it is shown)."""

    def __init__(self, alias: str | None = None) -> None:
        super().__init__(alias, lambda value: value, False, None)


class Model:
    """Fields declared as class attributes; `fields` holds them in order, a parent's first (a field
    declared again keeps its parent's place, as the templates' key order expects)."""

    fields: ClassVar[dict[str, Field[Any]]] = {}
    received: dict[str, Any]  # the object as it came, unknown fields too

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.fields = {**cls.fields, **{n: f for n, f in vars(cls).items() if isinstance(f, Field)}}

    @classmethod
    def prepared(cls, data: dict[str, Any]) -> dict[str, Any]:
        """`data` before its fields are read (a model that derives one field from another overrides it)."""
        return data

    @classmethod
    def read(cls, data: Any) -> Self:
        if not isinstance(data, dict):
            raise Refused("Input should be a valid dictionary")
        data = cls.prepared(data)
        model = cls.__new__(cls)
        model.__dict__.update({name: field.take(data) for name, field in cls.fields.items()}, received=data)
        return model

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self.fields)})"


class Detail(Model):
    status = Required()


class SsmEvent(Model):
    """An event of the catalog (the EventBridge envelope); subclasses type ``detail``."""

    version = Text()
    id = Text()
    source = Text()
    account = Text()
    # AWS's own AMI samples carry "time": "yyyy-mm-ddThh:mm:ssZ": keep what cannot be parsed.
    time = Field[datetime | str](None, event_time, True, "")
    region = Text()
    resources = Field[list[str]](None, text_list, True, [])
    detail_type = Text("detail-type")
    replay_name = Field[str | None]("replay-name", optional_text, False, None)
    detail: Detail
    # The detail's model: the class the subclass annotates `detail` with.
    detail_model: ClassVar[type[Detail]] = Detail
    # The names template_fields adds to the detail's fields (a calendar's name, from its ARN).
    derived_fields: ClassVar[tuple[str, ...]] = ()
    # Every model defined so far, by class name (the catalog names each entry's: models.model_class).
    defined: ClassVar[dict[str, type[SsmEvent]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        SsmEvent.defined[cls.__name__] = cls
        named = vars(cls).get("__annotations__", {}).get("detail")
        if named is not None:  # a string under `from __future__ import annotations`: its module's class
            cls.detail_model = vars(sys.modules[cls.__module__])[named] if isinstance(named, str) else named

    @classmethod
    def read(cls, data: Any) -> Self:
        event = super().read(data)
        if "detail" not in data:
            raise Refused("Field required", ("detail",))
        try:
            event.detail = cls.detail_model.read(data["detail"])
        except Refused as refused:
            raise Refused(refused.reason, ("detail", *refused.path)) from None
        return event

    def template_fields(self) -> dict[str, str]:
        """The values that subjects, key fields and console paths are written with."""
        fields: dict[str, str] = {"region": self.region, "account": self.account}
        for name in type(self.detail).fields:
            value = getattr(self.detail, name)
            if value is not None:
                fields[name] = value if isinstance(value, str) else as_text(value)
        return fields
