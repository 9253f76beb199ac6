"""One message of the preview (ssm_event_notifier.cli.preview_page) as its channels show it: the e-mail, the
Slack and Teams cards Amazon Q Developer draws from the chat payload, the JSON document, and what each route
destination received (a Slack or Teams webhook's card drawn from its payload, every payload as JSON).

Every piece of text is escaped before any markup is added: what an event carries (command output, OpsItem
titles, calendar descriptions) is untrusted, and shows here as the text it is. No link is made: the page
never leads its reader anywhere, nor loads anything.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

FENCE = re.compile(r"```(.*?)```", re.S)
CODE = re.compile(r"`([^`\n]+)`")
BOLD = re.compile(r"\*\*([^*\n]+)\*\*|(?<![\w*])\*([^*\n]+)\*(?![\w*])")


def text(value: Any) -> str:
    """Plain text, escaped, its line breaks kept."""
    return escape(str(value if value is not None else "")).replace("\n", "<br>")


def markdown(value: Any) -> str:
    """The little markdown chat cards use (code, code blocks, bold), drawn from the escaped text: the only
    markup is what is added here."""
    escaped = escape(str(value if value is not None else "").replace("\x00", ""))  # NUL marks code blocks below
    blocks: list[str] = []

    def fenced(match: re.Match[str]) -> str:
        blocks.append(f"<pre class='code'>{match.group(1).strip(chr(10))}</pre>")
        return f"\x00{len(blocks) - 1}\x00"

    escaped = FENCE.sub(fenced, escaped)
    escaped = CODE.sub(lambda m: f"<code>{m.group(1)}</code>", escaped)
    escaped = BOLD.sub(lambda m: f"<b>{m.group(1) or m.group(2)}</b>", escaped)
    escaped = escaped.replace("\n", "<br>")
    return re.sub("\x00(\\d+)\x00", lambda m: blocks[int(m.group(1))], escaped)


def email(notification: dict[str, Any]) -> str:
    to = notification.get("emailedTo")
    addressed = f"<p class='to'>e-mailed to {text(', '.join(to))}</p>" if to else ""
    return (
        "<section class='channel email'><h3>E-mail</h3>"
        f"<div class='mail'><p class='mail-subject'>Subject: {text(notification.get('subject'))}</p>"
        f"<pre class='mail-body'>{escape(str(notification.get('email') or ''))}</pre></div>{addressed}</section>"
    )


def chat_card(card: dict[str, Any], channel: str) -> str:
    """An Amazon Q Developer custom notification as `channel` ("slack" or "teams") shows it."""
    content = card.get("content") or {}
    steps = "".join(f"<li>{markdown(step)}</li>" for step in content.get("nextSteps") or [])
    keywords = "".join(f"<span class='keyword'>{text(word)}</span>" for word in content.get("keywords") or [])
    return (
        f"<div class='card {channel}'><p class='card-app'>Amazon Q Developer</p>"
        f"<p class='card-title'>{markdown(content.get('title'))}</p>"
        f"<div class='card-text'>{markdown(content.get('description'))}</div>"
        + (f"<p class='card-label'>Next steps</p><ul class='steps'>{steps}</ul>" if steps else "")
        + (f"<p class='keywords'>{keywords}</p>" if keywords else "")
        + "</div>"
    )


def chat(card: dict[str, Any] | None, stack_has_chat: bool) -> str:
    if not card:
        why = (
            "Not sent to the chat channels: their subscription takes only the severities chat is set to."
            if stack_has_chat
            else "No chat channel in this stack (replay with -c slackChannels=... to see the cards)."
        )
        return f"<section class='channel chat'><h3>Slack and Teams</h3><p class='none'>{why}</p></section>"
    thread = (card.get("metadata") or {}).get("threadId")
    return (
        f"<section class='channel slack'><h3>Slack</h3>{chat_card(card, 'slack')}</section>"
        f"<section class='channel teams'><h3>Microsoft Teams</h3>{chat_card(card, 'teams')}"
        f"<p class='thread'>thread {text(thread)}</p></section>"
    )


def slack_blocks(payload: dict[str, Any]) -> str:
    """A Slack webhook's message: its blocks' text (header, sections, context, buttons' labels)."""
    parts = []
    for block in payload.get("blocks") or []:
        kind = block.get("type")
        if kind == "header":
            parts.append(f"<p class='card-title'>{text((block.get('text') or {}).get('text'))}</p>")
        elif kind == "section":
            parts.append(f"<div class='card-text'>{markdown((block.get('text') or {}).get('text'))}</div>")
        elif kind == "context":
            elements = block.get("elements") or []
            parts += [f"<div class='card-context'>{markdown(e.get('text'))}</div>" for e in elements]
        elif kind == "actions":
            for element in block.get("elements") or []:
                parts.append(f"<span class='button'>{text((element.get('text') or {}).get('text'))}</span>")
    return f"<div class='card slack'>{''.join(parts)}</div>"


def adaptive_card(card: dict[str, Any]) -> str:
    """A Teams webhook's adaptive card: its text blocks, and its actions' titles."""
    parts = []
    for block in card.get("body") or []:
        if block.get("type") == "TextBlock":
            style = "card-title" if block.get("weight") == "Bolder" else "card-context" if block.get("isSubtle") else ""
            parts.append(f"<div class='card-text {style}'>{markdown(block.get('text'))}</div>")
    parts += [f"<span class='button'>{text(action.get('title'))}</span>" for action in card.get("actions") or []]
    return f"<div class='card teams'>{''.join(parts)}</div>"


def drawn(kind: str, payload: Any) -> str:
    """The card a destination's payload makes, when it makes one."""
    if not isinstance(payload, dict):
        return ""
    if kind == "chat":
        return chat_card(payload, "slack")
    if "blocks" in payload:
        return slack_blocks(payload)
    for attachment in payload.get("attachments") or []:
        content = attachment.get("content") if isinstance(attachment, dict) else None
        if isinstance(content, dict) and content.get("type") == "AdaptiveCard":
            return adaptive_card(content)
    return ""


def destinations(deliveries: list[dict[str, Any]]) -> str:
    if not deliveries:
        return ""
    items = []
    for delivery in deliveries:
        kind = str(delivery.get("kind"))
        answer = f"answered {delivery['status']}" if "status" in delivery else "published to its chat topic"
        action = f" · {delivery['action']}" if delivery.get("action") else ""
        payload = json.dumps(delivery.get("payload"), indent=2, ensure_ascii=False)
        items.append(
            f"<div class='destination kind-{escape(kind)}'>"
            f"<h4>{text(delivery.get('destination'))} · {text(kind)}{text(action)} · {text(answer)}</h4>"
            f"{drawn(kind, delivery.get('payload'))}"
            f"<details class='payload'><summary>payload</summary><pre>{escape(payload)}</pre></details></div>"
        )
    return f"<section class='destinations'><h3>Route destinations</h3>{''.join(items)}</section>"


def message_card(number: int, notification: dict[str, Any], row: dict[str, Any]) -> str:
    """One message: its head (severity, family, subject, where it came from), its channels, its document."""
    document = notification.get("json") or {}
    severity = str(document.get("severity") or (notification.get("attributes") or {}).get("severity") or "info")
    family = document.get("family") or (notification.get("attributes") or {}).get("family")
    meta = " · ".join(
        text(value)
        for value in (document.get("detailType"), document.get("account"), document.get("region"), document.get("time"))
        if value
    )
    mine = [d for d in row.get("deliveries") or [] if d.get("messageId") == notification.get("messageId")]
    card = notification.get("chat") or next((d.get("payload") for d in mine if d.get("kind") == "chat"), None)
    return (
        f"<article class='message severity-{escape(severity)}' id='m{number}'>"
        f"<header><span class='badge'>{text(severity.upper())}</span> <span class='family'>{text(family)}</span>"
        f"<h2 class='subject'>{text(notification.get('subject'))}</h2>"
        f"<p class='meta'>{meta} · from {text(row.get('file'))}</p></header>"
        f"<div class='channels'>{email(notification)}{chat(card, 'chat' in notification)}</div>"
        f"{destinations(mine)}"
        "<details class='document'><summary>JSON document</summary>"
        f"<pre>{escape(json.dumps(document, indent=2, ensure_ascii=False))}</pre></details></article>"
    )
