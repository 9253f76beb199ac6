"""Organization mode (the hub) at run time, against DynamoDB Local and moto: one record per account
and region, the account named by Organizations (or by its id when that read fails), a member's
calendar read through the role its member stack made (STS in moto)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier.organization.accounts import AccountNames
from notifier.organization.member_clients import MemberClients
from tools.harness.handler_loader import LambdaHandler
from tools.harness.samples import load
from tools.harness.subscribers import Subscribers

OTHER_ACCOUNT = "210987654321"
BuildHandler = Callable[[str], LambdaHandler]
Drain = Callable[[str], list[dict[str, Any]]]


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, aws_env: None) -> None:
    monkeypatch.setenv("ORGANIZATION_ID", "o-abc123defg")
    monkeypatch.setenv("CALENDAR_READER_ROLE", "SsmEventNotifierCalendarReader")
    monkeypatch.setenv("HUB_ACCOUNT", "123456789012")


def _subjects(subscribers: Subscribers, drain: Drain) -> list[str]:
    return [json.loads(m["Body"])["subject"] for m in drain(subscribers.raw_queue_url)]


def test_the_same_event_from_two_accounts_is_two_notifications_naming_each_account(
    hub: None,
    build_handler: BuildHandler,
    lambda_context: LambdaContext,
    subscribers: Subscribers,
    drain: Drain,
) -> None:
    handler = build_handler("systems-manager")
    event = load("parameter-store/update")
    handler(event, lambda_context)
    handler({**event, "account": OTHER_ACCOUNT}, lambda_context)
    handler({**event, "account": OTHER_ACCOUNT}, lambda_context)  # a redelivery: nothing more

    documents = [json.loads(m["Body"]) for m in drain(subscribers.raw_queue_url)]
    # moto's Organizations has no such accounts: each is named by its id, in the subject and the body.
    assert sorted(d["subject"] for d in documents) == [
        f"[INFO] Parameter MyExampleParameter Update ({account}, us-east-2)"
        for account in sorted((event["account"], OTHER_ACCOUNT))
    ]
    for document in documents:
        (line,) = [line for line in document["text"].split("\n") if line.startswith("Account:")]
        assert line.split() == ["Account:", document["account"]] and "accountName" not in document


def test_a_single_account_stack_keeps_its_subjects_and_its_dedupe_by_event(
    build_handler: BuildHandler, lambda_context: LambdaContext, subscribers: Subscribers, drain: Drain
) -> None:
    handler = build_handler("systems-manager")
    event = load("parameter-store/update")
    handler(event, lambda_context)
    handler({**event, "account": OTHER_ACCOUNT}, lambda_context)  # same id, type and detail: a duplicate

    assert _subjects(subscribers, drain) == ["[INFO] Parameter MyExampleParameter Update (us-east-2)"]


def test_without_an_organization_an_account_has_no_name_and_no_error(aws_env: None) -> None:
    assert AccountNames(boto3.client("organizations")).name_of("999999999999") is None  # no organization: no error


def test_account_names_come_from_organizations(organization: Any) -> None:
    organizations = organization
    assert AccountNames(organizations).name_of("999999999999") is None  # not a member: the id alone, no error
    created = organizations.create_account(AccountName="prod-web", Email="prod-web@example.com")
    account = organizations.describe_create_account_status(CreateAccountRequestId=created["CreateAccountStatus"]["Id"])[
        "CreateAccountStatus"
    ]["AccountId"]
    fresh = AccountNames(organizations)
    assert fresh.name_of(account) == "prod-web"
    assert fresh.origin(account).account_text(account) == f"{account} (prod-web)"


def test_a_member_calendar_is_read_through_its_reader_role(aws_env: None) -> None:
    clients = MemberClients(boto3.client("sts"), "SsmEventNotifierCalendarReader", hub_account="123456789012")
    member = clients.client("sts", OTHER_ACCOUNT, "eu-west-1")
    identity = member.get_caller_identity()
    assert identity["Account"] == OTHER_ACCOUNT
    assert ":assumed-role/SsmEventNotifierCalendarReader/" in identity["Arn"]
    assert clients.client("sts", OTHER_ACCOUNT, "eu-west-1") is member  # credentials kept until they expire
    assert clients.client("sts", "123456789012", "eu-west-1").get_caller_identity()["Account"] == "123456789012"


def test_a_member_calendar_that_cannot_be_read_leaves_the_notification_saying_why(
    hub: None,
    monkeypatch: pytest.MonkeyPatch,
    build_handler: BuildHandler,
    lambda_context: LambdaContext,
    subscribers: Subscribers,
    drain: Drain,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")  # the member's role cannot be assumed
    handler = build_handler("calendar")
    handler({**load("calendar/closed"), "account": OTHER_ACCOUNT}, lambda_context)

    (message,) = drain(subscribers.raw_queue_url)
    document = json.loads(message["Body"])
    assert document["subject"] == f"[INFO] Change Calendar MyCalendar is now CLOSED ({OTHER_ACCOUNT}, us-east-2)"
    assert document["calendar"]["unavailable"].startswith("EndpointConnectionError: ")
    assert "\nWhy: explanation unavailable: EndpointConnectionError: " in document["text"]
