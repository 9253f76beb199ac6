"""Routes at synth: a bad routes file is refused naming the route and the field; a good one subscribes
each route's addresses with the route's match as their filter policy; none changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app import routes_file
from ssm_event_notifier.setting_checks import SettingsError
from tests.infra.conftest import resources, synthesize

# Three teams and a catch-all (also the routes of tests/integration/test_routes_local.py).
THREE_TEAMS = Path(__file__).parents[1] / "fixtures" / "routes_three_teams.json"


def _subscriptions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """E-mail address -> its subscription's properties."""
    found = resources(template, "AWS::SNS::Subscription").values()
    return {s["Properties"]["Endpoint"]: s["Properties"] for s in found if s["Properties"]["Protocol"] == "email"}


def test_each_routes_addresses_get_the_routes_match_as_their_filter_policy(tmp_path: Path) -> None:
    template = synthesize(routes=str(THREE_TEAMS), notificationEmails="ops@example.com")
    subscriptions = _subscriptions(template)
    assert subscriptions["payments-oncall@example.com"]["FilterPolicy"] == {
        "account": ["111111111111"],
        "severity": ["error", "warning"],
    }
    assert subscriptions["web@example.com"]["FilterPolicy"] == {
        "account": ["222222222222"],
        "family": ["run-command", "maintenance-window"],
    }
    assert subscriptions["img@example.com"]["FilterPolicy"] == {"family": ["ami"], "region": ["eu-west-1"]}
    assert "FilterPolicy" not in subscriptions["audit@example.com"]  # the catch-all
    assert "FilterPolicy" not in subscriptions["ops@example.com"]  # notificationEmails: everything, as before
    # Each waits for SNS's retries in the undelivered e-mails' queue, alarmed, like the others.
    assert all("RedrivePolicy" in s for s in subscriptions.values())


def test_a_yaml_routes_file_is_read_like_its_json(tmp_path: Path) -> None:
    yaml_file = tmp_path / "routes.yaml"
    yaml_file.write_text(
        "routes:\n"
        "  - name: payments-team\n"
        "    match: {accounts: ['111111111111'], severities: [error, warning]}\n"
        "    to:\n"
        "      - email: [payments-oncall@example.com]\n"
    )
    template = synthesize(routes=str(yaml_file))
    assert _subscriptions(template)["payments-oncall@example.com"]["FilterPolicy"] == {
        "account": ["111111111111"],
        "severity": ["error", "warning"],
    }


