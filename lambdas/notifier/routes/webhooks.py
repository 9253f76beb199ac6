"""A notification as a Slack incoming webhook and a Microsoft Teams Workflows webhook receive it (pure):
the chat card's title, description and next steps (untrusted text already made inert, the only link the
console URL the notifier composed), in each one's own format."""

from __future__ import annotations

from typing import Any

from notifier.chat.card import chat_payload
from notifier.chat.markdown_safety import console_link

SLACK_HEADER_MAX, SLACK_SECTION_MAX = 150, 3000  # Slack's header and section text limits


def _card(document: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    content = chat_payload(document)["content"]
    return content, console_link((document.get("links") or {}).get("console"))


def slack_message(document: dict[str, Any]) -> dict[str, Any]:
    content, console = _card(document)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": content["title"][:SLACK_HEADER_MAX]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": content["description"][:SLACK_SECTION_MAX]}},
    ]
    if content["nextSteps"]:
        steps = "\n".join(content["nextSteps"])[:SLACK_SECTION_MAX]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": steps}]})
    if console:
        button = {"type": "button", "text": {"type": "plain_text", "text": "AWS console"}, "url": console}
        blocks.append({"type": "actions", "elements": [button]})
    # "text" is what notifications and clients without blocks show.
    return {"text": content["title"], "blocks": blocks, "unfurl_links": False, "unfurl_media": False}


def teams_message(document: dict[str, Any]) -> dict[str, Any]:
    content, console = _card(document)
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": content["title"], "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "text": content["description"], "wrap": True},
        *({"type": "TextBlock", "text": step, "isSubtle": True, "wrap": True} for step in content["nextSteps"]),
    ]
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": [{"type": "Action.OpenUrl", "title": "AWS console", "url": console}] if console else [],
    }
    return {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
    }
