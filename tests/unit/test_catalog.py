"""The catalog, the models and the sample events describe the same 18 detail-types."""

from __future__ import annotations

import json
import string
from collections import Counter
from pathlib import Path

import pytest

from notifier.core import catalog, models
from tools.harness.samples import EVENTS_DIR, SAMPLE_FILES, sample_id

EXPECTED_FAMILIES = {
    "calendar",
    "ami",
    "run-command",
    "maintenance-window",
    "automation",
    "state-manager",
    "parameter-store",
    "ops-center",
    "change-manager",
    "compliance",
}


def _detail_type(path: Path) -> str:
    value = json.loads(path.read_text(encoding="utf-8"))["detail-type"]
    assert isinstance(value, str)
    return value


def test_catalog_has_18_detail_types_in_10_families() -> None:
    detail_types = [e.detail_type for e in catalog.EVENT_TYPES]
    assert len(detail_types) == 18
    assert len(set(detail_types)) == 18, "a detail-type is listed twice"
    assert {f.name for f in catalog.FAMILIES} == EXPECTED_FAMILIES
    assert len(catalog.FAMILIES) == 10
    assert {e.family for e in catalog.EVENT_TYPES} == EXPECTED_FAMILIES


def test_every_event_type_belongs_to_a_declared_family() -> None:
    unknown = {e.detail_type: e.family for e in catalog.EVENT_TYPES if e.family not in catalog.FAMILY_BY_NAME}
    assert unknown == {}


def test_catalog_and_models_cover_the_same_detail_types() -> None:
    in_catalog = {e.detail_type for e in catalog.EVENT_TYPES}
    in_models = set(models.MODELS)
    assert in_catalog - in_models == set(), "detail-types without a model"
    assert in_models - in_catalog == set(), "models without a catalog entry"


def test_every_family_function_is_a_declared_function() -> None:
    missing = {f.name: f.function for f in catalog.FAMILIES if f.function not in catalog.FUNCTIONS}
    assert missing == {}
    # ...and no function is declared that handles nothing.
    assert set(catalog.FUNCTIONS) == {f.function for f in catalog.FAMILIES}


def test_the_samples_folder_has_exactly_the_families_of_the_catalog() -> None:
    folders = {p.name for p in EVENTS_DIR.iterdir() if p.is_dir()}
    assert folders == EXPECTED_FAMILIES


@pytest.mark.parametrize("event_type", catalog.EVENT_TYPES, ids=lambda e: e.detail_type)
def test_every_detail_type_has_a_sample_in_its_family_folder(event_type: catalog.EventType) -> None:
    folder = EVENTS_DIR / event_type.family
    matching = [p.name for p in sorted(folder.glob("*.json")) if _detail_type(p) == event_type.detail_type]
    assert matching, f"no sample in events/{event_type.family}/ has detail-type {event_type.detail_type!r}"


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=sample_id)
def test_every_sample_belongs_to_the_family_of_its_folder(path: Path) -> None:
    detail_type = _detail_type(path)
    assert detail_type in catalog.EVENT_TYPE_BY_DETAIL_TYPE, f"{detail_type!r} is not in the catalog"
    assert catalog.EVENT_TYPE_BY_DETAIL_TYPE[detail_type].family == path.parent.name


def test_there_are_29_samples() -> None:
    assert len(SAMPLE_FILES) == 29
    per_family = Counter(p.parent.name for p in SAMPLE_FILES)
    assert per_family["ami"] == 4  # available, failed, deregistered, disabled


def test_subject_templates_and_key_fields_only_name_model_fields() -> None:
    """A typo in a template would silently show "-" in every subject; catch it here."""
    for event_type in catalog.EVENT_TYPES:
        model = models.MODELS[event_type.detail_type]
        detail_model = model.model_fields["detail"].annotation
        assert isinstance(detail_model, type)
        known = set(detail_model.model_fields) | {"region", "account"}
        if event_type.family == "calendar":
            known.add("calendar_name")
        templates = [event_type.subject] + ([event_type.console_path] if event_type.console_path else [])
        for template in templates:
            names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
            assert names <= known, (event_type.detail_type, names - known)
        assert {name for _, name in event_type.key_fields} <= known, event_type.detail_type
