"""The settings of one feature, grouped as its construct takes them, and the checks across settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ssm_event_notifier.contract.catalog import NOTICE
from ssm_event_notifier.contract.route_match import RouteError
from ssm_event_notifier.contract.routes_file import SLACK_CHANNEL, TEAMS_CHANNEL, check_routes_reach
from ssm_event_notifier.setting_checks import SettingsError

if TYPE_CHECKING:
    from ssm_event_notifier.settings import NotifierSettings

ORGANIZATION_ONLY = ("member_organizational_units", "member_regions", "included_accounts", "excluded_accounts")


@dataclass(frozen=True)
class SlackChannel:
    workspace_id: str
    channel_id: str


@dataclass(frozen=True)
class TeamsChannel:
    tenant_id: str
    team_id: str
    channel_id: str  # as Teams gives it in a channel link: URL-encoded ("19%3a...%40thread.tacv2")


# A channel as a setting or a route names it, already checked (SLACK_CHANNEL, TEAMS_CHANNEL).
def slack_channel(text: str) -> SlackChannel:
    return SlackChannel(*SLACK_CHANNEL.match(text).groups())  # type: ignore[union-attr]


def teams_channel(text: str) -> TeamsChannel:
    return TeamsChannel(*TEAMS_CHANNEL.match(text).groups())  # type: ignore[union-attr]


@dataclass(frozen=True)
class ChatSettings:
    slack: tuple[SlackChannel, ...]
    teams: tuple[TeamsChannel, ...]
    severities: tuple[str, ...]


@dataclass(frozen=True)
class OrganizationSettings:
    organization_id: str
    member_organizational_units: tuple[str, ...]
    member_regions: tuple[str, ...]
    # At most one of the two is set: the hub's rules take only these accounts' events, or all but these.
    included_accounts: tuple[str, ...] = ()
    excluded_accounts: tuple[str, ...] = ()
    # The hub deploys the StackSet as the organization's delegated administrator (not its management account).
    delegated_administrator: bool = False


def chat_settings(settings: NotifierSettings) -> ChatSettings | None:
    """None when no channel is configured (and no chat resource is created)."""
    if not settings.slack_channels and not settings.teams_channels:
        return None
    return ChatSettings(
        slack=tuple(map(slack_channel, settings.slack_channels)),
        teams=tuple(map(teams_channel, settings.teams_channels)),
        severities=tuple(settings.chat_severities),
    )


def organization_settings(settings: NotifierSettings, hub_region: str | None) -> OrganizationSettings | None:
    """Organization mode's settings, None without organizationId; `hub_region`: the stack's region (None
    when it is environment-agnostic), the member regions' default."""
    if not settings.organization_id:
        return None
    regions = tuple(settings.member_regions) or ((hub_region,) if hub_region else ())
    if not regions:
        raise SettingsError(
            "memberRegions (member_regions): required with organizationId when the stack has no region of its "
            "own (environment-agnostic), e.g. -c memberRegions=eu-west-1,us-east-1"
        )
    return OrganizationSettings(
        organization_id=settings.organization_id,
        member_organizational_units=tuple(settings.member_organizational_units),
        member_regions=regions,
        included_accounts=tuple(settings.included_accounts),
        excluded_accounts=tuple(settings.excluded_accounts),
        delegated_administrator=settings.delegated_administrator,
    )


def check_together(settings: NotifierSettings) -> None:
    """The checks that involve more than one setting."""
    try:
        # Notices are a family of messages that noticeBefore, not enabledFamilies, turns on.
        enabled = (*settings.enabled_families, *((NOTICE,) if settings.notice_before else ()))
        check_routes_reach(settings.routes, enabled, settings.notification_emails, bool(settings.organization_id))
    except RouteError as error:
        raise SettingsError(f"routes: {error}") from None
    if not settings.organization_id:
        for name in (*ORGANIZATION_ONLY, "delegated_administrator"):
            if getattr(settings, name):
                raise SettingsError(f"{name}: only used with organizationId, which is not set")
        return
    if not settings.member_organizational_units:
        raise SettingsError("member_organizational_units: required with organizationId (ou-... or r-... ids)")
    if settings.included_accounts and settings.excluded_accounts:
        raise SettingsError("excluded_accounts: set includedAccounts or excludedAccounts, not both")
