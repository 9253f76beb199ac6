"""Console links land on the right console for the partition and the right page for the thing."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from notifier.core.links import console_host, console_url, partition_of
from notifier.core.models import parse_event
from notifier.core.render import render
from ssm_event_notifier.contract.catalog import event_type_of
from tools.harness.samples import load


def _path(detail_type: str) -> str:
    event_type = event_type_of(detail_type)
    assert event_type is not None and event_type.console_path
    return event_type.console_path


PARAMETER_PATH = _path("Parameter Store Change")
AMI_PATH = _path("EC2 AMI State Change")


@pytest.mark.parametrize(
    ("region", "partition", "host"),
    [
        ("cn-north-1", "aws-cn", "console.amazonaws.cn"),
        ("cn-northwest-1", "aws-cn", "console.amazonaws.cn"),
        ("us-gov-west-1", "aws-us-gov", "console.amazonaws-us-gov.com"),
        ("us-gov-east-1", "aws-us-gov", "console.amazonaws-us-gov.com"),
        ("eu-west-1", "aws", "eu-west-1.console.aws.amazon.com"),
        ("us-east-1", "aws", "us-east-1.console.aws.amazon.com"),
        ("ap-northeast-1", "aws", "ap-northeast-1.console.aws.amazon.com"),
    ],
)
def test_console_host_per_partition(region: str, partition: str, host: str) -> None:
    assert partition_of(region) == partition
    assert console_host(region) == host
    assert PARAMETER_PATH is not None
    url = console_url(PARAMETER_PATH, {"region": region, "name": "p"})
    assert url is not None
    parts = urlsplit(url)
    assert parts.scheme == "https"
    assert parts.netloc == host
    assert parts.query == f"region={region}"


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("cn-north-1", "console.amazonaws.cn"),
        ("us-gov-west-1", "console.amazonaws-us-gov.com"),
        ("eu-west-1", "eu-west-1.console.aws.amazon.com"),
    ],
)
def test_rendered_notification_links_to_the_partition_console(region: str, host: str) -> None:
    raw = load("ami/failed")
    raw["region"] = region
    notification = render(parse_event(raw), raw)
    link = notification.document["links"]["console"]
    assert link.startswith(f"https://{host}/ec2/home?region={region}#ImageDetails:imageId=ami-0123456789example")
    console = [line for line in notification.text.splitlines() if line.startswith("Console:")]
    assert console == [f"{'Console:':<{len(console[0]) - len(link)}}{link}"]
    assert notification.subject.endswith(f"({region})")


def test_parameter_name_with_slashes_is_one_path_segment() -> None:
    assert PARAMETER_PATH is not None
    url = console_url(PARAMETER_PATH, {"region": "eu-west-1", "name": "/app/db/password"})
    assert url == (
        "https://eu-west-1.console.aws.amazon.com/systems-manager/parameters/"
        "%252Fapp%252Fdb%252Fpassword/description?region=eu-west-1"
    )


def test_rendered_parameter_link_encodes_the_slashes() -> None:
    raw = load("parameter-store/update")
    raw["detail"]["name"] = "/app/db/password"
    notification = render(parse_event(raw), raw)
    link = notification.document["links"]["console"]
    assert "/parameters/%252Fapp%252Fdb%252Fpassword/description?" in link
    assert "/app/db/password" not in link
    # People read the name as it is.
    assert "/app/db/password" in notification.subject
    assert "/app/db/password" in notification.text


@pytest.mark.parametrize(
    ("name", "segment"),
    [
        ("name with spaces", "name%2520with%2520spaces"),
        ("a?b#c&d=e", "a%253Fb%2523c%2526d%253De"),
        ("\u30d1\u30b9", "%25E3%2583%2591%25E3%2582%25B9"),
    ],
)
def test_characters_that_would_break_the_url_are_encoded(name: str, segment: str) -> None:
    assert PARAMETER_PATH is not None
    url = console_url(PARAMETER_PATH, {"region": "us-east-1", "name": name})
    assert url is not None
    parts = urlsplit(url)
    assert parts.path == f"/systems-manager/parameters/{segment}/description"
    assert parts.query == "region=us-east-1"
    assert parts.fragment == ""


def test_a_path_whose_field_is_missing_has_no_link() -> None:
    assert AMI_PATH is not None
    assert console_url(AMI_PATH, {"region": "us-east-1"}) is None
    assert console_url("systems-manager/{0}", {"region": "us-east-1"}) is None


def test_a_path_without_fields_still_links() -> None:
    assert console_url("systems-manager/compliance", {"region": "eu-west-1"}) == (
        "https://eu-west-1.console.aws.amazon.com/systems-manager/compliance"
    )


def test_field_values_are_not_read_as_templates() -> None:
    assert AMI_PATH is not None
    url = console_url(AMI_PATH, {"region": "us-east-1", "image_id": "{region}"})
    assert url is not None
    assert url.endswith("imageId=%257Bregion%257D")
