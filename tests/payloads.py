"""Hypothesis strategies for strange events, drawn from the models of lambdas/notifier/core/models.py,
and the rules a notification must keep for SNS to accept it.

An event is a sample of events/ for one detail-type whose detail (and sometimes top-level
fields) is rebuilt field by field from the detail model: each modelled field present with strange
text, present with a value of another JSON type, or missing; unmodelled fields added; sometimes
the whole detail null or not an object, or one string of up to 250 KB.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import strategies as st

from notifier.core.models import InvalidEventError, SsmEvent, model_class
from notifier.core.render import SNS_MAX_BYTES, SUBJECT_MAX, Notification
from ssm_event_notifier.contract.catalog import DETAIL_TYPES as CATALOG_DETAIL_TYPES
from ssm_event_notifier.contract.catalog import event_type_of
from tools.harness.samples import first_sample_by_detail_type

KB = 1024

SAMPLE_BY_DETAIL_TYPE = first_sample_by_detail_type()
DETAIL_TYPES = sorted(CATALOG_DETAIL_TYPES)


def model_for(detail_type: str, detail: Any = None) -> type[SsmEvent]:
    """The model that parses an event of this detail-type (and detail, for CloudTrail's records)."""
    event_type = event_type_of(detail_type, detail)
    assert event_type is not None, detail_type
    return model_class(event_type.model)


STRANGE = [
    "",
    " ",
    "\u202eevil\u202c",  # right-to-left override
    "\u05e2\u05d3\u05db\u05d5\u05df \u200f\u05e0\u05db\u05e9\u05dc",  # Hebrew with a right-to-left mark
    "\u0641\u0634\u0644 \u0627\u0644\u062a\u062d\u062f\u064a\u062b",  # Arabic
    "\u30d1\u30c3\u30c1\u9069\u7528",  # Japanese
    "Z\u00fcrich \u00e9chou\u00e9",
    "\U0001f525\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "line\nBcc: x@example.com\r\n\x00\x1b[2J\x7f\x85\u2028",
    "{status} {0} {",
    "a\u200bb\ufeffc",
]
text = st.one_of(
    st.sampled_from(STRANGE),
    st.text(max_size=40),
    st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Mn"]), max_size=20),
)
# One character repeated up to 250 KB (multi-byte ones grow when encoded); cheap to generate.
huge = st.builds(
    lambda char, count: char * count,
    st.sampled_from(["x", "\u00e9", "\U0001f600", '"', "\x01"]),
    st.integers(1, 250 * KB),
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63), st.floats(allow_nan=False, allow_infinity=False), text
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4), max_leaves=12
)
MISSING = object()


def detail_keys(detail_type: str, required: bool | None = None) -> list[str]:
    """The keys the detail model reads (aliases, as in the JSON): all, or the (not) required ones."""
    fields = model_for(detail_type).detail_model.fields.values()
    return [field.alias for field in fields if required in (None, field.required)]


@st.composite
def details(draw: st.DrawFn, detail_type: str, keep_required: bool = False) -> Any:
    """A strange detail; with `keep_required`, the required fields keep the sample's values."""
    sample = SAMPLE_BY_DETAIL_TYPE[detail_type]["detail"]
    shapes = ["fields"] * 6 + ["one-huge-field"] + ([] if keep_required else ["null", "not-an-object"])
    shape = draw(st.sampled_from(shapes))
    if shape == "null":
        return None
    if shape == "not-an-object":
        return draw(st.one_of(text, st.lists(json_values, max_size=3), st.integers()))
    detail = dict(sample)
    changed = detail_keys(detail_type, required=False if keep_required else None)
    if shape == "one-huge-field":
        detail[draw(st.sampled_from([*changed, "Unmodelled"]))] = draw(huge)
        return detail
    for key in changed:
        value = draw(st.sampled_from(["keep", "keep", "text", "other-type", "missing"]))
        if value == "text":
            detail[key] = draw(text)
        elif value == "other-type":
            detail[key] = draw(json_values)
        elif value == "missing":
            detail.pop(key, None)
    extra = draw(st.dictionaries(text, json_values, max_size=4))  # unmodelled fields
    detail.update({k: v for k, v in extra.items() if not keep_required or k not in sample})
    return detail


TOP_LEVEL = ["id", "source", "account", "time", "region", "resources", "version"]


@st.composite
def events(draw: st.DrawFn, detail_types: list[str] | None = None, keep_required: bool = False) -> dict[str, Any]:
    """An event of one of `detail_types` (default: all) with a strange detail and top level.

    With `keep_required`, only what the models do not require changes: optional and unknown fields.
    """
    detail_type = draw(st.sampled_from(detail_types or DETAIL_TYPES))
    event = json.loads(json.dumps(SAMPLE_BY_DETAIL_TYPE[detail_type]))
    event["detail"] = draw(details(detail_type, keep_required))
    for key in [] if keep_required else draw(st.lists(st.sampled_from(TOP_LEVEL), max_size=2, unique=True)):
        change = draw(st.sampled_from(["text", "other-type", "missing", "huge"]))
        if change == "missing":
            del event[key]
        else:
            event[key] = draw({"text": text, "other-type": json_values, "huge": huge}[change])
    if draw(st.booleans()):
        extra = draw(st.dictionaries(text, json_values, max_size=2))  # unknown top-level fields
        event.update({k: v for k, v in extra.items() if k not in event})
    return event


# --- what SNS accepts -------------------------------------------------------------------

SUBJECT = re.compile(r"\[(ERROR|WARNING|INFO)\] [\x20-\x7e]*")
ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_\-.]{1,256}")


def assert_sns_accepts(notification: Notification) -> None:
    """SNS's rules for Publish with MessageStructure=json, subject and message attributes."""
    subject = notification.subject
    assert SUBJECT.fullmatch(subject), repr(subject)
    assert len(subject) <= SUBJECT_MAX and subject == subject.strip()
    message = json.loads(notification.sns_message())
    assert isinstance(message["default"], str) and isinstance(message["email"], str)
    json.loads(message["default"])
    attributes = notification.attributes
    assert len(attributes) <= 10  # SQS raw delivery drops messages with more
    for name, value in attributes.items():
        assert ATTRIBUTE_NAME.fullmatch(name) and not name.lower().startswith(("aws.", "amazon."))
        assert re.fullmatch(r"[\x20-\x7e]{1,256}", value), (name, value)
    size = len(notification.sns_message().encode()) + sum(
        len(name.encode()) + len("String") + len(value.encode()) for name, value in attributes.items()
    )
    assert size <= SNS_MAX_BYTES, size


def assert_names_the_field(error: InvalidEventError, event: Any) -> None:
    """The refusal names the detail-type and a field the event lacks or holds in a form not accepted."""
    assert error.field and error.reason
    assert f"'{error.field}'" in str(error) and str(error.detail_type) in str(error)
    if not isinstance(event, dict):
        assert error.field == "(event)"
        return
    first, _, rest = error.field.partition(".")
    if first == "detail-type":
        return
    model = model_for(event["detail-type"], event.get("detail"))
    known = {field.alias for field in model.fields.values()} | {"detail"}
    assert first in known, error.field
    if first == "detail" and rest and isinstance(event.get("detail"), dict):
        assert rest.split(".")[0] in set(detail_keys(event["detail-type"])) | set(event["detail"]), error.field
