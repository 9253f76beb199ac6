"""The routes `make demo` replays with (examples/routes.yaml): a routes file the synth accepts, whose
secrets file gives every secret its routes read, each webhook's URL on the local HTTP stand-in."""

from __future__ import annotations

from ssm_event_notifier.setting_checks import routes
from tools import REPO_ROOT
from tools.harness.route_stand_ins import RECEIVER_PLACEHOLDER, read_secrets

EXAMPLES = REPO_ROOT / "examples"


def test_the_demo_routes_read_only_the_secrets_the_demo_gives_and_post_only_to_the_stand_in() -> None:
    demo = routes(EXAMPLES / "routes.yaml")
    secrets = read_secrets(EXAMPLES / "routes.secrets.json")
    named = {d.secret: d.kind for route in demo for d in route.destinations if d.secret}
    assert set(named) == set(secrets)
    assert {"email", "webhook", "pagerduty"} <= {d.kind for route in demo for d in route.destinations}
    for name, kind in named.items():
        if kind == "webhook":
            url = secrets[name] if isinstance(secrets[name], str) else secrets[name]["url"]
            assert url.startswith(f"{RECEIVER_PLACEHOLDER}/"), name
