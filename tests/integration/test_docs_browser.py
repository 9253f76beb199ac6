"""The documentation site in a real browser (Debian's chromium, headless), served from 127.0.0.1 as a team
would host it: every Mermaid diagram is drawn, by the script the site carries, and no page asks any other
host for anything (the theme fetches Mermaid from a CDN when the page has none)."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from tools import REPO_ROOT
from tools.harness.browser import Browser, chromium

DOCS = REPO_ROOT / "docs"
# The theme swaps each <pre class="mermaid"> for a <div class="mermaid"> holding the drawing (in a closed
# shadow root) once Mermaid has drawn it.
DIAGRAMS = "Array.from(document.querySelectorAll('.mermaid'), e => e.tagName)"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site, built as `make docs` builds it, served on 127.0.0.1: its root URL."""
    folder = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder)],
        cwd=REPO_ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    executable = chromium()
    if executable is None:
        pytest.skip("no chromium here (Debian: apt-get install chromium): the site is not checked in a browser")
    opened = Browser(executable, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield opened
    finally:
        opened.close()


PAGES_WITH_DIAGRAMS = sorted(page.stem for page in DOCS.glob("*.md") if "```mermaid" in page.read_text())


def test_some_pages_have_diagrams() -> None:
    assert "architecture" in PAGES_WITH_DIAGRAMS


@pytest.mark.parametrize("page", PAGES_WITH_DIAGRAMS)
def test_every_diagram_is_drawn_and_nothing_is_fetched_from_another_host(
    page: str, site: str, browser: Browser
) -> None:
    tab = browser.load(site + ("" if page == "index" else f"{page}/"))
    drawn: list[str] = []
    for _ in range(60):  # Mermaid draws after the page's load event
        drawn = tab.evaluate(DIAGRAMS)
        if drawn and set(drawn) == {"DIV"}:
            break
        browser.settle(0.25)
    assert drawn and set(drawn) == {"DIV"}, f"{page}: diagrams not drawn: {drawn}"
    hosts = {urlsplit(url).netloc for url in tab.requests() if not url.startswith("data:")}
    assert hosts == {urlsplit(site).netloc}
