"""cdk-nag AwsSolutions, Serverless and NIST 800-53 R5 over the app as `make synth` builds it (app.build):
no unacknowledged finding in the single-account stack, with chat channels and e-mail subscribers, and in
organization mode (the hub and the member stack of the "Members" stage); every acknowledgement says why.

Each synth runs the three packs (about 10 s on 2 cores), the layer unbundled as in tests/infra/conftest.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs

from app import build
from ssm_event_notifier.nag import ACCEPTED, PACKS
from tests.infra.test_chat import TEAMS

CDK_JSON = Path(__file__).resolve().parents[2] / "cdk.json"
CONTEXTS: dict[str, dict[str, str]] = {
    "default": {},
    "chat and e-mail": {
        "slackChannels": "T00000000:C00000000",
        "teamsChannels": TEAMS,
        "notificationEmails": "ops@example.com",
        "alarmEmails": "oncall@example.com",
    },
    "organization": {
        "organizationId": "o-abc123defg",
        "memberOrganizationalUnits": "ou-ab12-34567890",
        "memberRegions": "eu-west-1,us-east-1",
    },
    # An account whose Lambda quota cannot set the reserved concurrency aside: acknowledged, with its reason.
    "no reserved concurrency": {"reservedConcurrency": "false"},
    # The trail for the API audit and calendar edits, with its buckets and key (infra/trail.py).
    "trail": {"createTrail": "true", "enabledFamilies": "all,api-audit"},
    # Routes: e-mail, a topic of a route's own, a webhook, PagerDuty and a Slack and a Teams channel, each
    # relayed from its own queue.
    "routes": {"routes": str(Path(__file__).resolve().parents[1] / "fixtures" / "routes_relayed.json")},
}


def _app(outdir: Path, context: dict[str, str]) -> cdk.App:
    base: dict[str, Any] = json.loads(CDK_JSON.read_text())["context"]
    return cdk.App(outdir=str(outdir), context={**base, "aws:cdk:bundling-stacks": [], **context})


def _findings(app: cdk.App, outdir: Path) -> list[str]:
    """'<rule> <construct path>' for every unacknowledged finding of every pack."""
    try:
        app.synth()
    except RuntimeError as error:  # jsii's wrapper of the synth's ValidationError
        assert "ValidationFailed" in str(error), error
    report = json.loads((outdir / "validation-report.json").read_text())
    return sorted(
        f"{violation['ruleName']} {construct['constructPath']}"
        for plugin in report["pluginReports"]
        for violation in plugin.get("violations", [])
        for construct in violation.get("violatingConstructs", [])
    )


@pytest.mark.parametrize("name", CONTEXTS)
def test_every_rule_pack_finds_nothing_unacknowledged(name: str, tmp_path: Path) -> None:
    app = _app(tmp_path, CONTEXTS[name])
    # A probe in a stage of its own, built before the acknowledgements: a queue that is nobody's dead-letter
    # queue and a log group of no function. Nothing may acknowledge them, and each pack must see them.
    probe = cdk.Stack(cdk.Stage(app, "Probe"), "Probe")
    sqs.Queue(probe, "Queue")
    logs.LogGroup(probe, "Logs")
    hub = build(app)
    assert bool(hub.hub) == (name == "organization")  # the member stage is checked too

    findings = _findings(app, tmp_path)

    assert [f for f in findings if not f.split()[1].startswith("Probe/")] == []
    rules = {f.split()[0] for f in findings}
    assert {rule.split("-")[0] for rule in rules} == set(PACKS)
    assert {"AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy", "NIST.800.53.R5-CloudWatchLogGroupEncrypted"} <= rules


def test_every_acknowledged_rule_belongs_to_a_pack_and_says_why() -> None:
    for rule, reason in ACCEPTED.items():
        assert rule.split("-")[0] in PACKS, rule
        assert len(reason.split()) >= 30, (rule, reason)
