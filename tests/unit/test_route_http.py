"""A destination's URL: https only; plain http to this machine (the local runs), and to the hosts the local
build's LOCAL_HTTP_HOSTS names (the stand-ins as SAM's container reaches them), never elsewhere."""

from __future__ import annotations

import pytest

from notifier.routes.http import Refused, RetryLater, post_json
from ssm_event_notifier.contract.environment import LOCAL_HTTP_HOSTS

# Stands for the Docker bridge's address: another loopback address, refusing at once (port 9: nothing answers).
BRIDGE = "http://127.0.0.2:9/hooks/web"


def test_plain_http_elsewhere_than_this_machine_is_refused_unsent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LOCAL_HTTP_HOSTS, raising=False)
    for url in (BRIDGE, "http://hooks.example.com/x", "ftp://127.0.0.1/x"):
        with pytest.raises(Refused, match="is not https"):
            post_json(url, b"{}")


def test_a_local_builds_host_may_be_reached_over_plain_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LOCAL_HTTP_HOSTS, "127.0.0.1,127.0.0.2")
    with pytest.raises(RetryLater):  # let through the check; nothing listens there
        post_json(BRIDGE, b"{}")
    with pytest.raises(Refused, match="is not https"):
        post_json("http://127.0.0.3:9/hooks/web", b"{}")
