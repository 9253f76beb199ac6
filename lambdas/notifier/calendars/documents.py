"""Calendar documents read with ssm:GetDocument (TEXT), parsed once per document version."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from notifier.calendars.change_calendar import CalendarError, ChangeCalendar

CACHE_SECONDS = 60.0


# Organization mode: the SSM client of the event's account and region (organization.MemberClients).
MemberSsm = Callable[[str, str], Any]


class CalendarDocuments:
    """Calendar documents read with ssm:GetDocument (TEXT), parsed once per document version.

    In a hub (`member_ssm` given) each calendar is read in the account and region of its event.
    """

    def __init__(
        self, ssm_client: Any, clock: Callable[[], float] = time.monotonic, member_ssm: MemberSsm | None = None
    ) -> None:
        self.ssm = ssm_client
        self.clock = clock
        self.member_ssm = member_ssm
        self._cache: dict[str, tuple[float, str, ChangeCalendar]] = {}
        self._versions: dict[str, ChangeCalendar] = {}

    def get(self, name: str, account: str = "", region: str = "") -> ChangeCalendar:
        """The parsed calendar (its default version); raises CalendarUnavailable saying why it cannot be had."""
        key = f"{account}/{region}/{name}" if self.member_ssm else name
        cached = self._cache.get(key)
        if cached and self.clock() - cached[0] < CACHE_SECONDS:
            return cached[2]
        document = self._read(account, region, Name=name, DocumentFormat="TEXT")
        version = str(document.get("DocumentVersion"))
        calendar = cached[2] if cached and cached[1] == version else _parsed(name, document)
        self._cache[key] = (self.clock(), version, calendar)
        return calendar

    def version(self, name: str, version: str, account: str = "", region: str = "") -> ChangeCalendar:
        """One version of the calendar (a version never changes: kept for the environment's life)."""
        key = f"{account}/{region}/{name}@{version}"
        if key not in self._versions:
            document = self._read(account, region, Name=name, DocumentVersion=version, DocumentFormat="TEXT")
            self._versions[key] = _parsed(name, document)
        return self._versions[key]

    def _read(self, account: str, region: str, **request: str) -> Any:
        try:
            ssm = self.member_ssm(account, region) if self.member_ssm else self.ssm
            return ssm.get_document(**request)
        except ClientError as error:
            detail = error.response.get("Error", {})
            raise CalendarUnavailable(f"{detail.get('Code')}: {detail.get('Message')}") from error
        except BotoCoreError as error:  # unreachable, timed out: the notification goes out all the same
            raise CalendarUnavailable(f"{type(error).__name__}: {error}") from error


def _parsed(name: str, document: Any) -> ChangeCalendar:
    try:
        return ChangeCalendar(name, document["Content"])
    except CalendarError as error:
        raise CalendarUnavailable(f"the calendar document cannot be read: {error}") from error


class CalendarUnavailable(Exception):
    pass
