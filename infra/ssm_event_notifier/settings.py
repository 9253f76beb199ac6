"""Settings read from CDK context (cdk.json, or `-c key=value` on the command line)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from constructs import Node

from ssm_event_notifier.context_values import (
    ACCOUNT,
    ORGANIZATION_ID,
    REGION,
    TARGET_ID,
    SettingsError,
    as_bool,
    as_int,
    as_list,
    emails,
    matching,
)
from ssm_event_notifier.contract.catalog import AUDITED_CALLS, FAMILIES, OPERATIONS
from ssm_event_notifier.contract.environment import (
    AUDIT_BURST_SECONDS,
    DEDUPE_WINDOW_SECONDS,
    DIGEST_SETTLE_SECONDS,
    FAILURE_READ_SECONDS,
    FAILURE_READS,
    INTERIM_AFTER_SECONDS,
    MISSED_TRANSITION_GRACE_MINUTES,
    OPERATION_TIMEOUT_SECONDS,
    QUIET_PERIOD_SECONDS,
)

# The retention periods CloudWatch Logs accepts.
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


@dataclass(frozen=True)
class Settings:
    notification_emails: tuple[str, ...]
    alarm_emails: tuple[str, ...]
    enabled_families: tuple[str, ...]
    dedupe_window_minutes: int
    log_retention_days: int
    monitored_calendars: tuple[str, ...]
    reconcile_rate_minutes: int
    missed_transition_grace_minutes: int
    # "lambda": wheels for Lambda (Linux ARM64, the function runtime); "host": this machine, for local runs.
    layer_platform: str
    # Fleet-wide operations: "digest" (one message per operation) or "each" (one message per event).
    per_instance_notifications: str = "digest"
    operation_timeout_minutes: int = OPERATION_TIMEOUT_SECONDS // 60
    digest_settle_seconds: int = DIGEST_SETTLE_SECONDS
    digest_rate_minutes: int = 1
    interim_after_minutes: int = INTERIM_AFTER_SECONDS // 60
    failure_reads: int = FAILURE_READS
    failure_read_seconds: int = int(FAILURE_READ_SECONDS)
    # Quiet periods of the operations that end without a final event, by catalog.OPERATIONS name.
    quiet_minutes: tuple[tuple[str, int], ...] = ()
    # Organization mode (README, Organization): None keeps the single-account stack.
    organization: OrganizationSettings | None = None
    # Chat (README, Chat): None when no channel is configured (and no chat resource is created).
    chat: ChatSettings | None = None
    # Each function's reserved concurrency (infra/functions.py); off for accounts whose Lambda quota is
    # below what it sets aside (the account keeps 100 unreserved).
    reserved_concurrency: bool = True
    # The API audit (opt-in family api-audit): the calls it notifies, and its burst window.
    audited_calls: tuple[str, ...] = AUDITED_CALLS
    audit_burst_seconds: int = AUDIT_BURST_SECONDS
    # A trail of this region's management events (infra/trail.py), for the API audit and calendar edits.
    create_trail: bool = False


@dataclass(frozen=True)
class SlackChannel:
    workspace_id: str
    channel_id: str


@dataclass(frozen=True)
class TeamsChannel:
    tenant_id: str
    team_id: str
    channel_id: str  # as Teams gives it in a channel link: URL-encoded ("19%3a...%40thread.tacv2")


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


def _retention(value: Any) -> int:
    days = as_int("logRetentionDays", value, 1, 3653)
    if days not in LOG_RETENTION_DAYS:
        raise SettingsError(f"context logRetentionDays: {days} is not one of {', '.join(map(str, LOG_RETENTION_DAYS))}")
    return days


def quiet_setting(kind: str) -> str:
    """The context key of an operation kind's quiet period: "association" -> "associationQuietMinutes"."""
    first, *rest = kind.split("-")
    return first + "".join(part.capitalize() for part in rest) + "QuietMinutes"


QUIET_KINDS = tuple(kind.name for kind in OPERATIONS if kind.ends == "quiet")


