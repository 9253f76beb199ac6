"""The catalog, the models and the sample events (events/<family>/) describe the same detail-types.

The expected numbers come from the catalog and the files in events/, never written here: a
detail-type, family or sample added to one and not the others fails below.
"""

from __future__ import annotations

import importlib
import json
import string
import subprocess
import sys
from pathlib import Path

import pytest

from notifier.core import SsmEvent, models
from ssm_event_notifier.contract import catalog
from tools import LAMBDAS_DIR
from tools.harness.samples import EVENTS_DIR, SAMPLE_FILES, family_of, load, read, sample_families, sample_id


def _detail_type(path: Path) -> str:
    value = read(path)["detail-type"]
    assert isinstance(value, str)
    return value


def test_the_catalog_lists_each_detail_type_once_in_the_families_of_the_samples() -> None:
    detail_types = [e.detail_type for e in catalog.EVENT_TYPES]
    # A detail-type is listed once, or (CloudTrail's) once per family, each told apart by its calls.
    entries = [(e.detail_type, e.event_names) for e in catalog.EVENT_TYPES]
    assert len(set(entries)) == len(entries), "a detail-type is listed twice"
    for detail_type in set(detail_types):
        shared = [e for e in catalog.EVENT_TYPES if e.detail_type == detail_type]
        assert len(shared) == 1 or sum(not e.event_names for e in shared) == 1, detail_type
    families = [f.name for f in catalog.FAMILIES]
    assert len(set(families)) == len(families), "a family is listed twice"
    assert set(families) == sample_families(), "a family without samples, or samples without a family"
    assert {e.family for e in catalog.EVENT_TYPES} == set(families), "a family without a detail-type"
    assert {_detail_type(p) for p in SAMPLE_FILES} == set(detail_types)


def test_every_event_type_belongs_to_a_declared_family() -> None:
    unknown = {e.detail_type: e.family for e in catalog.EVENT_TYPES if e.family not in catalog.FAMILY_BY_NAME}
    assert unknown == {}


def test_catalog_and_models_cover_the_same_detail_types() -> None:
    in_catalog = {e.model for e in catalog.EVENT_TYPES}
    assert all(models.model_class(name).__name__ == name for name in in_catalog), "catalog entries without a model"
    # Every model class of the runtime's modules (the ones loaded later too), named by the catalog.
    for module in models.LATER:
        importlib.import_module(module)
    defined = {name for name, cls in SsmEvent.defined.items() if cls.__module__.startswith("notifier.core.")}
    abstract = {"AccessRequestEvent", "ManagedNodeEvent", "ReviewEvent"}  # the shared parts of several models
    assert defined - abstract - in_catalog == set(), "models without a catalog entry"


def test_no_function_init_loads_the_models_of_later_detail_types() -> None:
    """The models most events never need are loaded by the first event that does (models.LATER)."""
    script = "import json, sys; import notifier.core.models; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], cwd=LAMBDAS_DIR, capture_output=True, text=True, check=True)
    assert not set(models.LATER) & set(json.loads(done.stdout))
    event = models.parse_event(load("node-access/approver-pending-approval"))
    assert type(event).__module__ in models.LATER


def test_a_cloudtrail_record_is_the_calendar_edits_when_it_puts_a_calendar_version_into_effect() -> None:
    record = "AWS API Call via CloudTrail"
    edit = catalog.event_type_of(record, {"eventName": "UpdateDocumentDefaultVersion"})
    call = catalog.event_type_of(record, {"eventName": "StartSession"})
    assert (edit and edit.family, call and call.family) == ("calendar-edits", "api-audit")
    # A function tells them apart by the families it handles, whatever the call.
    audited = catalog.event_type_of(record, {"eventName": "UpdateDocumentDefaultVersion"}, ("api-audit",))
    assert audited is not None and audited.family == "api-audit"
    assert catalog.event_type_of(record, {"eventName": "StartSession"}, ("calendar", "calendar-edits")) is None


