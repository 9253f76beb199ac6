"""The stand-ins the local tools run the stack on: moto server, DynamoDB Local, the SSM calendars and reads.

``stand_ins`` starts each one (or uses the endpoints given), says on `log` which serves what, and
yields the endpoint of every service the functions call, plus the names of the calendars served.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tools import REPO_ROOT, repo_relative
from tools.harness.calendar_service import calendar_service
from tools.harness.read_fixtures import FIXTURE_GLOB
from tools.harness.services import dynamodb_local, dynamodb_local_available, moto_process, port_answers

# Change Calendars as code (deployed and monitored); served to every local run.
CALENDARS_DIR = REPO_ROOT / "calendars"
# What --keep left running (moto and DynamoDB Local), for the next local run to reuse (python -m tools.sam).
KEPT_FILE = REPO_ROOT / "cdk.out.local" / "stand-ins.json"
# The sample events, and beside them the *.reads.json answers to the SSM and EC2 reads that
# explain their failures (tools/harness/read_fixtures.py): moto implements none of those reads.
EVENTS_DIR = REPO_ROOT / "events"


@contextlib.contextmanager
def stand_ins(
    log: Any,
    endpoint: str | None = None,
    dynamodb_endpoint: str | None = None,
    keep: bool = False,
    calendars: Path | None = None,
    reads: tuple[Path, ...] = (),
) -> Iterator[dict[str, str]]:
    """Endpoints of running stand-ins, started here unless `endpoint` (moto) and `dynamodb_endpoint` name them.

    `calendars`: a folder of <DocumentName>.ics served besides calendars/; `keep` leaves what was
    started here running and prints how to reuse it.
    """
    with contextlib.ExitStack() as stack:
        moto = endpoint or stack.enter_context(moto_process(keep=keep))
        if dynamodb_endpoint:
            dynamodb, which = dynamodb_endpoint, "given endpoint"
        elif endpoint:
            dynamodb, which = endpoint, "moto (given endpoint)"
        elif dynamodb_local_available():
            log_path = REPO_ROOT / "cdk.out.local" / f"dynamodb-local-{os.getpid()}.log"
            dynamodb, which = stack.enter_context(dynamodb_local(log_path, keep=keep)).endpoint_url, "DynamoDB Local"
        else:
            dynamodb, which = moto, "moto (no Java or DynamoDB Local jar found)"
        folders = [CALENDARS_DIR, *([calendars] if calendars else [])]
        # The reads fixtures of events/, and of the other folders replayed (tools.replay).
        fixtures = [EVENTS_DIR, *reads]
        ssm, served = stack.enter_context(calendar_service(folders, fixtures=fixtures))
        print(
            f"stand-ins: moto server at {moto} for SNS, SQS, EventBridge and Secrets Manager; "
            f"DynamoDB: {which} at {dynamodb}; "
            f"SSM calendars ({', '.join(served.names())}) served from {', '.join(map(repo_relative, folders))}; "
            f"SSM and EC2 reads served from {', '.join(repo_relative(f) for f in fixtures)}/{FIXTURE_GLOB} "
            f"({len(served.reads)} fixtures in {len(served.reads.files)} files)",
            file=log,
        )
        if keep:
            print(f"kept running: --endpoint {moto} --dynamodb-endpoint {dynamodb}", file=log)
            KEPT_FILE.parent.mkdir(parents=True, exist_ok=True)
            KEPT_FILE.write_text(json.dumps({"moto": moto, "dynamodb": dynamodb}) + "\n")
        yield {
            "sns": moto,
            "sqs": moto,
            "ssm": ssm,
            "ec2": ssm,  # the same server: it tells EC2's query protocol from SSM's JSON
            "events": moto,
            "secretsmanager": moto,  # the secrets routes name (tools.harness.route_stand_ins)
            "dynamodb": dynamodb,
            "calendars": ",".join(served.names()),
        }


def kept_stand_ins() -> tuple[str, str] | None:
    """(moto, DynamoDB) that an earlier run with --keep left running, when both still answer."""
    try:
        kept = json.loads(KEPT_FILE.read_text())
        urls = (str(kept["moto"]), str(kept["dynamodb"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    for url in urls:
        host, _, port = url.split("://", 1)[-1].partition(":")
        if not port.isdigit() or not port_answers(host, int(port)):
            return None
    return urls
