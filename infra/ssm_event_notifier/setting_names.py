"""How settings are named: as keyword arguments (snake_case) and as CDK context (camelCase), with the old
names still read; an unknown name is refused with the closest known one."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any

from ssm_event_notifier.setting_checks import SettingsError
from ssm_event_notifier.settings import NotifierSettings, context_name

# Context names that are CDK's, not ours: feature flags ("@aws-cdk/..."), the CLI's own ("aws:cdk:...",
# lookups "availability-zones:..."), and the CLI's acknowledgements.
CDK_CONTEXT = ("acknowledged-issue-numbers", "cli-telemetry")
# A setting's name before it was renamed -> its name now; both are read.
RENAMED = {"operationsEmails": "alarmEmails"}
KEYWORDS = tuple(spec.name for spec in fields(NotifierSettings))


def unknown_setting(name: str, known: Sequence[str]) -> str:
    """The error for a name that is no setting, with the closest known one."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"{name}: no such setting" + (f"; did you mean {close[0]}?" if close else "")


def settings_of(**keywords: Any) -> NotifierSettings:
    """NotifierSettings from keyword arguments; an unknown keyword is refused with the closest one."""
    for name in keywords:
        if name not in KEYWORDS:
            raise SettingsError(unknown_setting(name, KEYWORDS))
    return NotifierSettings(**keywords)


def settings_from_context(context: Mapping[str, Any], **keywords: Any) -> NotifierSettings:
    """The settings given as CDK context (cdk.json, `-c name=value`): every name ours is read, every other
    name fails (CDK's own aside), and errors name the setting as context names it. `keywords`: settings
    that context does not give (calendars)."""
    by_context = {context_name(f.name): f.name for f in fields(NotifierSettings) if f.metadata["context"]}
    # An old name counts where its new name is not given (or given empty, as cdk.json's alarmEmails is).
    given = {RENAMED[n]: v for n, v in context.items() if n in RENAMED and not context.get(RENAMED[n])}
    for name, value in {**context, **given}.items():
        if name.startswith("@") or ":" in name or name in CDK_CONTEXT or name in RENAMED:
            continue
        if name not in by_context:
            raise SettingsError("context " + unknown_setting(name, [*by_context, *RENAMED]))
        if value is not None:
            keywords[by_context[name]] = value
    try:
        return NotifierSettings(**keywords)
    except SettingsError as error:
        keyword, _, problem = str(error).partition(": ")
        raise SettingsError(f"context {context_name(keyword)}: {problem}") from None