def _organization(get: Any, hub_region: str | None) -> OrganizationSettings | None:
    """`hub_region`: the stack's region, None when the stack is environment-agnostic."""
    organization_id = str(get("organizationId", "")).strip()
    others = ("memberOrganizationalUnits", "memberRegions", "includedAccounts", "excludedAccounts")
    if not organization_id:
        given = [name for name in (*others, "delegatedAdministrator") if get(name, None) not in (None, "", [])]
        if given:
            raise SettingsError(f"context {given[0]}: only used with organizationId, which is not set")
        return None
    if not ORGANIZATION_ID.match(organization_id):
        raise SettingsError(
            f"context organizationId: {organization_id!r} is not an organization id (o-, 10 to 32 "
            "lowercase letters or digits)"
        )
    units = matching(
        "memberOrganizationalUnits",
        get("memberOrganizationalUnits", []),
        TARGET_ID,
        "an organizational unit id (ou-...) or a root id (r-...)",
    )
    if not units:
        raise SettingsError("context memberOrganizationalUnits: required with organizationId (ou-... or r-... ids)")
    regions = matching("memberRegions", get("memberRegions", []), REGION, "a region name such as eu-west-1")
    if not regions:
        if hub_region is None:
            raise SettingsError(
                "context memberRegions: required with organizationId when the stack has no region of "
                "its own (environment-agnostic), e.g. -c memberRegions=eu-west-1,us-east-1"
            )
        regions = (hub_region,)
    included = matching("includedAccounts", get("includedAccounts", []), ACCOUNT, "a 12-digit account id")
    excluded = matching("excludedAccounts", get("excludedAccounts", []), ACCOUNT, "a 12-digit account id")
    if included and excluded:
        raise SettingsError("context excludedAccounts: set includedAccounts or excludedAccounts, not both")
    return OrganizationSettings(
        organization_id=organization_id,
        member_organizational_units=units,
        member_regions=regions,
        included_accounts=included,
        excluded_accounts=excluded,
        delegated_administrator=as_bool("delegatedAdministrator", get("delegatedAdministrator", False)),
    )


_SLACK = re.compile(r"^([0-9A-Z]{1,255}):([A-Za-z0-9]{1,255})$")
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_TEAMS = re.compile(rf"^({_UUID}):({_UUID}):([A-Za-z0-9_=+/.,-]*%3[aA][A-Za-z0-9_=+/.,-]*%40[A-Za-z0-9_=+/.,-]*)$")
SEVERITIES = ("error", "warning", "info")
_CALL = re.compile(r"^[A-Z][A-Za-z0-9]{1,127}$")  # an API operation's name, e.g. SendCommand


def _chat(get: Any) -> ChatSettings | None:
    slack = matching(
        "slackChannels", get("slackChannels", []), _SLACK, "<workspace id>:<channel id> (T0123ABCD:C0456EFGH)"
    )
    teams = matching(
        "teamsChannels",
        get("teamsChannels", []),
        _TEAMS,
        "<tenant id>:<team id>:<URL-encoded channel id> (19%3a...%40thread.tacv2)",
    )
    severities = as_list("chatSeverities", get("chatSeverities", "error,warning"))
    unknown = [s for s in severities if s not in SEVERITIES]
    if unknown or not severities:
        raise SettingsError(f"context chatSeverities: expected some of {', '.join(SEVERITIES)}, got {severities!r}")
    if not slack and not teams:
        return None
    return ChatSettings(
        slack=tuple(SlackChannel(*_SLACK.match(c).groups()) for c in slack),  # type: ignore[union-attr]
        teams=tuple(TeamsChannel(*_TEAMS.match(c).groups()) for c in teams),  # type: ignore[union-attr]
        severities=tuple(s for s in SEVERITIES if s in severities),
    )


