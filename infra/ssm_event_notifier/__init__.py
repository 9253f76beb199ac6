"""SSM Event Notifier: Systems Manager and EC2 AMI events, explained, to the teams that act on them.

    from ssm_event_notifier import SsmEventNotifier
    SsmEventNotifier(stack, "Notifier", notification_emails=["ops@example.com"], enabled_families=["ami"])

The names are loaded on first use: the functions' code asset carries this package's `contract` (the
catalog and environment both sides share), and a function importing it must not load the CDK.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ssm_event_notifier.calendars import CalendarFileError, calendar_files
    from ssm_event_notifier.construct import Notifier, SsmEventNotifier
    from ssm_event_notifier.members import MemberStack
    from ssm_event_notifier.nag import acknowledge_accepted_findings, add_rule_packs
    from ssm_event_notifier.setting_checks import SettingsError
    from ssm_event_notifier.setting_names import settings_from_context
    from ssm_event_notifier.settings import NotifierSettings
    from ssm_event_notifier.stack import NotifierStack

_EXPORTS = {
    "SsmEventNotifier": "construct",
    "Notifier": "construct",
    "NotifierStack": "stack",
    "MemberStack": "members",
    "NotifierSettings": "settings",
    "settings_from_context": "setting_names",
    "SettingsError": "setting_checks",
    "CalendarFileError": "calendars",
    "calendar_files": "calendars",
    "add_rule_packs": "nag",
    "acknowledge_accepted_findings": "nag",
}
__all__ = [
    "CalendarFileError",
    "MemberStack",
    "Notifier",
    "NotifierSettings",
    "NotifierStack",
    "SettingsError",
    "SsmEventNotifier",
    "acknowledge_accepted_findings",
    "add_rule_packs",
    "calendar_files",
    "settings_from_context",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'ssm_event_notifier' has no attribute {name!r}")
    return getattr(import_module(f"ssm_event_notifier.{_EXPORTS[name]}"), name)
