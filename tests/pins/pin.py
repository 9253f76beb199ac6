"""What users see and what a deployed stack keeps, pinned before a refactor (python -m tests.pins.pin --write).

- every sample's notification (subject, e-mail text, JSON document, attributes, the SNS message) and
  the digests of fixed fleet-wide operations: `notifications.json`;
- the CloudFormation logical IDs of the stateful resources (tables, topics, keys, calendar
  documents, queues, log groups): `stateful_ids.json`. A stack deployed from an earlier main
  updates in place only while these stay.

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
    print(f"wrote {NOTIFICATIONS.name} and {STATEFUL_IDS.name}")


if __name__ == "__main__":
    main()