def read_settings(node: Node, *, region: str | None = None) -> Settings:
    """`region`: the stack's region when it has one (organization mode's default memberRegions)."""

    def get(name: str, default: Any) -> Any:
        value = node.try_get_context(name)
        return default if value is None else value

    known = tuple(family.name for family in FAMILIES)
    families = as_list("enabledFamilies", get("enabledFamilies", "all"))
    if not families or "all" in families:
        # "all": every family but the opt-in ones, which must be named ("all,api-audit").
        families = (*(f.name for f in FAMILIES if not f.opt_in), *(f for f in families if f != "all"))
    unknown = [family for family in families if family not in known]
    if unknown:
        raise SettingsError(f"context enabledFamilies: unknown {', '.join(unknown)}; known: {', '.join(known)}")
    notification_emails = emails("notificationEmails", get("notificationEmails", []))
    platform = str(get("layerPlatform", "lambda"))
    if platform not in ("lambda", "host"):
        raise SettingsError(f"context layerPlatform: expected 'lambda' or 'host', got {platform!r}")
    per_instance = str(get("perInstanceNotifications", "digest"))
    if per_instance not in ("digest", "each"):
        raise SettingsError(f"context perInstanceNotifications: expected 'digest' or 'each', got {per_instance!r}")
    return Settings(
        notification_emails=notification_emails,
        # `operationsEmails` is the name the setting had before `alarmEmails`: still read.
        alarm_emails=emails("alarmEmails", get("alarmEmails", None) or get("operationsEmails", []))
        or notification_emails,
        enabled_families=tuple(family for family in known if family in families),
        dedupe_window_minutes=as_int(
            "dedupeWindowMinutes", get("dedupeWindowMinutes", DEDUPE_WINDOW_SECONDS // 60), 5, 7 * 24 * 60
        ),
        log_retention_days=_retention(get("logRetentionDays", 90)),
        layer_platform=platform,
        monitored_calendars=as_list("monitoredCalendars", get("monitoredCalendars", [])),
        reconcile_rate_minutes=as_int("reconcileRateMinutes", get("reconcileRateMinutes", 5), 1, 60),
        # Above AWS's 15-minute tolerance, so that a late event is not reported missing.
        missed_transition_grace_minutes=as_int(
            "missedTransitionGraceMinutes",
            get("missedTransitionGraceMinutes", MISSED_TRANSITION_GRACE_MINUTES),
            16,
            24 * 60,
        ),
        per_instance_notifications=per_instance,
        # Up to 48 hours: the longest a Run Command may execute.
        operation_timeout_minutes=as_int(
            "operationTimeoutMinutes", get("operationTimeoutMinutes", OPERATION_TIMEOUT_SECONDS // 60), 5, 48 * 60
        ),
        digest_settle_seconds=as_int("digestSettleSeconds", get("digestSettleSeconds", DIGEST_SETTLE_SECONDS), 0, 900),
        digest_rate_minutes=as_int("digestRateMinutes", get("digestRateMinutes", 1), 1, 60),
        # 0: no interim message.
        interim_after_minutes=as_int(
            "interimAfterMinutes", get("interimAfterMinutes", INTERIM_AFTER_SECONDS // 60), 0, 48 * 60
        ),
        quiet_minutes=tuple(
            (kind, as_int(quiet_setting(kind), get(quiet_setting(kind), QUIET_PERIOD_SECONDS // 60), 1, 24 * 60))
            for kind in QUIET_KINDS
        ),
        # 0: failure messages read nothing. Seconds stay well inside the functions' 30 s timeout.
        failure_reads=as_int("failureReads", get("failureReads", FAILURE_READS), 0, 100),
        failure_read_seconds=as_int("failureReadSeconds", get("failureReadSeconds", int(FAILURE_READ_SECONDS)), 1, 10),
        organization=_organization(get, region),
        chat=_chat(get),
        reserved_concurrency=as_bool("reservedConcurrency", get("reservedConcurrency", True)),
        audited_calls=matching("auditedCalls", get("auditedCalls", list(AUDITED_CALLS)), _CALL, "an API call name")
        or AUDITED_CALLS,
        audit_burst_seconds=as_int("auditBurstSeconds", get("auditBurstSeconds", AUDIT_BURST_SECONDS), 10, 3600),
        create_trail=as_bool("createTrail", get("createTrail", False)),
    )
