"""The one loader of the sample events: ``events/<family>/<name>.json``, as tests, bench and tools read them.

A sample is named by its id, ``<family>/<name>`` (``ami/failed``); its family is the folder it is
filed under, and the catalog names the function that handles that family. Every read returns a
fresh copy. ``event_files`` turns the paths a user gives (files or folders, the samples or a
storm) into the event files to replay, sorted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ssm_event_notifier.contract.catalog import FAMILY_BY_NAME
from tools import REPO_ROOT

EVENTS_DIR = REPO_ROOT / "events"
# The Change Calendars behind the calendar samples, <DocumentName>.ics.
CALENDAR_DOCUMENTS = EVENTS_DIR / "calendar" / "documents"
# Beside a sample, `<name>.reads.json` holds the answers to the reads that explain its failure
# (tools/harness/read_fixtures.py): not an event.
READS_SUFFIX = ".reads.json"


def is_event_file(path: Path) -> bool:
    return path.name.endswith(".json") and not path.name.endswith(READS_SUFFIX)


SAMPLE_FILES: list[Path] = sorted(p for p in EVENTS_DIR.glob("*/*.json") if is_event_file(p))


def sample_id(path: Path) -> str:
    """`<family>/<name>`: the id a sample is known (and a failing test reported) under."""
    return f"{path.parent.name}/{path.stem}"


def family_of(path: Path) -> str:
    """The family a sample is filed under (events/<family>/)."""
    return path.parent.name


def function_of(path: Path) -> str:
    """The catalog function that handles the family a sample is filed under."""
    return FAMILY_BY_NAME[family_of(path)].function


def sample_families() -> set[str]:
    """The folders of events/ that hold samples: one per family."""
    return {family_of(path) for path in SAMPLE_FILES}


def read(path: Path) -> dict[str, Any]:
    """A fresh copy of the event in one file."""
    event: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return event


def load(name: str) -> dict[str, Any]:
    """A fresh copy of one sample, by id (`<family>/<name>`, without .json)."""
    return read(EVENTS_DIR / f"{name}.json")


def samples() -> list[tuple[Path, dict[str, Any]]]:
    """(file, event) for every sample, in the order of SAMPLE_FILES."""
    return [(path, read(path)) for path in SAMPLE_FILES]


def first_sample_by_detail_type() -> dict[str, dict[str, Any]]:
    """detail-type -> the first sample (in file order) of that detail-type."""
    found: dict[str, dict[str, Any]] = {}
    for _, event in samples():
        found.setdefault(event["detail-type"], event)
    return found


def event_files(paths: list[str]) -> list[Path]:
    """The event files (*.json, not *.reads.json) the paths name: files as given, folders searched throughout; sorted.

    A path that does not exist ends the program with a message (SystemExit), as the local tools do.
    """
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*.json") if is_event_file(p))
        elif path.is_file():
            files.append(path)
        else:
            raise SystemExit(f"replay: no such file or folder: {name}")
    return sorted(files)