def test_every_family_function_is_a_declared_function() -> None:
    missing = {f.name: f.function for f in catalog.FAMILIES if f.function not in catalog.FUNCTIONS}
    assert missing == {}
    # ...and no function is declared that handles nothing.
    assert set(catalog.FUNCTIONS) == {f.function for f in catalog.FAMILIES}


def test_the_samples_folder_has_exactly_the_families_of_the_catalog() -> None:
    folders = {p.name for p in EVENTS_DIR.iterdir() if p.is_dir()}
    assert folders == {f.name for f in catalog.FAMILIES}


@pytest.mark.parametrize("event_type", catalog.EVENT_TYPES, ids=lambda e: e.detail_type)
def test_every_detail_type_has_a_sample_in_its_family_folder(event_type: catalog.EventType) -> None:
    matching = [
        p.name for p in SAMPLE_FILES if family_of(p) == event_type.family and _detail_type(p) == event_type.detail_type
    ]
    assert matching, f"no sample in events/{event_type.family}/ has detail-type {event_type.detail_type!r}"


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=sample_id)
def test_every_sample_belongs_to_the_family_of_its_folder(path: Path) -> None:
    detail_type = _detail_type(path)
    assert detail_type in catalog.DETAIL_TYPES, f"{detail_type!r} is not in the catalog"
    event_type = catalog.event_type_of(detail_type, read(path)["detail"])
    assert event_type is not None and event_type.family == path.parent.name


def test_every_sample_is_an_event_of_its_own() -> None:
    """No sample repeats another. A sample that disappears fails the pins (tests/pins) and the severity table."""
    events = [json.dumps(read(p), sort_keys=True) for p in SAMPLE_FILES]
    assert len(set(events)) == len(events), "two samples hold the same event"
    # AWS's AMI samples: one per detail-type and state (available, failed, deregistered, disabled).
    states = [(read(p)["detail-type"], read(p)["detail"]["State"]) for p in SAMPLE_FILES if family_of(p) == "ami"]
    assert states and len(set(states)) == len(states)


def test_subject_templates_and_key_fields_only_name_model_fields() -> None:
    """A typo in a template would silently show "-" in every subject; catch it here."""
    for event_type in catalog.EVENT_TYPES:
        model = models.model_class(event_type.model)
        known = set(model.detail_model.fields) | {"region", "account"} | set(model.derived_fields)
        templates = [event_type.subject] + ([event_type.console_path] if event_type.console_path else [])
        for template in templates:
            names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
            assert names <= known, (event_type.detail_type, names - known)
        assert {name for _, name in event_type.key_fields} <= known, event_type.detail_type


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=sample_id)
def test_a_models_derived_fields_are_the_ones_it_adds(path: Path) -> None:
    """derived_fields (which the check above trusts) name only fields template_fields may add."""
    event = models.parse_event(read(path))
    added = set(event.template_fields()) - set(type(event.detail).fields) - {"region", "account"}
    assert added <= set(event.derived_fields), (sample_id(path), added)


def test_the_events_page_lists_every_detail_type_with_its_family_and_samples() -> None:
    """The "Events covered" table of docs/events.md: one row per catalog entry, naming its family and every
    sample of it."""
    page = (EVENTS_DIR.parent / "docs" / "events.md").read_text()
    rows = [line.split(" | ") for line in page.splitlines() if line.startswith("| ") and line.count(" | ") == 2]
    listed = {
        (family.strip("| ").removesuffix(" (opt-in)"), detail, samples.strip(" |")) for family, detail, samples in rows
    }
    for event_type in catalog.EVENT_TYPES:
        samples = ", ".join(
            f"`{p.stem}`"
            for p in SAMPLE_FILES
            if family_of(p) == event_type.family and _detail_type(p) == event_type.detail_type
        )
        found = [row for row in listed if row[0] == event_type.family and row[1].startswith(event_type.detail_type)]
        assert [row[2] for row in found] == [samples], (event_type.family, event_type.detail_type)
