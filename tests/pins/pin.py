"""What users see and what a deployed stack keeps, pinned before a refactor (python -m tests.pins.pin --write).

- every sample's notification (subject, e-mail text, JSON document, attributes, the SNS message) and
  the digests of fixed fleet-wide operations: `notifications.json`;
- the CloudFormation logical IDs of the stateful resources (tables, topics, keys, calendar
  documents, queues, log groups): `stateful_ids.json`. A stack deployed from an earlier main
  updates in place only while these stay;
- every resource's logical ID in a few configurations, the organization's member stack too:
  `logical_ids.json`. A refactor keeps them all (a changed ID replaces the resource).

The tests in this folder compare against the files; `--write` rewrites them, for a change that
means to alter what users see (say so in its commit).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

PINS = Path(__file__).resolve().parent
NOTIFICATIONS = PINS / "notifications.json"
STATEFUL_IDS = PINS / "stateful_ids.json"
LOGICAL_IDS = PINS / "logical_ids.json"
# The configurations whose every resource keeps its logical ID: name -> CDK context (the member stack
# is the one the organization configuration's StackSet deploys).
CONFIGURATIONS: dict[str, dict[str, str]] = {
    "default": {},
    "everything": {
        "enabledFamilies": "all,api-audit",
        "monitoredCalendars": "SampleChangeCalendar,MyCalendar",
        "slackChannels": "T00000000:C00000000",
        "teamsChannels": "11111111-2222-3333-4444-555555555555:66666666-7777-8888-9999-000000000000:"
        "19%3aabc%40thread.tacv2",
        "createTrail": "true",
        "notificationEmails": "ops@example.com",
        "alarmEmails": "oncall@example.com",
    },
    "each": {"perInstanceNotifications": "each", "enabledFamilies": "all,api-audit"},
    "organization": {
        "organizationId": "o-abc123defg",
        "memberOrganizationalUnits": "ou-ab12-34567890,r-ab12",
        "memberRegions": "eu-west-1,us-east-1",
        "enabledFamilies": "all,api-audit",
        "monitoredCalendars": "SampleChangeCalendar,MyCalendar",
        "excludedAccounts": "222222222222",
    },
}
STATEFUL_TYPES = (
    "AWS::DynamoDB::Table",
    "AWS::SNS::Topic",
    "AWS::KMS::Key",
    "AWS::SSM::Document",
    "AWS::SQS::Queue",
    "AWS::Logs::LogGroup",
)


def stateful_ids(template: dict[str, Any]) -> dict[str, list[str]]:
    """Resource type -> sorted logical IDs, for the stateful types."""
    found: dict[str, list[str]] = {kind: [] for kind in STATEFUL_TYPES}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] in found:
            found[resource["Type"]].append(logical_id)
    return {kind: sorted(ids) for kind, ids in found.items()}


def logical_ids(template: dict[str, Any]) -> dict[str, str]:
    """Every resource's logical ID -> its type."""
    return {logical_id: resource["Type"] for logical_id, resource in sorted(template["Resources"].items())}


def every_logical_id() -> dict[str, dict[str, str]]:
    """Each configuration's resources (and the member stack's), as `logical_ids` gives them."""
    from tests.infra.conftest import synthesize_app

    found = {}
    for name, context in CONFIGURATIONS.items():
        for stack_name, template in synthesize_app(**context).items():
            found[name if stack_name == "hub" else f"{name}/{stack_name}"] = logical_ids(template)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the pinned files from the current code")
    args = parser.parse_args()
    if not args.write:
        parser.error("nothing to do without --write (pytest compares)")
    from tests.infra.conftest import synthesize
    from tests.pins.notifications import all_notifications

    NOTIFICATIONS.write_text(json.dumps(all_notifications(), indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    STATEFUL_IDS.write_text(json.dumps(stateful_ids(synthesize()), indent=1) + "\n")
    LOGICAL_IDS.write_text(json.dumps(every_logical_id(), indent=1) + "\n")
    print(f"wrote {NOTIFICATIONS.name}, {STATEFUL_IDS.name} and {LOGICAL_IDS.name}")


if __name__ == "__main__":
    main()
