"""Keys of the idempotency table fit DynamoDB's 2,048-byte limit whatever an event's fields hold, and
real events' keys are unchanged."""

from __future__ import annotations

import copy

from notifier.api_audit import BurstGate
from notifier.core import parse_event
from notifier.state_table import KEY_MAX_BYTES, fitting
from tools.harness.samples import EVENTS_DIR, read

SAMPLE = read(EVENTS_DIR / "api-audit/send-command.json")


def test_a_burst_key_of_an_absurdly_long_account_fits_and_still_names_one_burst() -> None:
    strange = copy.deepcopy(SAMPLE)
    strange["account"] = "1" * 2000
    key = BurstGate.key(parse_event(strange))  # type: ignore[arg-type]
    other = copy.deepcopy(strange)
    other["account"] = "1" * 1999 + "2"
    assert len(key.encode()) <= KEY_MAX_BYTES < 2048
    assert key != BurstGate.key(parse_event(other))  # type: ignore[arg-type]


def test_a_real_events_key_is_unchanged() -> None:
    key = BurstGate.key(parse_event(copy.deepcopy(SAMPLE)))  # type: ignore[arg-type]
    assert key.startswith(f"api-burst#{SAMPLE['account']}/{SAMPLE['region']}/") and key.endswith("/SendCommand")
    assert fitting(key) == key and "sha256" not in key
