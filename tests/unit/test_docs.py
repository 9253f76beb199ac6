"""The documentation site (docs/, mkdocs.yml): it builds with --strict (no broken link or anchor, no page
left out of the navigation), offline, and every section of the README it grew out of has a home in it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

from ssm_event_notifier.settings import NotifierSettings, context_name
from tools import REPO_ROOT, settings_page

DOCS = REPO_ROOT / "docs"
# The headings of the README before the documentation site, every one of which became a heading of a page
# (CONTRIBUTING.md's own are included in the Contributing page).
README_HEADINGS = (
    "SSM Event Notifier",
    "Use it in your own CDK app",
    "Two commands",
    "Run it locally, without Docker",
    "Operate it: `ssm-event-notifier`",
    "How an event travels",
    "Events covered",
    "Deploy",
    "Settings (CDK context: `cdk.json`, or `-c name=value`; keyword arguments of `SsmEventNotifier`)",
    "Fleet-wide operations",
    "Why it failed (failure reasons)",
    "Cost per 1,000-instance operation",
    "Organization",
    "API audit (who did what)",
    "Change Calendars",
    "Calendar edits (who changed a calendar, and what)",
    "Advance notices (before it happens)",
    "Routes (each team its own messages)",
    "Subscribe",
    "What each protocol receives",
    "Chat (Slack, Microsoft Teams)",
    "Exactly once, and nothing lost in silence",
    "Proof under faults, bad input and load",
    "Faults: what subscribers and the dead-letter queue get",
    "Bad input",
    "Security checks (`make test`)",
    "Benchmarks",
    "Test a function with SAM",
    "Layout",
    "Decisions worth knowing",
)
# Facts of those sections, as the README said them: each is found in the pages, whitespace aside.
README_PHRASES = (
    "Every setting of the [settings table](settings.md) is a keyword argument",
    "`NotifierStack(app, id, settings=NotifierSettings(...))` is the ready-made stack",
    "Nothing in the build or the tests reaches AWS; `make synth` writes `cdk.out/` offline.",
    "`make demo` on this project's 2-core machine",
    "Exit code 0 when every delivery ended `notified`, `duplicate`, `unmatched`, `checked`, `buffered` or "
    "`recorded`, 1 otherwise.",
    "An event function's on-failure record invokes the function again with the original",
    "**Preview.** `make demo` ends with `preview of N messages: …/cdk.out.local/preview.html`.",
    "Powertools idempotency records the event in DynamoDB before publishing.",
    "`Optional.empty` reads as absent",
    "Severity comes from one table (`lambdas/notifier/core/severity.py`)",
    "Lambda SnapStart for Python",
    "The stack outputs the topic ARNs",
    "A bad value fails the synth with a message naming the setting",
    "Measured with `make storm`",
    "**Exactly once.** The sweeper claims each message in DynamoDB before publishing",
    "Reading never costs the notification",
    "`failureReads=0` turns reading off and grants none of it.",
    "| SNS publishes | 2,002 | **1** |",
    "aws cloudformation activate-organizations-access",
    "**Cost per member account** (us-east-1 prices)",
    "HubForwardingDeadLetters",
    "ec2messages, ssmmessages, and other API operations",
    "A burst is one message",
    "**Missed transitions.**",
    "**Calendars as code.**",
    "A console edit makes four calls",
    "- **Drift**: an edit of a calendar of `calendars/`",
    "Each notice goes out **once** per window (or calendar), run time and lead time",
    "**IAM: reads only, and no more.**",
    "X-Ssm-Notifier-Signature: sha256=<HMAC-SHA256 of the body>",
    "**Open incidents**",
    "**Secrets** live in AWS Secrets Manager",
    "A bad routes file fails the synth naming the route and the field",
    "The function publishes with `MessageStructure=json`",
    "at most 99 characters (accents dropped, other non-ASCII letters replaced by `?`)",
    "**Untrusted text stays text.**",
    "**Exactly once per channel.**",
    "**Dedupe key.** Powertools idempotency keys on the event `id`",
    "**The one case with a duplicate.**",
    "Property-based tests (Hypothesis, `tests/payloads.py`)",
    "cdk-nag, three rule packs inside every synth",
    "NIST.800.53.R5-LambdaInsideVPC",
    "**cfn-guard** (`cdklabs.cdk-validator-cfnguard` 0.0.62",
    "<!-- bench:begin -->",
    "**cold_start_ratio** (`bench/cold_start.py`",
    "Cannot detect function id from aws:cdk:path metadata",
    "`make test-sam` (CI runs it after `make test`)",
    "Samples are kept as AWS published them",
    "The compliance rule matches `source` by the prefix `aws.`",
    "boto3 is bundled in the layer",
)


def _headings(text: str) -> set[str]:
    """The headings of a page (lines starting with #, outside fenced code)."""
    found, fenced = set(), False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,6} ", line):
            found.add(line.lstrip("#").strip())
    return found


