"""Routes by owner on the local stand-ins: the digest sweeper's split reads the instances' tags from
EC2 (moto), the one message carries each route by tags' view and names those routes in its
`owner_routes` attribute, SNS (moto) delivers it to exactly those routes' queues, and each gets a view
naming only its owners' instances."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config

from notifier.core.envelopes import notification_of
from notifier.delivery.publisher import Publisher
from notifier.fleet.owner_digests import OwnerSplit
from notifier.fleet.summaries import ItemState, OperationRecord, summarize
from notifier.owners import instance_tags
from notifier.owners.instance_tags import InstanceTags
from notifier.owners.views import OWNERS_KEY, UNREAD_KEY, OwnerRoute, owner_view
from tools.harness.tables import unique_name

REGION = "eu-west-1"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ROUTES = (OwnerRoute("web-owners", {"Team": ("web",)}), OwnerRoute("db-owners", {"Team": ("db", "data")}))


def _ids(prefix: str, count: int) -> list[str]:
    return [f"i-0{prefix}{n:014x}" for n in range(count)]


WEB, DB, NOBODY = _ids("a", 120), _ids("b", 80), _ids("c", 5)


def _record() -> OperationRecord:
    return OperationRecord(
        operation="command#c-owners",
        kind="command",
        family="run-command",
        region=REGION,
        account="123456789012",
        fields={"command_id": "c-owners", "document_name": "AWS-RunPatchBaseline"},
        final_status="Failed",
        final_time="2026-03-02T10:07:30Z",
    )


def _items() -> list[ItemState]:
    failed = set(WEB[:3])
    return [
        ItemState(key, "Failed" if key in failed else "Success", "2026-03-02T10:05:00Z") for key in WEB + DB + NOBODY
    ]


@pytest.fixture
def tagged(aws_env: None, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_EC2", moto_endpoint)
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.create_tags(Resources=WEB, Tags=[{"Key": "Team", "Value": "web"}])
    ec2.create_tags(Resources=DB, Tags=[{"Key": "Team", "Value": "db"}, {"Key": "Cost", "Value": "x"}])


def _split(clients: Callable[[str, str], tuple[Any, Any]] | None = None) -> OwnerSplit:
    def local(account: str, region: str) -> tuple[Any, Any]:
        return boto3.client("ec2", region_name=region), boto3.client("ssm", region_name=region)

    return OwnerSplit(ROUTES, InstanceTags(clients or local, ("Team",)))


def _queue(sns: Any, sqs: Any, topic_arn: str, policy: dict[str, Any]) -> str:
    url = sqs.create_queue(QueueName=unique_name("owner-route"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    attributes = {"RawMessageDelivery": "false", "FilterPolicy": json.dumps(policy)}
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes=attributes)
    return str(url)


def test_a_fleet_message_over_two_owners_reaches_each_owner_route_as_its_own_view(
    tagged: None, sns: Any, sqs: Any, drain: Callable[[str], list[dict[str, Any]]]
) -> None:
    digest = summarize(_record(), _items(), [], NOW)
    notification = _split().render(digest, None, None)
    assert "3 of 205 instances failed" in notification.subject  # the whole operation, for everyone else
    assert json.loads(notification.attributes["owner_routes"]) == ["db-owners", "web-owners"]
    assert UNREAD_KEY not in notification.document

    topic_arn = sns.create_topic(Name=unique_name("owners"))["TopicArn"]
    queues = {
        name: _queue(sns, sqs, topic_arn, {"owner_routes": [name]}) for name in ("web-owners", "db-owners", "ops")
    }
    Publisher(sns, topic_arn).publish(notification)
    received = {name: drain(url) for name, url in queues.items()}
    assert {name: len(messages) for name, messages in received.items()} == {"web-owners": 1, "db-owners": 1, "ops": 0}

    web = owner_view(notification_of(received["web-owners"][0]["Body"]), "web-owners")
    db = owner_view(notification_of(received["db-owners"][0]["Body"]), "db-owners")
    assert web is not None and db is not None
    assert "3 of your 120 instances failed" in web.subject
    # The operation failed, but none of db's instances did: their view says so, as news of no concern.
    assert db.subject.startswith("[INFO] Run Command AWS-RunPatchBaseline Success: your 80 instances succeeded")
    assert web.subject.startswith("[ERROR] Run Command AWS-RunPatchBaseline Failed: 3 of your 120 instances failed")
    assert [item["instanceId"] for item in web.document["failed"]] == WEB[:3]
    assert web.document["total"] == 120 and db.document["total"] == 80
    # Each view names its owners' instances only, in the text and the document alike.
    web_text = json.dumps(web.document)
    assert not any(other in web_text for other in DB + NOBODY)
    assert "For route web-owners: its owners' instances only (120 of the operation's 205" in web.document["text"]
    assert OWNERS_KEY not in web.document and "owner_routes" not in web.attributes


def test_instances_whose_tags_cannot_be_read_stay_in_the_whole_message_which_says_so(tagged: None) -> None:
    unreachable = Config(connect_timeout=0.2, read_timeout=0.2, retries={"max_attempts": 1})

    def refused(account: str, region: str) -> tuple[Any, Any]:
        # Nothing listens on port 9: EC2 cannot be reached, as when its endpoint is down.
        ec2 = boto3.client("ec2", region_name=region, endpoint_url="http://127.0.0.1:9", config=unreachable)
        return ec2, boto3.client("ssm", region_name=region)

    digest = summarize(_record(), _items(), [], NOW)
    notification = _split(refused).render(digest, None, None)
    assert "owner_routes" not in notification.attributes  # no route by tags gets anything it cannot vouch for
    unread = notification.document[UNREAD_KEY]
    assert unread["count"] == 205 and "Could not connect" in unread["reasons"][0]
    assert "The tags of 205 instances could not be read" in notification.text
    assert notification.document["text"] == notification.text


def test_a_route_with_no_instance_of_its_owners_gets_no_view(tagged: None) -> None:
    items = [ItemState(key, "Success", "2026-03-02T10:05:00Z") for key in DB[:4]]
    notification = _split().render(summarize(_record(), items, [], NOW), None, None)
    assert json.loads(notification.attributes["owner_routes"]) == ["db-owners"]
    assert set(notification.document[OWNERS_KEY]) == {"db-owners"}
    relayed = notification_of(
        json.dumps(
            {
                "Type": "Notification",
                "MessageId": "m-1",
                "Message": json.dumps(notification.document),
                "MessageAttributes": {"owner_routes": {"Type": "String.Array", "Value": '["db-owners"]'}},
            }
        )
    )
    assert owner_view(relayed, "web-owners") is None


def test_in_organization_mode_a_members_tags_are_read_through_its_reader_role(
    aws_env: None, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from notifier.fleet.owner_digests import owner_split
    from ssm_event_notifier.contract.environment import Organization, RouteOwners

    monkeypatch.setenv("AWS_ENDPOINT_URL_EC2", moto_endpoint)
    member = "222233334444"
    role = "arn:aws:iam::222233334444:role/SsmEventNotifierCalendarReader"
    credentials = boto3.client("sts").assume_role(RoleArn=role, RoleSessionName="test")["Credentials"]
    as_member = boto3.client(
        "ec2",
        region_name=REGION,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    # Only the member account has these tags: read with the hub's own role, they would not be found.
    as_member.create_tags(Resources=WEB[:2], Tags=[{"Key": "Team", "Value": "web"}])
    split = owner_split(
        RouteOwners(routes=json.dumps({"web-owners": {"Team": ["web"]}}), reader_role="SsmEventNotifierCalendarReader"),
        Organization(organization_id="o-abc123defg", hub_account="123456789012"),
    )
    record = replace(_record(), account=member)
    items = [ItemState(key, "Failed", "2026-03-02T10:05:00Z") for key in WEB[:3]]
    notification = split.render(summarize(record, items, [], NOW), None, None)
    view = notification.document[OWNERS_KEY]["web-owners"]
    assert "2 of your 2 instances failed" in view["subject"]


def _relayed(document: dict[str, Any], owner_routes: str) -> Any:
    body = {
        "Type": "Notification",
        "MessageId": "m-2",
        "Message": json.dumps(document),
        "MessageAttributes": {"owner_routes": {"Type": "String.Array", "Value": owner_routes}},
    }
    return notification_of(json.dumps(body))


def test_a_message_about_one_node_goes_whole_to_its_owners_routes_only() -> None:
    """The one-node case (no views): the routes named in owner_routes get it whole, another route nothing, and
    an attribute that is not the functions' own (unparseable) gives it to no route by tags, at once."""
    document = {"version": "1", "subject": "[WARNING] Access request", "fields": {"node": "i-0a00000000000001"}}
    relayed = _relayed(document, '["db-owners"]')
    whole = owner_view(relayed, "db-owners")
    assert whole is not None and whole.document == document and "owner_routes" not in whole.attributes
    assert owner_view(relayed, "web-owners") is None
    for broken in ('["db-owners"', '{"db-owners": 1}'):
        assert owner_view(_relayed(document, broken), "db-owners") is None


def test_a_warm_function_keeps_a_bounded_number_of_answers_the_newest(
    tagged: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(instance_tags, "KEPT_MAX", 4)
    ec2 = boto3.client("ec2", region_name=REGION)
    calls: list[str] = []
    ec2.meta.events.register("before-call.ec2.DescribeTags", lambda **kwargs: calls.append("DescribeTags"))
    tags = InstanceTags(lambda account, region: (ec2, boto3.client("ssm", region_name=region)), ("Team",))
    for instance in WEB[:10]:
        assert tags.read("123456789012", REGION, [instance]).tags == {instance: {"Team": "web"}}
    assert len(calls) == 10
    tags.read("123456789012", REGION, [WEB[9]])  # the newest: still kept
    assert len(calls) == 10
    tags.read("123456789012", REGION, [WEB[0]])  # the oldest: dropped, read again
    assert len(calls) == 11
