"""On-call semantics of a notification (pure): whether it opens an incident, resolves one, or neither,
and the key that makes a repeat update one incident rather than open another."""

from __future__ import annotations

from typing import Any, Literal

from ssm_event_notifier.contract.catalog import DIGEST_DETAIL_TYPE, NOTICE

Action = Literal["trigger", "resolve"]
# Statuses that mean the thing that failed before now works (the catalog's vocabularies differ).
RECOVERED = frozenset({"success", "succeeded", "available", "compliant"})
# What one incident is about, by family: fields of the document (and "resources": its first ARN
# without a version), first found first. A success of the same thing carries the same values.
IDENTITY: dict[str, tuple[str, ...]] = {
    "ami": ("resources",),
    "run-command": ("document_name", "resources"),
    "maintenance-window": ("resources",),
    # Each execution its own: a runbook's events name neither its targets nor its parameters, and the same
    # runbook succeeding elsewhere must not resolve this failure.
    "automation": ("execution_id",),
    "state-manager": ("association_id", "instance_id", "document_name"),
    "compliance": ("compliance_type", "resource_id"),
    "parameter-store": ("resources",),
    "calendar": ("calendar_name",),
    "change-manager": ("change_request_id",),
    "ops-center": ("ops_item_id",),
    "inventory": ("type_name", "resource_id"),
}
# What one incident about a fleet-wide operation is about, by kind: fields of the digest's operation, every
# one of them present (else the run's own key). Each run of a command or window has an id of its own; the
# next run of the same thing must update (or resolve) the incident the last one opened: the same window, or
# the same document with the same parameters on the same instances. An automation execution keeps its own
# key (see IDENTITY); the other kinds' keys (an association, a compliance type and baseline) already stay
# the same from run to run.
OPERATION_IDENTITY: dict[str, tuple[str, ...]] = {
    "command": ("document_name", "parameters_digest", "itemsDigest"),
    "window-execution": ("window_id",),
}
KEY_MAX = 255  # PagerDuty's dedup_key; JSM's alias takes 512


def action_of(document: dict[str, Any]) -> Action | None:
    """An error or a warning opens (or updates) an incident; a recovery resolves it; the rest: neither. An
    advance notice (a window inside a freeze, one without targets) is about what has not happened: neither."""
    if document.get("family") == NOTICE:
        return None
    if document.get("severity") in ("error", "warning"):
        return "trigger"
    if str(document.get("status", "")).lower() in RECOVERED:
        return "resolve"
    return None


def incident_key(document: dict[str, Any]) -> str:
    """Stable per document, parameters and instances of a command, window, association, calendar, image or
    parameter, and per runbook execution: "<account>/<region>/<what>"."""
    where = f"{document.get('account', '-')}/{document.get('region', '-')}"
    if document.get("detailType") == DIGEST_DETAIL_TYPE:
        operation = document.get("operation") or {}
        kind = str(operation.get("kind", "-"))
        identity = OPERATION_IDENTITY.get(kind, ())
        same = [str(operation.get(name) or "") for name in identity]
        if identity and all(same):
            return f"{where}/{kind}/{'/'.join(same)}"[:KEY_MAX]
        return f"{where}/{operation.get('key', document.get('subject', '-'))}"[:KEY_MAX]
    family = str(document.get("family", "-"))
    fields = document.get("fields") or {}
    parts = []
    for name in IDENTITY.get(family, ("resources",)):
        if name == "resources":
            resources = document.get("resources") or []
            # What an ARN names, after its partition, service, region and account: "image/ami-0123".
            parts += [str(resources[0]).split(":", 5)[-1]] if resources else []
        elif fields.get(name):
            parts.append(str(fields[name]))
    return f"{where}/{family}/{'/'.join(parts) or document.get('subject', '-')}"[:KEY_MAX]
