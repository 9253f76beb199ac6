"""A real browser for the tests: Debian's chromium, headless, driven over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: JSON messages, each ended by a NUL byte, on file descriptors 3 and 4), so that
no driver package and no port are needed.

``Browser.load`` opens a file in a new tab and waits for its load event; the ``Tab`` answers expressions
evaluated in the page and lists every request the page made (the DevTools Network domain sees each one,
the page's own file included) and what it logged.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",  # as root in a container, where chromium's sandbox cannot start
    "--disable-gpu",
    "--remote-debugging-pipe",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-extensions",
    "--disable-sync",
)


class BrowserError(RuntimeError):
    """The browser answered a command with an error, or did not answer in time."""


def chromium() -> str | None:
    """The browser's executable, if one is installed."""
    return next((path for name in NAMES if (path := shutil.which(name))), None)


@dataclass
class Tab:
    browser: Browser
    session: str
    url: str

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        answer = self.browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, self.session)
        if "exceptionDetails" in answer:
            raise BrowserError(f"{expression}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def events(self, method: str) -> list[dict[str, Any]]:
        return [
            e["params"] for e in self.browser.events if e.get("sessionId") == self.session and e["method"] == method
        ]

    def requests(self) -> list[str]:
        """Every URL the page requested, in order (its own file first)."""
        return [event["request"]["url"] for event in self.events("Network.requestWillBeSent")]

    def logged(self) -> list[str]:
        """What the page's scripts logged or threw: a page without scripts logs nothing."""
        console = [str(event.get("args")) for event in self.events("Runtime.consoleAPICalled")]
        return console + [str(event.get("exceptionDetails")) for event in self.events("Runtime.exceptionThrown")]


class Browser:
    def __init__(self, executable: str, profile: Path, timeout: float = 30.0) -> None:
        # The child's ends, above the low numbers they are copied to there (copying a descriptor onto
        # itself would leave it closed on exec).
        low_commands, self._to_browser = os.pipe()
        self._from_browser, low_answers = os.pipe()
        commands, answers = (fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 64) for fd in (low_commands, low_answers))

        def on_fds_3_and_4() -> None:  # in the child: where --remote-debugging-pipe reads and writes
            os.dup2(commands, 3)
            os.dup2(answers, 4)

        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=on_fds_3_and_4,
        )
        for fd in (commands, answers, low_commands, low_answers):
            os.close(fd)
        self.timeout = timeout
        self.events: list[dict[str, Any]] = []
        self._buffer = b""
        self._last_id = 0

    def _receive(self, deadline: float) -> dict[str, Any] | None:
        """The next message, or None once `deadline` (time.monotonic) passed."""
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                return None
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise BrowserError(f"the browser closed its pipe (exit code {self.process.poll()})")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return dict(json.loads(message))

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        self._last_id += 1
        message: dict[str, Any] = {"id": self._last_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while (answer := self._receive(deadline)) is not None:
            if answer.get("id") != self._last_id:
                self.events.append(answer)
            elif "error" in answer:
                raise BrowserError(f"{method}: {answer['error']}")
            else:
                return dict(answer.get("result", {}))
        raise BrowserError(f"{method}: no answer within {self.timeout} s")

    def settle(self, seconds: float) -> None:
        """Collect what the browser says for `seconds` more (a late request, a log line)."""
        deadline = time.monotonic() + seconds
        while (event := self._receive(deadline)) is not None:
            self.events.append(event)

    def load(self, page: Path | str) -> Tab:
        """Open a file, or a URL (a page served locally: some scripts refuse to run from file://)."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = str(self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"])
        for domain in ("Page", "Network", "Runtime"):
            self.send(f"{domain}.enable", session=session)
        url = page if isinstance(page, str) else page.resolve().as_uri()
        self.send("Page.navigate", {"url": url}, session)
        deadline = time.monotonic() + self.timeout
        while not any(e["method"] == "Page.loadEventFired" and e.get("sessionId") == session for e in self.events):
            event = self._receive(deadline)
            if event is None:
                raise BrowserError(f"{url} did not load within {self.timeout} s")
            self.events.append(event)
        self.settle(0.5)
        return Tab(self, session, url)

    def close(self) -> None:
        try:
            os.write(self._to_browser, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait(timeout=10)
        finally:
            os.close(self._to_browser)
            os.close(self._from_browser)
