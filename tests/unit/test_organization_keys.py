"""Organization mode in the pure parts: what a message says of the account, and keys by account and region."""

from __future__ import annotations

from notifier.core.models import parse_event
from notifier.core.render import Origin, render
from notifier.fleet.observations import observe, operation_key
from notifier.organization.scope import SINGLE_ACCOUNT, Scope
from ssm_event_notifier.contract.catalog import OPERATION_BY_NAME
from tools.harness.samples import load

HUB = Scope(True)


def test_a_hub_message_names_the_account_by_name_in_subject_body_and_document() -> None:
    event = load("parameter-store/update")
    notification = render(parse_event(event), event, origin=Origin("prod-web"))

    assert notification.subject == "[INFO] Parameter MyExampleParameter Update (prod-web, us-east-2)"
    assert "\nAccount:     123456789012 (prod-web)\n" in notification.text
    assert notification.document["accountName"] == "prod-web"
    assert notification.attributes["account"] == "123456789012"  # filter policies keep matching the id


def test_without_a_name_the_subject_names_the_account_id_and_a_single_account_stack_neither() -> None:
    event = load("parameter-store/update")
    assert render(parse_event(event), event, origin=Origin()).subject.endswith("(123456789012, us-east-2)")
    assert render(parse_event(event), event).subject.endswith(" Update (us-east-2)")


def test_keys_hold_account_and_region_in_a_hub_only() -> None:
    command = OPERATION_BY_NAME["command"]
    fields = {"command_id": "c-1"}
    assert operation_key(command, fields, "111111111111", "eu-west-1") == "command#c-1"
    assert operation_key(command, fields, "111111111111", "eu-west-1", HUB) == "command#111111111111/eu-west-1/c-1"
    association = OPERATION_BY_NAME["association"]
    same = operation_key(association, {"association_id": "a-1"}, "111111111111", "eu-west-1")
    assert same == operation_key(association, {"association_id": "a-1"}, "111111111111", "eu-west-1", HUB)
    assert SINGLE_ACCOUNT.key("MyCalendar", "111111111111", "eu-west-1") == "MyCalendar"
    assert HUB.key("MyCalendar", "111111111111", "eu-west-1") == "111111111111/eu-west-1/MyCalendar"


def test_the_same_command_in_two_accounts_is_two_operations_in_a_hub() -> None:
    event = load("run-command/invocation-failed")
    here = observe(parse_event(event), HUB)
    there = observe(parse_event({**event, "account": "210987654321"}), HUB)
    assert here.operation != there.operation
    assert observe(parse_event(event)).operation == "command#7d2f9c1e-3b4a-4e6f-9a21-5c8e0EXAMPLE"
