"""bench/: the cost arithmetic, and the README table that shows bench/results.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.cost import PRICES_USD, per_event, per_million
from bench.report import BEGIN, END, RESULTS, markdown

README = Path(__file__).resolve().parents[2] / "README.md"
NEW = {"dynamodb.PutItem": 1.0, "dynamodb.UpdateItem": 1.0, "sns.Publish": 1.0}


def test_a_new_event_costs_one_invocation_two_writes_and_one_publish() -> None:
    cost = per_event(NEW, item_bytes=300, message_bytes=5_000, duration=0.1)
    assert cost["lambda"] == pytest.approx(0.20e-6 + 0.1 * 0.25 * 0.0000133334)
    assert cost["dynamodb"] == pytest.approx(2 * 0.625e-6)
    assert cost["sns"] == pytest.approx(0.50e-6)
    assert cost["total"] == pytest.approx(cost["lambda"] + cost["dynamodb"] + cost["sns"])


def test_larger_items_and_messages_cost_more_units() -> None:
    small = per_event(NEW, item_bytes=1024, message_bytes=64 * 1024)
    large = per_event(NEW, item_bytes=1025, message_bytes=64 * 1024 + 1)
    assert large["dynamodb"] == pytest.approx(2 * small["dynamodb"])  # 2 write units per write
    assert large["sns"] == pytest.approx(2 * small["sns"])  # 2 chunks of 64 KB


def test_per_million_states_its_prices_and_what_it_leaves_out() -> None:
    priced = per_million(NEW, {"dynamodb.PutItem": 1.0}, 300, 5_000, log_bytes_per_event=1024)
    assert priced["cost_per_million_events"] == pytest.approx(0.53 + 1.25 + 0.50, abs=0.01)
    assert priced["duplicates"]["sns"] == 0
    assert priced["prices_usd"] == PRICES_USD
    assert priced["not_included"]["cloudwatch_logs_per_million_events"] == pytest.approx(0.48, abs=0.01)


def test_the_committed_results_keep_the_promise() -> None:
    results = json.loads(RESULTS.read_text())
    soak = results["soak"]
    assert results["run"]["mode"] == "full" and soak["events"] == 10_000
    assert soak["problem_count"] == 0
    assert soak["published_plus_dead_lettered"] == soak["unique_events"] == soak["events"]
    assert soak["duplicates_published"] == 0
    assert results["calls"]["calls_per_new_event"] <= 3 and results["calls"]["calls_per_duplicate"] <= 1


def test_the_readme_table_shows_the_committed_results() -> None:
    readme = README.read_text()
    assert BEGIN in readme and END in readme, "README.md has no benchmark table: run `make bench`"
    shown = readme.split(BEGIN, 1)[1].split(END, 1)[0]
    assert shown.strip() == markdown(json.loads(RESULTS.read_text())).strip(), "run `make bench` (it rewrites it)"
