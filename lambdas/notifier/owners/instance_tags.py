"""The tags of instances and managed nodes, for the routes that match on tags: EC2 DescribeTags for
instances (i-), SSM ListTagsForResource for hybrid managed nodes (mi-), which have no EC2 tags.

Only the tag keys some route names are read, within a budget of calls per message; what was read is
kept for a while (an instance's owner rarely changes, and a fleet is messaged about again and again).
A read that fails leaves its instances unread, with the reason, and never fails the message.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

# EC2 takes up to this many values in one filter of DescribeTags.
IDS_PER_CALL = 200
READS_PER_MESSAGE = 20  # calls; the instances beyond them are unread ("read budget")
KEEP_SECONDS = 600.0
KEPT_MAX = 20_000  # answers kept at most (a few MB), the oldest dropped first

# (account, region) -> (EC2 client, SSM client) of that account and region.
Clients = Callable[[str, str], tuple[Any, Any]]


@dataclass
class TagsRead:
    tags: dict[str, dict[str, str]] = field(default_factory=dict)  # instance id -> its tags (the routes' keys)
    unread: dict[str, str] = field(default_factory=dict)  # instance id -> why its tags could not be read


def is_instance(key: str) -> bool:
    return key.startswith(("i-", "mi-"))


def _why(error: Exception) -> str:
    if isinstance(error, ClientError):
        problem = error.response.get("Error", {})
        return f"{problem.get('Code', 'Error')}: {problem.get('Message', '')}".strip()
    return f"{type(error).__name__}: {error}"


class InstanceTags:
    def __init__(self, clients: Clients, keys: tuple[str, ...], clock: Callable[[], float] = time.monotonic) -> None:
        self.clients, self.keys, self.clock = clients, keys, clock
        self._kept: dict[tuple[str, str, str], tuple[dict[str, str], float]] = {}

    def read(self, account: str, region: str, ids: list[str]) -> TagsRead:
        """The tags of `ids` (instance and managed node ids; others are neither read nor listed)."""
        found = TagsRead()
        wanted = []
        for instance in dict.fromkeys(i for i in ids if is_instance(i)):
            kept = self._kept.get((account, region, instance))
            if kept and kept[1] > self.clock():
                found.tags[instance] = kept[0]
            else:
                wanted.append(instance)
        if not wanted:
            return found
        calls = READS_PER_MESSAGE
        try:
            ec2, ssm = self.clients(account, region)
        except (BotoCoreError, ClientError) as error:
            found.unread.update(dict.fromkeys(wanted, _why(error)))
            return found
        instances = [i for i in wanted if i.startswith("i-")]
        for start in range(0, len(instances), IDS_PER_CALL):
            chunk = instances[start : start + IDS_PER_CALL]
            if calls <= 0:
                found.unread.update(dict.fromkeys(chunk, "read budget: too many instances for one message"))
                continue
            calls -= 1
            try:
                found.tags.update(self._ec2_tags(ec2, chunk))
            except (BotoCoreError, ClientError) as error:
                found.unread.update(dict.fromkeys(chunk, _why(error)))
        for node in (i for i in wanted if i.startswith("mi-")):
            if calls <= 0:
                found.unread[node] = "read budget: too many managed nodes for one message"
                continue
            calls -= 1
            try:
                listed = ssm.list_tags_for_resource(ResourceType="ManagedInstance", ResourceId=node)
                found.tags[node] = {
                    t["Key"]: t.get("Value", "") for t in listed.get("TagList", []) if t["Key"] in self.keys
                }
            except (BotoCoreError, ClientError) as error:
                found.unread[node] = _why(error)
        now = self.clock()
        until = now + KEEP_SECONDS
        if len(self._kept) > KEPT_MAX:  # a warm function meets many nodes: keep the newest answers still fresh
            fresh = [(key, kept) for key, kept in self._kept.items() if kept[1] > now]
            self._kept = dict(fresh[-(KEPT_MAX // 2) :])
        for instance in wanted:
            if instance in found.tags:
                self._kept[(account, region, instance)] = (found.tags[instance], until)
        return found

    def _ec2_tags(self, ec2: Any, ids: list[str]) -> dict[str, dict[str, str]]:
        """Every id of `ids` with the routes' tags it has (none: an empty mapping, read all the same)."""
        tags: dict[str, dict[str, str]] = {instance: {} for instance in ids}
        filters = [{"Name": "resource-id", "Values": ids}, {"Name": "key", "Values": list(self.keys)}]
        for page in ec2.get_paginator("describe_tags").paginate(Filters=filters):
            for tag in page.get("Tags", []):
                if tag.get("ResourceId") in tags and tag.get("Key") in self.keys:
                    tags[tag["ResourceId"]][tag["Key"]] = tag.get("Value", "")
        return tags


def tag_reader(keys: tuple[str, ...], reader_role: str, hub_account: str | None) -> InstanceTags:
    """The tags of `keys` of a message's instances: its own account's with the function's own role; with a
    reader role (organization mode), a member's through the member's role."""
    import boto3
    from botocore.config import Config

    # A tag read is worth nothing once the message is due: short timeouts, few retries.
    config = Config(connect_timeout=1.0, read_timeout=3.0, retries={"max_attempts": 2, "mode": "standard"})
    members: Any = None
    if reader_role and hub_account:
        from notifier.organization.member_clients import MemberClients

        members = MemberClients(boto3.client("sts"), reader_role, hub_account, config=config)

    def clients(account: str, region: str) -> tuple[Any, Any]:
        if members is not None:
            return members.client("ec2", account, region), members.client("ssm", account, region)
        ec2 = boto3.client("ec2", region_name=region, config=config)
        return ec2, boto3.client("ssm", region_name=region, config=config)

    return InstanceTags(clients, keys)
