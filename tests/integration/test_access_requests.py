"""An access request waiting for approval says how long it asks for: the approvers' message reads the
request's OpsItem (answered by the local stand-in from the sample's *.reads.json, or denied), within
the failure reads' budget; nothing else reads it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_failure_reasons import reload, stand_in  # noqa: F401  (fixtures)
from tools.harness.context import fake_context
from tools.harness.handler_loader import LambdaHandler
from tools.harness.samples import EVENTS_DIR, load
from tools.harness.subscribers import Subscribers

PENDING = "node-access/approver-pending-approval"


def _notified(sample: str, build_handler: Callable[[str], LambdaHandler], subscribers: Subscribers, drain: Any) -> Any:
    build_handler("systems-manager")(load(sample), fake_context())
    (raw,) = drain(subscribers.raw_queue_url)
    return json.loads(raw["Body"])


@pytest.mark.parametrize("answer", ["sample", "denied", "off"])
def test_a_request_waiting_for_approval_says_how_long_it_asks_for(
    answer: str,
    tmp_path: Path,
    stand_in: Any,  # noqa: F811  (the imported fixture)
    build_handler: Callable[[str], LambdaHandler],
    subscribers: Subscribers,
    drain: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if answer == "sample":
        shutil.copy(EVENTS_DIR / f"{PENDING}.reads.json", tmp_path / "sample.reads.json")
    elif answer == "denied":
        denied = {"error": {"code": "AccessDeniedException", "message": "not authorized"}}
        (tmp_path / "denied.reads.json").write_text(json.dumps([{"call": "ssm.GetOpsItem", "request": {}, **denied}]))
    else:
        monkeypatch.setenv("FAILURE_READS", "0")  # failureReads=0: nothing is read, nor granted
    reload(stand_in, tmp_path)

    document = _notified(PENDING, build_handler, subscribers, drain)

    text = document["text"]
    assert "\nReason:            Requesting access to node - production\n" in text
    if answer == "sample":
        assert document["accessRequest"] == {"duration": "PT3600S", "durationText": "1 h"}
        assert "\nAccess asked for: 1 h once approved\n" in text
    elif answer == "denied":
        assert document["accessRequest"] == {"unavailable": "AccessDeniedException: not authorized"}
        assert "\nAccess asked for: could not be read (AccessDeniedException: not authorized)\n" in text
    else:
        assert "accessRequest" not in document and "Access asked for" not in text
    assert stand_in.reads.calls["ssm.GetOpsItem"] == (0 if answer == "off" else 1)


@pytest.mark.parametrize("sample", ["node-access/approver-approved", "node-access/requester-pending-approval"])
def test_a_decided_request_or_the_requesters_own_reads_nothing(
    sample: str,
    tmp_path: Path,
    stand_in: Any,  # noqa: F811  (the imported fixture)
    build_handler: Callable[[str], LambdaHandler],
    subscribers: Subscribers,
    drain: Any,
) -> None:
    shutil.copy(EVENTS_DIR / f"{PENDING}.reads.json", tmp_path / "sample.reads.json")
    reload(stand_in, tmp_path)

    document = _notified(sample, build_handler, subscribers, drain)

    assert "accessRequest" not in document and sum(stand_in.reads.calls.values()) == 0
