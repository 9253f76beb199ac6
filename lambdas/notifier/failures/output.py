"""Text from instances and users (command output, failure messages), made safe to show.

It is untrusted: any bytes, any length, escape sequences, lines that look like e-mail headers.
What a message shows of it is a bounded tail, valid text without control characters, every line
indented under the notifier's own label (so nothing in it can pass for a header or a field of the
message), and never in a subject.
"""

from __future__ import annotations

import re

OUTPUT_TAIL = 1000  # characters of output a message shows per reason
OUTPUT_LINES = 15
SIGNATURE_MAX = 200
# ANSI escape sequences (colours, cursor moves), then any other control character but newline.
# An operating system command (a terminal title, "\x1b]0;title\x07") is removed with its text.
_ANSI = re.compile(r"\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_ERROR_WORDS = re.compile(r"\b(error|fail|fatal|denied|unable|exception|cannot)", re.I)
# What the SSM Agent adds to every failed script's output ("----------ERROR-------", then "failed to
# run commands: exit status 100"): the same for every failure, so never what tells two apart.
_AGENT_LINES = re.compile(r"^(-+ERROR-+|failed to run commands: exit status \d+)$", re.I)


def clean_output(raw: str | bytes | None, limit: int = OUTPUT_TAIL, lines: int = OUTPUT_LINES) -> str:
    """The last `lines` lines (at most `limit` characters) of `raw`, as clean text; "" for none."""
    if raw is None:
        return ""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    text = text[-(limit * 4) :]  # enough of a huge output to clean; the rest is cut below
    # A JSON answer may carry lone surrogates ("\udcff"): valid in a str, but SNS's UTF-8 would choke.
    text = text.encode("utf-8", errors="replace").decode("utf-8")
    text = _ANSI.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    "))
    text = _CONTROL.sub("", text)
    kept = [line.rstrip() for line in text.split("\n")]
    kept = [line for line in kept if line.strip()][-lines:]
    tail = "\n".join(kept)
    return tail if len(tail) <= limit else "..." + tail[-(limit - 3) :]


def signature(output: str) -> str:
    """What identifies a failure in its output: its last error-looking line, else its last line."""
    lines = [line.strip() for line in output.split("\n") if line.strip()]
    if not lines:
        return ""
    flagged = [line for line in lines if _ERROR_WORDS.search(line)]
    own = [line for line in flagged if not _AGENT_LINES.match(line)]
    chosen = (own or flagged or lines)[-1]
    return chosen if len(chosen) <= SIGNATURE_MAX else chosen[: SIGNATURE_MAX - 3] + "..."


def quoted(output: str, indent: str = "      | ") -> list[str]:
    """Output lines for the e-mail body, each under the notifier's own prefix."""
    return [indent + line for line in output.split("\n")] if output else []
