"""Fixtures of the integration tests: DynamoDB Local + moto server, fresh resources per test.

Session: one DynamoDB Local process and one moto server. Per test: the environment a
deployed function has (pointing at those services), a fresh idempotency table, a fresh
topic with a raw-delivery queue and an envelope queue, and a factory for the handler
under test (loaded after the environment is set, as Lambda loads it: its module reads it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from tools.harness.context import fake_context
from tools.harness.endpoints import ENVIRONMENT_CLEARED, local_aws_environment
from tools.harness.handler_loader import LambdaHandler, load_handler
from tools.harness.services import DynamoDBLocal, LocalServiceError, moto_server, start_dynamodb_local
from tools.harness.subscribers import Subscribers, create_topic_with_queues, delete_topic_with_queues, drain_queue
from tools.harness.tables import create_idempotency_table, unique_name


@pytest.fixture(scope="session")
def dynamodb_local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DynamoDBLocal]:
    log_path = Path(tmp_path_factory.mktemp("dynamodb-local")) / "dynamodb-local.log"
    try:
        server = start_dynamodb_local(log_path)
    except LocalServiceError as error:
        # Not a skip: `make test` installs java and the jar, so their absence is a broken setup.
        pytest.fail(f"cannot start DynamoDB Local: {error}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, dynamodb_local: DynamoDBLocal, moto_endpoint: str) -> None:
    """Fake credentials, us-east-1, and every endpoint pointed at the local services."""
    for name in ENVIRONMENT_CLEARED:
        monkeypatch.delenv(name, raising=False)
    for name, value in local_aws_environment(dynamodb_local.endpoint_url, moto_endpoint).items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def dynamodb(aws_env: None) -> Any:
    return boto3.client("dynamodb")


@pytest.fixture
def sns(aws_env: None) -> Any:
    return boto3.client("sns")


@pytest.fixture
def sqs(aws_env: None) -> Any:
    return boto3.client("sqs")


@pytest.fixture
def idempotency_table(monkeypatch: pytest.MonkeyPatch, dynamodb: Any) -> Iterator[str]:
    """A fresh idempotency table, named in IDEMPOTENCY_TABLE_NAME."""
    name = create_idempotency_table(dynamodb, unique_name("idempotency"))
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", name)
    yield name
    dynamodb.delete_table(TableName=name)


@pytest.fixture
def subscribers(monkeypatch: pytest.MonkeyPatch, sns: Any, sqs: Any) -> Iterator[Subscribers]:
    """A fresh topic, named in NOTIFICATION_TOPIC_ARN, with a raw and an envelope SQS subscriber."""
    created = create_topic_with_queues(sns, sqs)
    monkeypatch.setenv("NOTIFICATION_TOPIC_ARN", created.topic_arn)
    yield created
    delete_topic_with_queues(sns, sqs, created)


@pytest.fixture
def drain(sqs: Any) -> Callable[[str], list[dict[str, Any]]]:
    """drain(queue_url) -> every message now in the queue (received with all attributes, deleted)."""

    def _drain(queue_url: str) -> list[dict[str, Any]]:
        return drain_queue(sqs, queue_url)

    return _drain


@pytest.fixture
def organization(aws_env: None) -> Iterator[Any]:
    """An Organizations client whose organization (in moto) belongs to this test alone: made here, and its
    accounts removed and it deleted after, because a test of the same moto server that expects no
    organization (an account named by its id) would otherwise find this one."""
    organizations = boto3.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    try:
        yield organizations
    finally:
        management = organizations.describe_organization()["Organization"]["MasterAccountId"]
        for page in organizations.get_paginator("list_accounts").paginate():
            for account in page["Accounts"]:
                if account["Id"] != management:
                    organizations.remove_account_from_organization(AccountId=account["Id"])
        organizations.delete_organization()  # its units go with it


@pytest.fixture
def lambda_context() -> LambdaContext:
    return fake_context()


@pytest.fixture
def build_handler(aws_env: None, idempotency_table: str, subscribers: Subscribers) -> Callable[[str], LambdaHandler]:
    """build_handler(function) -> the handler of that catalog function, wired to this test's table and topic."""

    def _build(function: str) -> LambdaHandler:
        return load_handler(function)

    return _build
