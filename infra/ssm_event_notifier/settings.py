"""Every setting, declared once: its keyword argument (snake_case), its CDK context name (the camelCase
of it), its default, its check and its meaning. `SsmEventNotifier` and `NotifierStack` take them as
keyword arguments; `settings_from_context` reads them from CDK context (this repository's app.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from ssm_event_notifier.contract.catalog import AUDITED_CALLS, OPERATIONS
from ssm_event_notifier.contract.environment import (
    AUDIT_BURST_SECONDS,
    DEDUPE_WINDOW_SECONDS,
    DIGEST_SETTLE_SECONDS,
    FAILURE_READ_SECONDS,
    FAILURE_READS,
    INTERIM_AFTER_SECONDS,
    MISSED_TRANSITION_GRACE_MINUTES,
    NOTICE_BEFORE_MINUTES,
    OPERATION_TIMEOUT_SECONDS,
    QUIET_PERIOD_SECONDS,
)
from ssm_event_notifier.contract.route_match import ACCOUNT, EMAIL, REGION
from ssm_event_notifier.contract.routes_file import (
    SLACK_CHANNEL,
    SLACK_CHANNEL_FORM,
    TEAMS_CHANNEL,
    TEAMS_CHANNEL_FORM,
    Route,
)
from ssm_event_notifier.setting_checks import (
    API_CALL,
    CALENDAR_NAME,
    ORGANIZATION_ID,
    TARGET_ID,
    Check,
    Problem,
    SettingsError,
    boolean,
    calendars,
    families,
    lead_times,
    matching,
    one_of,
    optional_text,
    routes,
    some_of,
    whole,
)
from ssm_event_notifier.setting_groups import check_together

# The retention periods CloudWatch Logs accepts.
# fmt: off
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)
# fmt: on
SEVERITIES = ("error", "warning", "info")
QUIET_KINDS = tuple(kind.name for kind in OPERATIONS if kind.ends == "quiet")


def setting(default: Any, check: Check, meaning: str, *, shown: str | None = None, context: bool = True) -> Any:
    """A field of NotifierSettings; `shown`: the default as the settings table shows it; `context`: False
    for a setting CDK context cannot give."""
    metadata = {"check": check, "meaning": meaning, "shown": shown, "context": context}
    if isinstance(default, Mapping):  # dataclasses refuse an unhashable default; a read-only one may be shared
        return field(default_factory=lambda: default, metadata=metadata)
    return field(default=default, metadata=metadata)


def context_name(keyword: str) -> str:
    """'dedupe_window_minutes' -> 'dedupeWindowMinutes'."""
    first, *rest = keyword.split("_")
    return first + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True, kw_only=True)
class NotifierSettings:
    """What the notifier is configured with. Each value is checked and normalised when made (lists as
    tuples, numbers as int); a bad one raises SettingsError naming the setting."""

    notification_emails: Sequence[str] = setting(
        (), matching(EMAIL, "an e-mail address"), "e-mail addresses subscribed to the notification topic"
    )
    alarm_emails: Sequence[str] = setting(
        (),
        matching(EMAIL, "an e-mail address"),
        "addresses subscribed to the alarm topic (alarms on function errors, dead letters and a late buffer); "
        "`operationsEmails`, its name before, is still read",
        shown="`notificationEmails`",
    )
    enabled_families: Sequence[str] = setting(
        ("all",),
        families,
        "families to route (see Events covered), e.g. `ami,calendar,run-command`; rules and functions of the others "
        "are not created. "
        "`all` is every family but the opt-in API audit: `all,api-audit` adds it",
        shown="`all`",
    )
    audited_calls: Sequence[str] = setting(
        AUDITED_CALLS,
        matching(API_CALL, "an API call name"),
        "the Systems Manager calls the API audit notifies (operation names), filtered in its rule's pattern",
    )
    create_trail: bool = setting(
        False,
        boolean,
        "`true`: a CloudTrail trail of this region's management writes (log file validation, its own KMS key, a "
        "versioned bucket kept 365 days with access logs, a CloudWatch Logs copy), for accounts without one: the API "
        "audit and calendar edits see nothing without a trail. Not needed with an organization trail",
    )
    audit_burst_seconds: int = setting(
        AUDIT_BURST_SECONDS,
        whole(10, 3600),
        "the API audit: the same call by the same principal within this many seconds of its first is counted, "
        "not notified again",
    )
    dedupe_window_minutes: int = setting(
        DEDUPE_WINDOW_SECONDS // 60,
        whole(5, 7 * 24 * 60),
        "how long an event is remembered (DynamoDB TTL); a redelivery within it publishes nothing",
    )
    log_retention_days: int = setting(
        90, one_of(*LOG_RETENTION_DAYS), "CloudWatch Logs retention of the functions (a value CloudWatch accepts)"
    )
    per_instance_notifications: str = setting(
        "digest",
        one_of("digest", "each"),
        "`digest`: one message per fleet operation (Run Command, Maintenance Window run, Automation execution, "
        "State Manager association run, compliance scan wave) instead of one per event (see Fleet-wide operations); "
        "`each`: one message per event, for every source",
    )
    # Up to 48 hours: the longest a Run Command may execute.
    operation_timeout_minutes: int = setting(
        OPERATION_TIMEOUT_SECONDS // 60,
        whole(5, 48 * 60),
        "how long to wait for an operation's final event before its message says the final status is unknown "
        "(or the command's expire-after, if later)",
    )
    digest_settle_seconds: int = setting(
        DIGEST_SETTLE_SECONDS,
        whole(0, 900),
        "how long the message waits after the operation's final event, so that the item events still in the "
        "buffer are counted",
    )
    interim_after_minutes: int = setting(
        INTERIM_AFTER_SECONDS // 60,
        whole(0, 48 * 60),
        'an operation still running this long after its start, with failures, gets one interim message ("still '
        'running: 2 of 1000 instances failed so far"); its final message follows. 0 turns it off',
    )
    association_quiet_minutes: int = setting(
        QUIET_PERIOD_SECONDS // 60,
        whole(1, 24 * 60),
        "a State Manager association run has no final event: its message goes out when its events stop for this long",
    )
    compliance_quiet_minutes: int = setting(
        QUIET_PERIOD_SECONDS // 60, whole(1, 24 * 60), "the same for a compliance scan wave"
    )
    failure_reads: int = setting(
        FAILURE_READS,
        whole(0, 100),
        "AWS read calls one failure message may make to say why it failed (command output, step failure messages, "
        "window task invocations, association status, the image) and what its instances are called (Name tags, "
        "computer names); 0 reads nothing and grants no read permission (see Why it failed)",
    )
    # Well inside the functions' 30 s timeout.
    failure_read_seconds: int = setting(
        int(FAILURE_READ_SECONDS),
        whole(1, 10),
        "the time those reads may take per message; what is not read by then is named in the message as "
        "unavailable, and the message goes out",
    )
    digest_rate_minutes: int = setting(
        1, whole(1, 60), "how often the sweeper looks for operations whose message is due"
    )
    layer_platform: str = setting(
        "lambda",
        one_of("lambda", "host"),
        "`lambda` bundles the dependencies for Lambda (Linux ARM64, Python 3.13, with its bytecode); "
        "`host` for this machine, for local runs",
    )
    monitored_calendars: Sequence[str] = setting(
        (),
        matching(CALENDAR_NAME, "a Change Calendar name"),
        "Change Calendars made elsewhere (console, other stacks) to explain, reconcile and audit the edits "
        "of, besides the calendars deployed with the notifier",
    )
    reconcile_rate_minutes: int = setting(
        5, whole(1, 60), "how often the reconciler compares each monitored calendar's state with the last notified"
    )
    # Above AWS's 15-minute tolerance, so that a late event is not reported missing.
    missed_transition_grace_minutes: int = setting(
        MISSED_TRANSITION_GRACE_MINUTES,
        whole(16, 24 * 60),
        "how long a state may differ from the last one notified before the reconciler announces a missed transition "
        "(above AWS's 15-minute tolerance; see Change Calendars)",
    )
    notice_before: Sequence[int] = setting(
        NOTICE_BEFORE_MINUTES,
        lead_times,
        "advance notice (see Advance notices): minutes before each Maintenance Window run and each monitored Change "
        "Calendar transition, one message per lead time (`1440,60`: a day and an hour before); `0` turns notices "
        "off and creates no look-ahead",
        shown="`60`",
    )
    reserved_concurrency: bool = setting(
        True,
        boolean,
        "each function's reserved concurrency (61 in all, 63 with chat; see Security checks); `false` for an "
        "account whose Lambda concurrency quota is below that plus the 100 Lambda keeps unreserved: the functions "
        "then share the account's pool",
    )
    slack_channels: Sequence[str] = setting(
        (),
        matching(SLACK_CHANNEL, SLACK_CHANNEL_FORM),
        "chat (see Chat): Slack channels as `<workspace id>:<channel id>`; the workspace must be authorized in the "
        "Amazon Q Developer console first. Without any channel no chat resource is created",
    )
    teams_channels: Sequence[str] = setting(
        (),
        matching(TEAMS_CHANNEL, TEAMS_CHANNEL_FORM),
        "chat: Microsoft Teams channels as `<tenant id>:<team id>:<channel id>`, the channel id URL-encoded as in "
        "the channel's link; the team must be authorized in the console first",
    )
    chat_severities: Sequence[str] = setting(
        ("error", "warning"),
        some_of(SEVERITIES, empty=f"expected some of {', '.join(SEVERITIES)}"),
        "which notifications chat gets (an SNS filter policy on the chat queue's subscription)",
    )
    organization_id: str = setting(
        "",
        optional_text(ORGANIZATION_ID, "an organization id (o-, 10 to 32 lowercase letters or digits)"),
        "organization mode (see Organization): the hub serves every account of the member OUs, in every member "
        "region. Without it the stack is single-account",
    )
    member_organizational_units: Sequence[str] = setting(
        (),
        matching(TARGET_ID, "an organizational unit id (ou-...) or a root id (r-...)"),
        "with `organizationId`, required: the OUs or the root whose accounts the StackSet deploys the member stack "
        "to; accounts that join them later get it too",
    )
    member_regions: Sequence[str] = setting(
        (),
        matching(REGION, "a region name such as eu-west-1"),
        "with `organizationId`: the regions of the member stacks; required when the stack has no region of its own "
        "(the default `cdk deploy`: environment-agnostic)",
        shown="the hub's region",
    )
    included_accounts: Sequence[str] = setting(
        (),
        matching(ACCOUNT, "a 12-digit account id"),
        "with `organizationId`: only these accounts' events are notified; the filter is in the hub's rules",
        shown="all",
    )
    excluded_accounts: Sequence[str] = setting(
        (),
        matching(ACCOUNT, "a 12-digit account id"),
        "with `organizationId`: these accounts' events are not notified (their events still reach the hub's bus: "
        "the hub's rules drop them). Not together with `includedAccounts`",
    )
    delegated_administrator: bool = setting(
        False,
        boolean,
        "with `organizationId`: `true` when the hub account is a delegated administrator for StackSets rather than "
        "the management account (the StackSet is then created with `CallAs: DELEGATED_ADMIN`)",
    )

    routes: Sequence[Route] = setting(
        (),
        routes,
        "the routes file (YAML, or JSON): each team's messages to its own destinations (see Routes); "
        "this repository's app reads `routes.yaml` (or `routes.yml`, `routes.json`: one of them) when it exists",
        shown="`routes.yaml` if present",
    )
    calendars: Mapping[str, str] = setting(
        MappingProxyType({}),
        calendars,
        "Change Calendars deployed with the notifier and monitored: document name -> iCalendar text "
        "(this repository's app reads calendars/*.ics)",
        context=False,
    )

    def __post_init__(self) -> None:
        for spec in fields(self):
            try:
                object.__setattr__(self, spec.name, spec.metadata["check"](getattr(self, spec.name)))
            except Problem as problem:
                raise SettingsError(f"{spec.name}: {problem}") from None
        if not self.alarm_emails:
            object.__setattr__(self, "alarm_emails", self.notification_emails)
        check_together(self)

    @property
    def quiet_minutes(self) -> tuple[tuple[str, int], ...]:
        """The quiet period of each operation kind that ends without a final event."""
        return tuple((kind, getattr(self, f"{kind.replace('-', '_')}_quiet_minutes")) for kind in QUIET_KINDS)
