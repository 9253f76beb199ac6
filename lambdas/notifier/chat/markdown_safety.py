"""Untrusted text made inert in chat (Amazon Q Developer's client Markdown: Slack, Teams).

Every value of a notification's document is taken as written by users or instances (parameter
names, OpsItem titles, command output, calendar descriptions, ids). In chat:
- control and format characters (bidi overrides, zero-width marks) are dropped;
- < > & @ ` [ ] become look-alikes (U+2039 U+203A U+FF06 U+FF20 U+02CB U+FF3B U+FF3D): no mention
  (@here, @channel, <!channel>, <@U1>, <#C1>, Teams <at>), no Slack link or entity, no Markdown link,
  and nothing can open or close a code span or block;
- "://" becomes ":" and two U+2044 fraction slashes, "www." takes a U+2024 dot: no auto-linked URL;
- outside code, * ~ | become U+2217 U+223C U+FFE8, an _ at a word's edge U+02CD ("db_name" stays),
  and a leading # - + or "1." a look-alike: no emphasis, strike, table, heading or list item;
- values are inline code spans (`code`), output quoted from instances a fenced block (`block`);
- the only links are the console URLs the notifier composes, kept only when they look like one.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from notifier.core.render import CUT_MARKER

VALUE_MAX, OUTPUT_MAX = 200, 400  # one value in the description; output quoted per reason
_LOOKALIKES = str.maketrans(
    {"<": "\u2039", ">": "\u203a", "&": "\uff06", "@": "\uff20", "`": "\u02cb", "[": "\uff3b", "]": "\uff3d"}
)
_MARKUP = str.maketrans({"*": "\u2217", "~": "\u223c", "|": "\uffe8"})
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")  # "_" emphasises at a word's edge only
_LEADING = re.compile(r"^(\s*)([#+-]|\d+[.)](?=\s|$))")
_LEAD_MARKS = str.maketrans({"#": "\uff03", "-": "\u2010", "+": "\uff0b", ".": "\u2024", ")": "\ufe5a"})
_WWW = re.compile(r"(?i)(www)\.")
_URLISH = re.compile(r"(?i)://|www\.")
_SPACE = re.compile(r"\s+")
_CONSOLE = re.compile(
    r"https://(?:[a-z0-9-]+\.console\.aws\.amazon\.com|console\.amazonaws\.cn|console\.amazonaws-us-gov\.com)"
    r"/[A-Za-z0-9._~/?#=:%&+-]{0,900}"
)
_HIDDEN = ("Cc", "Cf", "Cs", "Zl", "Zp")
_IDENT = re.compile(r"(?!.*(?i:://|www\.))[A-Za-z0-9][A-Za-z0-9._:/#-]*")  # no URL in an id either


def _visible(text: str) -> str:
    """Without control, format and surrogate characters (a tab is a space; newlines stay)."""
    return "".join(ch for ch in text.replace("\t", " ") if ch == "\n" or unicodedata.category(ch) not in _HIDDEN)


def neutral(text: str, code: bool = False) -> str:
    """Untrusted text with nothing a chat client acts on (the module's rules); Markdown kept inside code."""
    text = _WWW.sub("\\1\u2024", _visible(text).translate(_LOOKALIKES).replace("://", ":\u2044\u2044"))
    if code:
        return text
    text = _EDGE_UNDERSCORE.sub("\u02cd", text.translate(_MARKUP))
    return _LEADING.sub(lambda m: m.group(1) + m.group(2).translate(_LEAD_MARKS), text)


def clean(value: Any, limit: int, code: bool = False) -> str:
    """One line of untrusted text, neutral, within `limit` characters (cut with render's marker)."""
    text = value if isinstance(value, str) else "" if value is None else str(value)
    head = neutral(_SPACE.sub(" ", text[: limit * 2 + 64]), code).strip()
    if len(text) <= limit * 2 + 64 and len(head) <= limit:
        return head
    keep = max(limit - len(CUT_MARKER.format(len(text))), 0)
    return head[:keep].rstrip() + CUT_MARKER.format(max(len(text) - keep, 1))


def code(value: Any, limit: int = VALUE_MAX) -> str:
    """An inline code span that nothing in `value` can close; "-" for nothing."""
    text = clean(value, limit - 2, code=True)
    return f"`{text}`" if text else "-"


def block(output: str, limit: int = OUTPUT_MAX) -> str:
    """Output from an instance as a fenced code block: its last lines, neutral, no backtick inside."""
    lines = [neutral(line, code=True).rstrip() for line in output[-limit * 4 :].split("\n")]
    text = "\n".join(line for line in lines if line.strip())
    text = text if len(text) <= limit else "..." + text[-(limit - 3) :]
    return f"```\n{text}\n```" if text else ""


def console_link(value: Any) -> str | None:
    """A console URL the notifier composed, else None (never a link from text)."""
    return value if isinstance(value, str) and _CONSOLE.fullmatch(value) else None


def identifier(text: str, limit: int) -> str:
    """An identifier of safe characters: `text` itself when it is one, else a readable head and a hash."""
    if _IDENT.fullmatch(text) and len(text) <= limit and not _EDGE_UNDERSCORE.search(text):
        return text
    digest = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:32]
    head = _EDGE_UNDERSCORE.sub("-", _URLISH.sub("-", re.sub(r"[^A-Za-z0-9._:/#-]", "-", text[: limit - 37])))
    return f"{head.lstrip('#-.:/') or 'id'}--{digest}"