def _route(**route: Any) -> dict[str, Any]:
    return {"routes": [{"name": "team-a", "match": {}, "to": [{"email": "a@example.com"}], **route}]}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (_route(match={"teams": ["x"]}), "route 'team-a': match.teams: unknown key; known: accounts, regions"),
        (_route(match={"families": ["patching"]}), "route 'team-a': match.families: 'patching' is not a family"),
        (_route(match={"severities": ["fatal"]}), "route 'team-a': match.severities: 'fatal' is not a severity"),
        (_route(match={"accounts": ["1111"]}), "route 'team-a': match.accounts: '1111' is not a 12-digit account id"),
        (_route(match={"regions": ["mars-1"]}), "route 'team-a': match.regions: 'mars-1' is not a region name"),
        (
            _route(match={"families": ["ami"], "detailTypes": ["Parameter Store Change"]}),
            "route 'team-a': match.detailTypes: none belongs to the families ami: it can never match",
        ),
        (
            _route(match={"families": ["api-audit"]}),
            "route 'team-a': match.families: none of api-audit is enabled (enabledFamilies): it can never match",
        ),
        *(
            (_route(match={"names": [name]}), f"route 'team-a': match.names: {name!r} is not a name, with at most one")
            for name in ("a*b", "*", "*Run*", "AWS Run", "Caf\u00e9")
        ),
        (
            _route(match={"organizationalUnits": ["ou-12"]}),
            "route 'team-a': match.organizationalUnits: 'ou-12' is not an organizational unit id (ou-...) or a root",
        ),
        (
            _route(match={"organizationalUnits": ["ou-ab12-34567890"]}),
            "route 'team-a': match.organizationalUnits: only in organization mode (organizationId): it can never match",
        ),
        (_route(to=[]), "route 'team-a': to: required, a list of destinations"),
        (_route(to=[{"email": "not-an-address"}]), "route 'team-a': to[0]: email: 'not-an-address' is not an e-mail"),
        (_route(to=[{"fax": "123"}]), "route 'team-a': to[0]: fax: unknown destination; known: email, topic, webhook"),
        (_route(to=[{"pagerduty": {}}]), "route 'team-a': to[0]: pagerduty.secret: required, the name of a secret"),
        (_route(to=[{"pagerduty": "routing-key"}]), "route 'team-a': to[0]: pagerduty: expected {secret: <name"),
        (
            _route(to=[{"jsm": {"secret": "a", "key": "b"}}]),
            "route 'team-a': to[0]: jsm.key: unknown key; known: secret",
        ),
        (
            _route(to=[{"webhook": {"secret": "a"}}]),
            "route 'team-a': to[0]: webhook.format: expected one of slack, teams",
        ),
        (
            _route(to=[{"slack": "T0123ABCD"}]),
            "route 'team-a': to[0]: slack: 'T0123ABCD' is not a channel, <workspace id>:<channel id>",
        ),
        (_route(to=[{"topic": "team a"}]), "route 'team-a': to[0]: topic: 'team a' is not a topic name"),
        (
            _route(match={"severities": ["error"]}, to=[{"topic": "default"}]),
            "route 'team-a': to: topic default receives every message",
        ),
        (_route(owner="x"), "route 'team-a': owner: unknown key; known: name, match, to"),
        (_route(to=[{"topic": f"t{n}"} for n in range(11)]), "to: 11 destinations need the route relay, at most 10"),
        ({"routes": [{"match": {}, "to": [{"email": "a@example.com"}]}]}, "route #1: name: required"),
        ({"route": []}, "the routes file holds one key, routes"),
        (
            {"routes": [_route()["routes"][0], _route()["routes"][0]]},
            "route 'team-a': name: used by more than one route",
        ),
        (
            _route(to=[{"email": "ops@example.com"}]),
            "route 'team-a': email: ops@example.com is also in notificationEmails (every message)",
        ),
    ],
)
def test_a_bad_route_fails_the_synth_naming_the_route_and_the_field(
    tmp_path: Path, document: dict[str, Any], message: str
) -> None:
    (tmp_path / "routes.json").write_text(json.dumps(document))
    with pytest.raises(SettingsError) as refused:
        synthesize(routes=str(tmp_path / "routes.json"), notificationEmails="ops@example.com")
    assert str(refused.value).startswith(f"context routes: {message}"), str(refused.value)


def test_names_compile_to_an_exact_prefix_or_suffix_condition_and_ous_to_their_ids(tmp_path: Path) -> None:
    (tmp_path / "routes.json").write_text(
        json.dumps(
            {
                "routes": [
                    _route(match={"names": ["AWS-Run*", "*-Baseline", "MyCalendar"]})["routes"][0],
                    {
                        "name": "prod",
                        "match": {"organizationalUnits": ["ou-ab12-34567890", "r-ab12"]},
                        "to": [{"email": "prod@example.com"}],
                    },
                ]
            }
        )
    )
    hub = {"organizationId": "o-abc123defg", "memberOrganizationalUnits": "r-ab12", "memberRegions": "eu-west-1"}
    subscriptions = _subscriptions(synthesize(routes=str(tmp_path / "routes.json"), **hub))
    assert subscriptions["a@example.com"]["FilterPolicy"] == {
        "name": [{"prefix": "AWS-Run"}, {"suffix": "-Baseline"}, "MyCalendar"]
    }
    # Any of the ids among the account's OUs (a String.Array attribute: its parent OU up to the root).
    assert subscriptions["prod@example.com"]["FilterPolicy"] == {"organizational_units": ["ou-ab12-34567890", "r-ab12"]}


