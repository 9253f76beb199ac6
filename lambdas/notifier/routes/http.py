"""HTTPS to the destinations: a POST and what its answer means, and the secrets that name and unlock them.

Written with the standard library: one JSON POST per message needs no HTTP client package in the layer.
A 2xx is delivered; 429, 5xx, a timeout or no connection is retried later (the record stays in the
destination's queue); any other 4xx is the destination refusing this message, and retrying it cannot help.
"""

from __future__ import annotations

import email.utils
import json
import os
import urllib.error
import urllib.request
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from ssm_event_notifier.contract.environment import LOCAL_HTTP_HOSTS

TIMEOUT_SECONDS = 5.0
RESPONSE_KEPT = 1000  # characters of a refusal's body kept with the message in the dead-letter queue
USER_AGENT = "ssm-event-notifier"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _local(host: str | None) -> bool:
    """This machine, or a host of the local build's LOCAL_HTTP_HOSTS (the stand-ins seen from a container)."""
    local_hosts = [name for name in os.environ.get(LOCAL_HTTP_HOSTS, "").split(",") if name]
    return host is not None and (host in LOOPBACK or host in local_hosts)


class RetryLater(Exception):
    """The destination could not take the message now (rate limit, outage): SQS delivers it again, not
    before `retry_after` seconds when the destination said so."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def retry_after_of(value: str | None, now: datetime | None = None) -> float | None:
    """A Retry-After header's seconds from now: delay-seconds or an HTTP date (RFC 9110); None if absent or
    not understood."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


class Refused(Exception):
    """The destination refused the message (HTTP 4xx but 429): it goes to the dead-letter queue, once."""

    def __init__(self, status: int, response: str) -> None:
        super().__init__(f"HTTP {status}: {response}")
        self.status, self.response = status, response


def post_json(url: str, body: bytes, headers: dict[str, str] | None = None) -> int:
    """POST `body` to `url`; the status of a delivery, RetryLater or Refused otherwise. Only https (plain
    http to this machine, for the local runs, see _local): a secret's URL is never sent in the clear."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and _local(parts.hostname)):
        raise Refused(0, f"the destination's URL is not https (scheme {parts.scheme or 'none'!r})")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        text = error.read(RESPONSE_KEPT * 4).decode("utf-8", "replace")[:RESPONSE_KEPT]
        if error.code == 429 or error.code >= 500:
            retry_after = retry_after_of(error.headers.get("Retry-After") if error.headers else None)
            raise RetryLater(f"HTTP {error.code}: {text}", retry_after) from None
        raise Refused(error.code, text) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise RetryLater(f"{type(error).__name__}: {getattr(error, 'reason', error)}") from None


class Secrets:
    """Secrets Manager values by name, read once per function instance."""

    def __init__(self, client_factory: Any) -> None:
        self._client_factory = client_factory
        self._values: dict[str, str] = {}

    @cached_property
    def _client(self) -> Any:
        return self._client_factory()

    def text(self, name: str) -> str:
        if name not in self._values:
            self._values[name] = str(self._client.get_secret_value(SecretId=name)["SecretString"])
        return self._values[name]

    def field(self, name: str, key: str) -> str:
        """A secret that is either the value itself or a JSON object holding it under `key`."""
        text = self.text(name).strip()
        if text.startswith("{"):
            value = json.loads(text).get(key)
            if not isinstance(value, str) or not value:
                raise Refused(0, f"secret {name} has no {key}")
            return value
        return text