def _pages() -> dict[str, str]:
    pages = {path.name: path.read_text() for path in sorted(DOCS.glob("*.md"))}
    # The Contributing page includes CONTRIBUTING.md.
    pages["CONTRIBUTING.md"] = (REPO_ROOT / "CONTRIBUTING.md").read_text()
    return pages


def test_every_heading_of_the_old_readme_is_a_heading_of_a_page() -> None:
    headings = set().union(*map(_headings, _pages().values()))
    assert [h for h in README_HEADINGS if h not in headings] == []


def test_the_facts_of_the_old_readme_are_in_the_pages() -> None:
    text = " ".join(" ".join(page.split()) for page in _pages().values())
    assert [phrase for phrase in README_PHRASES if " ".join(phrase.split()) not in text] == []


def test_the_site_builds_strict_and_offline(tmp_path: Path) -> None:
    """mkdocs build --strict, as `make docs` runs it, into a folder of its own (site/ stays as it is)."""
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    site = tmp_path / "site"
    pages = [site / ("" if page.stem == "index" else page.stem) / "index.html" for page in DOCS.glob("*.md")]
    assert [str(page.relative_to(site)) for page in pages if not page.is_file()] == []
    # Mermaid diagrams stay diagrams (superfences' mermaid fence), not code blocks.
    architecture = (tmp_path / "site" / "architecture" / "index.html").read_text()
    assert '<pre class="mermaid">' in architecture
    # ...drawn by the site's own Mermaid script, not one from a CDN (tests/integration/test_docs_browser.py).
    assert '<script src="../javascripts/mermaid.min.js">' in architecture
    assert (site / "javascripts" / "mermaid.min.js").stat().st_size > 100_000


def test_the_settings_page_shows_every_setting_as_its_definition_says() -> None:
    """docs/settings.md's table is the one tools.settings_page writes from NotifierSettings (`make docs`)."""
    page = settings_page.PAGE.read_text()
    assert settings_page.written(page, settings_page.table()) == page, "run `make docs` (it rewrites the table)"
    for spec in fields(NotifierSettings):
        name = f"`{context_name(spec.name)}`" if spec.metadata["context"] else "- (not from context)"
        assert f"\n| {name} | `{spec.name}` | " in page, spec.name


def _slug(heading: str) -> str:
    """A heading's anchor, as mkdocs (toc) and GitHub make it for the headings of these pages."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).strip().replace(" ", "-")


def test_the_readme_is_a_landing_page_whose_links_hold() -> None:
    """At most about 12,000 characters, the two commands, and every link to a page (and its section) there."""
    readme = (REPO_ROOT / "README.md").read_text()
    assert len(readme) <= 12_000, len(readme)
    assert "`make demo`" in readme and "`make test`" in readme
    links = re.findall(r"\]\(([^)#\s]+)(?:#([^)\s]+))?\)", readme)
    assert links
    for target, anchor in links:
        assert (REPO_ROOT / target).exists(), target
        if anchor:
            assert anchor in {_slug(h) for h in _headings((REPO_ROOT / target).read_text())}, f"{target}#{anchor}"