def test_a_missing_or_unreadable_routes_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"context routes: cannot read .*nowhere\.yaml"):
        synthesize(routes=str(tmp_path / "nowhere.yaml"))
    (tmp_path / "broken.yaml").write_text("routes: [\n")
    with pytest.raises(SettingsError, match=r"context routes: .*broken\.yaml is not YAML"):
        synthesize(routes=str(tmp_path / "broken.yaml"))


RELAYED = {
    "routes": [
        {
            "name": "payments-team",
            "match": {"accounts": ["111111111111"], "severities": ["error", "warning"]},
            "to": [
                {"email": "payments-oncall@example.com"},
                {"pagerduty": {"secret": "payments/pagerduty-routing-key"}},
                {"topic": "payments"},
            ],
        },
        {"name": "web-owners", "match": {"families": ["run-command"]}, "to": [{"teams": {"secret": "web/teams-url"}}]},
    ]
}


def test_each_relayed_destination_has_its_queue_subscribed_with_the_routes_match(tmp_path: Path) -> None:
    (tmp_path / "routes.json").write_text(json.dumps(RELAYED))
    template = synthesize(routes=str(tmp_path / "routes.json"))
    found = resources(template, "AWS::SNS::Subscription").values()
    queues = [s["Properties"] for s in found if s["Properties"]["Protocol"] == "sqs"]
    policies = sorted(json.dumps(q.get("FilterPolicy"), sort_keys=True) for q in queues)
    payments = json.dumps({"account": ["111111111111"], "severity": ["error", "warning"]}, sort_keys=True)
    assert policies == sorted([payments, payments, json.dumps({"family": ["run-command"]})])
    assert all(q.get("RawMessageDelivery") in (None, False) and "RedrivePolicy" in q for q in queues)
    (relay,) = [
        f["Properties"]
        for f in resources(template, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == "handlers.route_relay.handler"
    ]
    assert relay["ReservedConcurrentExecutions"] == 20
    destinations = relay["Environment"]["Variables"]["ROUTE_DESTINATIONS"]
    text = json.dumps(destinations).replace("\\", "")
    for expected in ('kind":"pagerduty', 'secret":"payments/pagerduty-routing-key', 'format":"teams', "web/teams-url"):
        assert expected in text, expected
    # A topic of the route's own, its ARN an output.
    assert "RoutePaymentsTeamTo2TopicArn" in template["Outputs"]
    # The relay may read exactly the routes' secrets, by name.
    statements = [
        statement
        for policy in resources(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "secretsmanager:GetSecretValue" in json.dumps(statement["Action"])
    ]
    named = sorted(json.dumps(s["Resource"]).split(":secret:")[1].split("-??????")[0] for s in statements)
    assert named == ["payments/pagerduty-routing-key", "web/teams-url"]
    # Each destination's dead-letter queue is alarmed.
    alarms = [a["Properties"]["AlarmDescription"] for a in resources(template, "AWS::CloudWatch::Alarm").values()]
    assert sum("could not deliver to its" in a for a in alarms) == 3


def test_no_relay_without_a_relayed_destination() -> None:
    template = synthesize()
    handlers = {f["Properties"]["Handler"] for f in resources(template, "AWS::Lambda::Function").values()}
    assert "handlers.route_relay.handler" not in handlers


def test_the_app_reads_the_one_routes_file_beside_it_yaml_or_json_and_refuses_two(tmp_path: Path) -> None:
    candidates = tuple(tmp_path / name for name in ("routes.yaml", "routes.yml", "routes.json"))
    assert routes_file(candidates) is None  # none: every message to the notification topic
    (tmp_path / "routes.json").write_text('{"routes": []}')
    assert routes_file(candidates) == tmp_path / "routes.json"
    (tmp_path / "routes.yaml").write_text("routes: []\n")
    with pytest.raises(SettingsError, match=r"^routes: both routes.yaml and routes.json are here; keep one"):
        routes_file(candidates)
