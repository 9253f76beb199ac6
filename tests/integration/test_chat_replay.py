"""Chat on the local pipeline: the template with a Slack channel (`tools.replay -c slackChannels=…`),
each error and warning notification relayed once as a chat card, beside its e-mail and JSON."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_replay import replay


@pytest.fixture(scope="module")
def replayed() -> list[dict[str, Any]]:
    code, rows, stderr = replay(
        "--repeat", "2", "-c", "slackChannels=T00000000:C00000000", "events/ami", "events/run-command"
    )
    assert code == 0, stderr
    return rows


def _notifications(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [n for row in rows for n in row["notifications"]]


def test_errors_and_warnings_get_one_card_each_and_information_none(replayed: list[dict[str, Any]]) -> None:
    notified = _notifications(replayed)
    carded = {n["subject"]: n["chat"] for n in notified if n.get("chat")}
    severities = {n["subject"]: n["json"]["severity"] for n in notified}
    assert sorted(carded) == sorted(s for s, severity in severities.items() if severity in ("error", "warning"))
    assert len(carded) == len([n for n in notified if n.get("chat")])  # once: the second pass adds none
    for subject, card in carded.items():
        assert card["content"]["title"].endswith(subject.rsplit(" (", 1)[0].split("] ", 1)[1])


def test_a_failure_card_says_why_and_threads_with_its_operation(replayed: list[dict[str, Any]]) -> None:
    cards = {n["subject"]: n["chat"] for n in _notifications(replayed) if n.get("chat")}
    (command,) = [c for s, c in cards.items() if s.startswith("[ERROR] Run Command AWS-RunShellScript Failed")]
    assert "`E: Unable to locate package foo`" in command["content"]["description"]
    assert "i-0b1c2d3e4fEXAMPLE (web-01)" in command["content"]["description"]
    assert command["metadata"]["threadId"].endswith(":7d2f9c1e-3b4a-4e6f-9a21-5c8e0EXAMPLE")
    (image,) = [c for s, c in cards.items() if s.startswith("[ERROR] AMI ami-0123456789example")]
    assert "ami-0123456789example (golden-al2023-2025-06-02)" in image["content"]["description"]
    assert image["metadata"]["threadId"].endswith(":ami-0123456789example")
    # A failure heard only through the command's own status: its card says why, as its e-mail does.
    (timed_out,) = [c for s, c in cards.items() if s.startswith("[ERROR] Run Command AWS-RunPatchBaseline TimedOut")]
    assert "Still downloading from amzn2-core: 3 of 42" in timed_out["content"]["description"]
    assert "i-0a2b4c6d8eEXAMPLE (patch-web-01)" in timed_out["content"]["description"]
