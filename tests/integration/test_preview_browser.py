"""The preview page (`tools.replay --preview`, as `make demo` writes it) in a real browser: Debian's chromium,
headless. A small replay with routes (one relay destination of each kind the stand-in serves) and one hostile
sample: a change request whose title is markup, which must show as the text it is, run nothing and load
nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from notifier.chat.card import chat_payload
from ssm_event_notifier.cli.commands import cli
from tools import REPO_ROOT
from tools.harness.browser import Browser, Tab, chromium
from tools.harness.samples import load

# The routes and context of tests/integration/test_routes_replay.py: the same synthesized template.
ROUTES = REPO_ROOT / "tests" / "fixtures" / "routes_replay.json"
SECRETS = {
    "payments/hook": {"url": "{receiver}/hooks/payments", "signingKey": "json-signing-key-preview-0123456789"},
    "web/slack": "{receiver}/hooks/web",
    "data/teams": "{receiver}/hooks/data",
    "data/jsm": {"apiKey": "jsm-api-key-preview"},
}
HOSTILE = '<script>window.__pwned=1</script><img src="http://127.0.0.1:9/x.png" onerror="window.__pwned=2"> &amp;'
ELEMENTS = "body script, body img, body iframe, body object, body embed, body link, body style, body a"


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], Path]:
    folder = tmp_path_factory.mktemp("preview")
    events = folder / "events"
    events.mkdir()
    hostile = {**load("change-manager/rejected"), "account": "333333333333", "id": "preview-hostile-0001"}
    hostile["detail"]["change-request-title"] = HOSTILE
    (events / "data-hostile.json").write_text(json.dumps(hostile))
    for team, account in (("web", "222222222222"), ("payments", "111111111111")):
        event = {**load("ami/failed"), "account": account}
        event["id"] = f"{event['id']}-preview-{team}"
        (events / f"{team}-ami-failed.json").write_text(json.dumps(event))
    (folder / "secrets.json").write_text(json.dumps(SECRETS))
    page = folder / "preview.html"
    command = [sys.executable, "-m", "tools.replay", "--json", "-c", f"routes={ROUTES}"]
    command += ["-c", "slackChannels=T00000000:C00000000"]  # chat on: each message's Slack and Teams card
    command += ["--secrets", str(folder / "secrets.json"), "--preview", str(page), str(events)]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr.rstrip().splitlines()[-1] == f"preview of 3 messages: {page}"
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()], page


@pytest.fixture(scope="module")
def tab(replayed: tuple[list[dict[str, Any]], Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tab]:
    executable = chromium()
    if executable is None:
        pytest.skip("no chromium here (Debian: apt-get install chromium): the preview is not checked in a browser")
    browser = Browser(executable, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield browser.load(replayed[1])
    finally:
        browser.close()


def test_one_card_per_message(replayed: tuple[list[dict[str, Any]], Path], tab: Tab) -> None:
    subjects = [n["subject"] for row in replayed[0] for n in row["notifications"]]
    assert len(subjects) == 3
    assert tab.evaluate("document.querySelectorAll('article.message').length") == len(subjects)
    shown = tab.evaluate("Array.from(document.querySelectorAll('article.message h2.subject'), e => e.textContent)")
    assert shown == subjects
    # Each route destination's payload is on its message's card.
    destinations = tab.evaluate("Array.from(document.querySelectorAll('.destination h4'), e => e.textContent)")
    assert {d.split(" · ")[0] for d in destinations} == {
        "data-team/0",
        "data-team/1",
        "data-team/2",
        "web-owners/0",
        "payments-team/1",
    }


def test_each_message_shows_its_email_and_its_slack_and_teams_cards_and_the_summary_counts_them(
    replayed: tuple[list[dict[str, Any]], Path], tab: Tab
) -> None:
    notifications = [n for row in replayed[0] for n in row["notifications"]]
    per_message = "Array.from(document.querySelectorAll('article.message'), m => m.querySelectorAll('{}').length)"
    for selector in (".channel.email .mail-body", ".channel.slack .card.slack", ".channel.teams .card.teams"):
        assert tab.evaluate(per_message.format(selector)) == [1] * len(notifications), selector
    slack_titles = tab.evaluate(
        "Array.from(document.querySelectorAll('.channel.slack .card-title'), e => e.textContent)"
    )
    assert slack_titles == [chat_payload(n["json"])["content"]["title"] for n in notifications]
    # The summary's first table: messages by family and severity, its last row every message.
    last_row = tab.evaluate(
        "Array.from(document.querySelector('section.summary table').querySelectorAll('tr:last-child td'),"
        " e => e.textContent)"
    )
    assert last_row[0] == "all" and last_row[-1] == str(len(notifications))


def test_hostile_text_shows_as_text_and_runs_nothing(tab: Tab) -> None:
    body = tab.evaluate("document.querySelector('#m1 .mail-body').textContent")
    assert f"Title:          {HOSTILE}" in body
    assert tab.evaluate("document.querySelector('#m1 h2.subject').textContent").startswith(
        "[ERROR] Change request <script>"
    )
    assert tab.evaluate(f"document.querySelectorAll('{ELEMENTS}').length") == 0
    assert tab.evaluate("typeof window.__pwned") == "undefined"
    assert tab.logged() == []


def test_the_page_makes_no_request_but_its_own(tab: Tab) -> None:
    assert tab.requests() == [tab.url]


def test_the_command_writes_the_page_from_the_replays_rows(
    replayed: tuple[list[dict[str, Any]], Path], tmp_path: Path
) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps(row) + "\n" for row in replayed[0]))
    out = tmp_path / "again.html"
    done = CliRunner().invoke(cli, ["preview", str(rows), "-o", str(out)], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert done.output == f"preview of 3 messages: {out}\n"
    assert out.read_text() == replayed[1].read_text()
