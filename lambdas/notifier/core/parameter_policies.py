"""What a Parameter Store Policy Action event asks of the team, in words (pure).

An advanced parameter's policies (``Expiration``, ``ExpirationNotification``,
``NoChangeNotification``) raise these events. The event names the parameter and the policy type;
when it also carries the policy (``policy-content``, the policy's JSON as text), its attributes
say when: an Expiration's ``Timestamp``, an ExpirationNotification's ``Before`` and ``Unit``, a
NoChangeNotification's ``After`` and ``Unit``.
"""

from __future__ import annotations

import json
from typing import Any

from notifier.core.event_base import decoded_text
from notifier.core.severity import normalize_status

# policy type -> (headline with {due}, headline when the event does not say when, what to do)
_SAYS: dict[str, tuple[str, str, str]] = {
    "expiration": (
        "expired {due} and was deleted",
        "expired and was deleted",
        "Parameter Store deleted it: recreate it if anything still reads it, and set a new expiration.",
    ),
    "expirationnotification": (
        "expires {due}",
        "expires soon",
        "Update its value, or change its Expiration policy, before it expires: Parameter Store deletes it then.",
    ),
    "nochangenotification": (
        "has not changed for {due}",
        "has not changed for the period its policy sets",
        "Rotate its value (or confirm it may stay unchanged): its NoChangeNotification policy asks for a change.",
    ),
}


def _attributes(policy_content: str | None) -> dict[str, Any]:
    try:
        policy = json.loads(policy_content or "{}")
    except ValueError:
        return {}
    attributes = policy.get("Attributes") if isinstance(policy, dict) else None
    return attributes if isinstance(attributes, dict) else {}


def due_text(policy_type: str, policy_content: str | None) -> str | None:
    """When, as the policy says: "at 2026-03-02T10:00:00Z", "within 15 days", "20 days"; None if it does not."""
    attributes = _attributes(policy_content)
    if attributes.get("Timestamp"):
        return f"at {attributes['Timestamp']}"
    count = attributes.get("Before") or attributes.get("After")
    if not count:
        return None
    unit = str(attributes.get("Unit") or "").lower()
    within = "within " if normalize_status(policy_type) == "expirationnotification" else ""
    return f"{within}{count} {unit}".strip()


def policy_fields(policy_type: str, policy_content: str | None) -> dict[str, str]:
    """The fields a Parameter Store Policy Action adds: `headline`, `action`, `due` and `policy` when known."""
    due = due_text(policy_type, policy_content)
    fallback = (f"policy {policy_type} applied ({{due}})", f"policy {policy_type} applied", "See its policies.")
    with_due, without_due, action = _SAYS.get(normalize_status(policy_type), fallback)
    # replace, not format: the policy type is the event's text and may hold braces.
    fields = {"headline": with_due.replace("{due}", due) if due else without_due, "action": action}
    if due:
        fields["due"] = due
    attributes = _attributes(policy_content)
    policy = decoded_text(attributes) if attributes else decoded_text(policy_content)
    if policy:
        fields["policy"] = policy
    return fields
