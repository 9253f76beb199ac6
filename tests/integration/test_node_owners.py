"""Routes by owner for a message about one node, at run time: the event function reads the node's tags
(EC2 DescribeTags, SSM ListTagsForResource, in moto) and names the routes by tags they match in the
message's `owner_routes` attribute, which the routes' queues filter on; a node whose tags cannot be read
is named in the message, which the routes by tags then do not get."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from tools.harness.handler_loader import LambdaHandler
from tools.harness.samples import load
from tools.harness.subscribers import Subscribers, sqs_attributes

BuildHandler = Callable[[str], LambdaHandler]
OWNERS = {"web-owners": {"Team": ["web"]}, "db-owners": {"Team": ["db"], "Env": ["prod"]}}


@pytest.fixture
def owned(monkeypatch: pytest.MonkeyPatch, aws_env: None, moto_endpoint: str) -> dict[str, str]:
    """Three instances in moto's EC2: the web team's, the production database's, and an untagged one."""
    monkeypatch.setenv("ROUTE_OWNER_TAGS", json.dumps(OWNERS))
    for service in ("EC2", "SSM"):  # where the tags are read
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", moto_endpoint)
    ec2 = boto3.client("ec2")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ids = [i["InstanceId"] for i in ec2.run_instances(ImageId=image, MinCount=3, MaxCount=3)["Instances"]]
    tags = {ids[0]: {"Team": "web"}, ids[1]: {"Team": "db", "Env": "prod"}}
    for instance, pairs in tags.items():
        ec2.create_tags(Resources=[instance], Tags=[{"Key": k, "Value": v} for k, v in pairs.items()])
    return {"web": ids[0], "db": ids[1], "untagged": ids[2]}


def _published(
    handler: LambdaHandler, event: dict[str, Any], context: LambdaContext, subscribers: Subscribers, drain: Any
) -> Any:
    handler(event, context)
    (message,) = drain(subscribers.raw_queue_url)
    return sqs_attributes(message), json.loads(message["Body"])


@pytest.mark.parametrize(("node", "routes"), [("web", ["web-owners"]), ("db", ["db-owners"]), ("untagged", None)])
def test_an_inventory_message_about_an_instance_names_its_owners_routes(
    node: str,
    routes: list[str] | None,
    owned: dict[str, str],
    build_handler: BuildHandler,
    lambda_context: LambdaContext,
    subscribers: Subscribers,
    drain: Any,
) -> None:
    event = load("inventory/custom-type-deleted")
    event["detail"]["resource-id"] = owned[node]
    attributes, document = _published(build_handler("systems-manager"), event, lambda_context, subscribers, drain)
    assert document["fields"]["resource_id"] == owned[node]
    if routes is None:
        assert "owner_routes" not in attributes  # nobody's: only the routes that do not match on tags
    else:
        assert json.loads(attributes["owner_routes"]) == routes
    assert "could not be read" not in document["text"]


@pytest.mark.parametrize(
    ("function", "sample", "field"),
    [
        ("run-command", "run-command/invocation-success", "instance-id"),
        ("systems-manager", "state-manager/instance-association-success", "instance-id"),
        ("systems-manager", "compliance/patch-compliant", "resource-id"),
    ],
)
def test_with_a_message_per_instance_a_command_association_or_compliance_result_names_its_owners_routes(
    function: str,
    sample: str,
    field: str,
    owned: dict[str, str],
    build_handler: BuildHandler,
    lambda_context: LambdaContext,
    subscribers: Subscribers,
    drain: Any,
) -> None:
    """perInstanceNotifications=each: the rules hand these item events to the family's function itself."""
    event = load(sample)
    event["detail"][field] = owned["db"]
    event["region"] = boto3.client("ec2").meta.region_name  # where moto's instances are
    attributes, document = _published(build_handler(function), event, lambda_context, subscribers, drain)
    assert owned["db"] in json.dumps(document["fields"])
    assert json.loads(attributes["owner_routes"]) == ["db-owners"]


def test_a_managed_node_whose_tags_cannot_be_read_is_said_in_the_message_and_goes_to_no_route_by_tags(
    owned: dict[str, str],
    build_handler: BuildHandler,
    lambda_context: LambdaContext,
    subscribers: Subscribers,
    drain: Any,
) -> None:
    event = load("managed-nodes/registration")  # mi-0f1e2d3c4b5a69788: moto knows no such managed node
    attributes, document = _published(build_handler("systems-manager"), event, lambda_context, subscribers, drain)
    assert "owner_routes" not in attributes
    node = document["fields"]["instance_id"]
    assert document["ownerTagsUnread"]["instances"] == [node]
    assert f"\n\nThe tags of {node} could not be read (" in document["text"]
    assert document["text"].endswith("): the routes by owner did not get this message.")


def test_a_message_about_no_node_reads_no_tags(
    owned: dict[str, str],
    build_handler: BuildHandler,
    lambda_context: LambdaContext,
    subscribers: Subscribers,
    drain: Any,
) -> None:
    attributes, document = _published(
        build_handler("systems-manager"), load("parameter-store/update"), lambda_context, subscribers, drain
    )
    assert "owner_routes" not in attributes and "ownerTagsUnread" not in document
