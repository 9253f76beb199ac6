"""The calendar document cache: one GetDocument a minute at most, one parse per version."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from notifier.calendars.documents import CACHE_SECONDS, CalendarDocuments, CalendarUnavailable

TEXT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
X-CALENDAR-TYPE:DEFAULT_OPEN
END:VCALENDAR
"""


class RecordingSsm:
    """Answers GetDocument like SSM does; records the calls (moto cannot store TEXT calendars)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.version = "1"
        self.error: str | None = None

    def get_document(self, **request: Any) -> dict[str, Any]:
        self.calls.append(request)
        if self.error:
            raise ClientError({"Error": {"Code": self.error, "Message": "denied"}}, "GetDocument")
        return {"Name": request["Name"], "DocumentVersion": self.version, "Content": TEXT}


def test_documents_are_fetched_as_text_cached_and_parsed_once_per_version():
    ssm, now = RecordingSsm(), [0.0]
    documents = CalendarDocuments(ssm, clock=lambda: now[0])
    first = documents.get("Freeze")
    assert documents.get("Freeze") is first
    assert ssm.calls == [{"Name": "Freeze", "DocumentFormat": "TEXT"}]
    now[0] += CACHE_SECONDS + 1
    assert documents.get("Freeze") is first  # fetched again, same version: not parsed again
    assert len(ssm.calls) == 2
    ssm.version = "2"
    now[0] += CACHE_SECONDS + 1
    assert documents.get("Freeze") is not first
    assert len(ssm.calls) == 3


def test_an_unreadable_document_says_why():
    ssm = RecordingSsm()
    ssm.error = "AccessDeniedException"
    with pytest.raises(CalendarUnavailable, match="AccessDeniedException: denied"):
        CalendarDocuments(ssm).get("Freeze")
