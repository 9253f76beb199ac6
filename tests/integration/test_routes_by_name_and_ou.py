"""Routes by name and by organizational unit on a real (moto server) SNS topic: each route's
subscription, with the filter policy the synthesized template gives it, receives exactly the messages
whose `name` it admits (a prefix, a suffix), or whose account lies under its OU, as the notification
function itself read the account's OUs from Organizations (moto's: an organization, OUs and accounts
made here); a failed read leaves the attribute out, and only the routes without an OU get the message."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from notifier.core.models import parse_event
from notifier.core.render import Notification, render
from notifier.delivery.publisher import Publisher
from notifier.fleet.digest_messages import render_digest
from notifier.fleet.summaries import ItemState, summarize
from notifier.organization.accounts import FAILURE_SECONDS, AccountNames
from tests.infra.conftest import synthesize
from tests.unit.test_operation_kinds import NOW, record
from tools.harness.endpoints import NOWHERE
from tools.harness.handler_loader import LambdaHandler
from tools.harness.samples import load
from tools.harness.sdk_hooks import Calls
from tools.harness.subscribers import Subscribers, subscribe_for_emails
from tools.harness.tables import unique_name

Drain = Callable[[str], list[dict[str, Any]]]
NOT_A_MEMBER = "210987654321"  # an account outside the organization: its OUs cannot be read
HUB = {"organizationId": "o-abc123defg", "memberOrganizationalUnits": "r-ab12", "memberRegions": "us-east-1"}


def _routes_file(tmp_path: Path, matches: dict[str, dict[str, list[str]]]) -> str:
    """A routes file: route -> its match, each to <route>@example.com, and a catch-all to all@example.com."""
    routes = [
        {"name": name, "match": match, "to": [{"email": f"{name}@example.com"}]} for name, match in matches.items()
    ]
    routes.append({"name": "everything", "match": {}, "to": [{"email": "all@example.com"}]})
    path = tmp_path / "routes.json"
    path.write_text(json.dumps({"routes": routes}))
    return str(path)


def _received(queues: dict[str, str], drain: Drain, label: Callable[[dict[str, Any]], str]) -> dict[str, list[str]]:
    """Each address's local part (the route's name; `all`: the catch-all's) -> the labels of the
    documents its subscription received."""
    return {
        address.split("@")[0]: sorted(label(json.loads(m["Body"])) for m in drain(url))
        for address, url in queues.items()
    }


def _command(document: str) -> dict[str, Any]:
    raw = load("run-command/command-failed")
    raw["detail"]["document-name"] = document
    return raw


def _shell_digest() -> Notification:
    shell = record("command", "run-command", "Failed", command_id="c-1", document_name="AWS-RunShellScript")
    return render_digest(summarize(shell, [ItemState("i-0abc", "Failed", "2026-03-02T10:05:00Z")], [], NOW))


def test_a_route_by_name_receives_the_messages_of_the_names_it_matches(
    tmp_path: Path, sns: Any, sqs: Any, drain: Drain
) -> None:
    routes = _routes_file(
        tmp_path, {"run-scripts": {"names": ["AWS-Run*"]}, "baselines": {"names": ["*PatchBaseline"]}}
    )
    topic_arn = sns.create_topic(Name=unique_name("routes-by-name"))["TopicArn"]
    queues = subscribe_for_emails(sns, sqs, topic_arn, synthesize(routes=routes))
    raws = {
        "shell command": load("run-command/command-failed"),  # AWS-RunShellScript
        "shell invocation": load("run-command/invocation-failed"),  # AWS-RunShellScript
        "patch command": _command("AWS-ApplyPatchBaseline"),
        "look-alike command": _command("Team-AWS-RunShellScript"),  # AWS-Run within, not at the start
        "parameter": load("parameter-store/create"),  # MyExampleParameter
        "inventory": load("inventory/custom-type-deleted"),  # names nothing
    }
    notifications = {label: render(parse_event(raw), raw) for label, raw in raws.items()}
    notifications["shell digest"] = _shell_digest()
    by_subject = {n.subject: label for label, n in notifications.items()}
    assert len(by_subject) == len(notifications)  # each told apart by its subject
    for notification in notifications.values():
        Publisher(sns, topic_arn).publish(notification)

    received = _received(queues, drain, lambda document: by_subject[document["subject"]])
    assert received == {
        "run-scripts": ["shell command", "shell digest", "shell invocation"],
        "baselines": ["patch command"],
        "all": sorted(notifications),
    }


class Organization:
    """An organization in moto: root > workloads > prod, root > sandbox; an account in prod, one in
    sandbox, and the management account (the caller, 123456789012) under the root."""

    def __init__(self, organizations: Any) -> None:
        self.root = organizations.list_roots()["Roots"][0]["Id"]
        self.workloads = self._unit(organizations, self.root, "workloads")
        self.prod = self._unit(organizations, self.workloads, "prod")
        self.sandbox = self._unit(organizations, self.root, "sandbox")
        self.in_prod = self._account(organizations, self.prod, "web-prod")
        self.in_sandbox = self._account(organizations, self.sandbox, "play")
        self.management = "123456789012"

    @staticmethod
    def _unit(organizations: Any, parent: str, name: str) -> str:
        made = organizations.create_organizational_unit(ParentId=parent, Name=unique_name(name))
        return str(made["OrganizationalUnit"]["Id"])

    def _account(self, organizations: Any, parent: str, name: str) -> str:
        name = unique_name(name)
        request = organizations.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
        status = organizations.describe_create_account_status(CreateAccountRequestId=request["Id"])
        account = str(status["CreateAccountStatus"]["AccountId"])
        organizations.move_account(AccountId=account, SourceParentId=self.root, DestinationParentId=parent)
        return account


@pytest.fixture
def org(organization: Any) -> Organization:
    return Organization(organization)


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, aws_env: None) -> None:
    monkeypatch.setenv("ORGANIZATION_ID", HUB["organizationId"])
    monkeypatch.setenv("HUB_ACCOUNT", "123456789012")


def test_a_route_by_ou_receives_the_messages_of_the_accounts_under_it(
    tmp_path: Path,
    hub: None,
    org: Organization,
    sns: Any,
    sqs: Any,
    build_handler: Callable[[str], LambdaHandler],
    lambda_context: LambdaContext,
    subscribers: Subscribers,
    drain: Drain,
) -> None:
    matches = {
        "workloads": {"organizationalUnits": [org.workloads]},  # an OU above the account's own
        "sandbox": {"organizationalUnits": [org.sandbox]},
        "organization": {"organizationalUnits": [org.root]},
    }
    template = synthesize(routes=_routes_file(tmp_path, matches), **HUB)
    queues = subscribe_for_emails(sns, sqs, subscribers.topic_arn, template)
    handler = build_handler("systems-manager")  # the notification function, which reads the OUs itself
    accounts = {org.in_prod: "prod", org.in_sandbox: "sandbox", org.management: "management", NOT_A_MEMBER: "outside"}
    for account in accounts:
        handler({**load("parameter-store/update"), "account": account}, lambda_context)

    received = _received(queues, drain, lambda document: accounts[document["account"]])
    assert received == {
        "workloads": ["prod"],
        "sandbox": ["sandbox"],
        "organization": ["management", "prod", "sandbox"],
        "all": ["management", "outside", "prod", "sandbox"],  # the read failed: no OUs, no route by OU
    }
    # As SNS delivers it: a String.Array, the account's OU first, the root last.
    units = {
        accounts[json.loads(m["Body"])["account"]]: m["MessageAttributes"].get("organizational_units")
        for m in drain(subscribers.raw_queue_url)
    }
    assert units["prod"] == {"DataType": "String.Array", "StringValue": json.dumps([org.prod, org.workloads, org.root])}
    assert units["outside"] is None


def test_the_ous_are_read_once_per_ou_and_a_failure_is_logged_and_not_repeated_for_a_while(
    org: Organization, caplog: pytest.LogCaptureFixture
) -> None:
    organizations = boto3.client("organizations")
    calls = Calls()
    calls.attach(organizations)
    now = [0.0]
    reader = AccountNames(organizations, clock=lambda: now[0])

    assert reader.organizational_units_of(org.in_prod) == (org.prod, org.workloads, org.root)
    assert calls.counts["organizations.ListParents"] == 3  # the account, prod, workloads
    assert reader.organizational_units_of(org.in_prod) == (org.prod, org.workloads, org.root)
    assert reader.organizational_units_of(org.in_sandbox) == (org.sandbox, org.root)
    assert calls.counts["organizations.ListParents"] == 5  # cached: only the sandbox account and its OU more

    with caplog.at_level(logging.WARNING, logger="notifier.organization.accounts"):
        assert reader.organizational_units_of(NOT_A_MEMBER) is None
        assert reader.organizational_units_of(NOT_A_MEMBER) is None  # remembered: not asked again
    assert calls.counts["organizations.ListParents"] == 6
    assert [r.getMessage() for r in caplog.records if r.name == "notifier.organization.accounts"] == [
        f"organizational units of {NOT_A_MEMBER} not read (a route by OU does not match): An error occurred "
        "(AccountNotFoundException) when calling the ListParents operation: You specified an account that "
        "doesn't exist."
    ]
    now[0] += FAILURE_SECONDS + 1
    assert reader.organizational_units_of(NOT_A_MEMBER) is None
    assert calls.counts["organizations.ListParents"] == 7  # asked again once the failure is old

    unreachable = boto3.client("organizations", endpoint_url=NOWHERE, config=Config(retries={"total_max_attempts": 1}))
    origin = AccountNames(unreachable).origin(org.in_prod)
    assert (origin.account_name, origin.organizational_units) == (None, None)  # the message still goes out
