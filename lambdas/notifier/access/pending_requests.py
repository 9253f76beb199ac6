"""How long a just-in-time node access request asks for, and why: its approvers decide on it.

The approvers' event says who asks for which node, why, and who may approve; the duration asked is
only in the request's OpsItem (operational data ``/aws/accessrequest/accessduration``, an ISO 8601
duration such as ``PT7200S``). One GetOpsItem per request waiting for approval, within the failure
reads' time budget (failureReadSeconds); a read that is denied or slow is one line of the message,
never a lost one. With failureReads 0 nothing is read (the function is granted no read).
"""

from __future__ import annotations

import re
from typing import Any

from notifier.core.event_base import SsmEvent
from notifier.core.render import Extra
from ssm_event_notifier.contract.environment import FailureReading

DURATION_KEY = "/aws/accessrequest/accessduration"
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def duration_text(value: str) -> str:
    """ "PT7200S" -> "2 h", "PT5400S" -> "1 h 30 min", "P1DT2H" -> "26 h"; other text as it is."""
    found = _DURATION.match(value.strip())
    if not found or not any(found.groups()):
        return value
    days, hours, minutes, seconds = (int(part or 0) for part in found.groups())
    total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    hours, rest = divmod(total, 3600)
    parts = [
        f"{hours} h" if hours else "",
        f"{rest // 60} min" if rest // 60 else "",
        f"{rest % 60} s" if rest % 60 else "",
    ]
    return " ".join(part for part in parts if part) or "0 s"


class PendingRequests:
    def __init__(self) -> None:
        self.reading = FailureReading.read()
        self._ssm: Any = None

    def ssm(self) -> Any:
        """Made on the first request waiting for approval, not at cold start."""
        if self._ssm is None:
            import boto3
            from botocore.config import Config

            seconds = self.reading.seconds
            config = Config(connect_timeout=min(1.0, seconds), read_timeout=seconds, retries={"max_attempts": 2})
            self._ssm = boto3.client("ssm", config=config)
        return self._ssm

    def explain(self, event: SsmEvent) -> Extra | None:
        """What the approvers' message adds: the access asked for, as the request's OpsItem holds it."""
        # By name: the model is loaded only for such events (core.models.LATER).
        if type(event).__name__ != "ApproverAccessRequest" or event.detail.status.lower() != "pendingapproval":
            return None
        if not self.reading.reads:
            return None
        request = event.template_fields().get("ops_item_id", "")
        try:
            item = self.ssm().get_ops_item(OpsItemId=request).get("OpsItem") or {}
        except Exception as error:  # denied, throttled, slow, absent: one line, never a lost message
            from notifier.observability import logger  # the function's, set up at its init (not this module's import)

            logger.warning("the access request could not be read", extra={"request": request, "error": str(error)})
            problem = getattr(error, "response", {}).get("Error", {})  # a ClientError's code and message
            said = f"{problem.get('Code')}: {problem.get('Message')}" if problem else f"{type(error).__name__}: {error}"
            return Extra("accessRequest", {"unavailable": said}, [f"Access asked for: could not be read ({said})"])
        data = item.get("OperationalData") or {}
        asked = data.get(DURATION_KEY)
        duration = str(asked.get("Value") if isinstance(asked, dict) else asked or "")[:64]
        if not duration:
            return Extra("accessRequest", {"duration": None}, ["Access asked for: the request does not say"])
        document = {"duration": duration, "durationText": duration_text(duration)}
        return Extra("accessRequest", document, [f"Access asked for: {duration_text(duration)} once approved"])
