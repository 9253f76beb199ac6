"""bench/ as `make bench` leaves it: the committed results keep the promise, their cost follows from
the prices, requests and sizes they state, and the documentation's Benchmarks page shows them.

Nothing here imports bench/: its results are read as a file, its table through its entry point
(`python -m bench.report`, as the Makefile runs it), and the cost is recomputed here from AWS's
pricing units, independently of bench/cost.py.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tools import REPO_ROOT

RESULTS = REPO_ROOT / "bench" / "results.json"
PAGE = REPO_ROOT / "docs" / "benchmarks.md"
# us-east-1 list prices, USD: a Lambda request and GB-second on ARM64, an on-demand write and read
# request unit, an SNS publish per 64 KB chunk, a GB of CloudWatch Logs ingested.
LIST_PRICES = {
    "lambda_request": 0.20e-6,
    "lambda_arm64_gb_second": 0.0000133334,
    "dynamodb_on_demand_write_request_unit": 0.625e-6,
    "dynamodb_on_demand_read_request_unit": 0.125e-6,
    "sns_publish_64kb_chunk": 0.50e-6,
    "cloudwatch_logs_ingested_gb": 0.50,
}


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(RESULTS.read_text())
    return loaded


def test_the_committed_results_keep_the_promise(results: dict[str, Any]) -> None:
    soak = results["soak"]
    assert results["run"]["mode"] == "full" and soak["events"] == 10_000
    assert soak["problem_count"] == 0
    assert soak["published_plus_dead_lettered"] == soak["unique_events"] == soak["events"]
    assert soak["duplicates_published"] == 0
    assert results["calls"]["calls_per_new_event"] <= 3 and results["calls"]["calls_per_duplicate"] <= 1


def test_the_committed_route_calls_add_nothing_for_an_address_and_post_once_per_delivery_or_resolve(
    results: dict[str, Any],
) -> None:
    routes = results["route_calls"]
    without, kinds = routes["without_routes"]["calls"], routes["destinations"]
    assert without <= 3 and kinds["email"]["calls"] == without  # SNS matches an address's filter policy
    assert kinds["topic"]["https"] == 0 and kinds["topic"]["relay"]["sns.Publish"] == 1
    for name in ("slack", "teams", "json"):
        assert kinds[name]["https"] == 1 and kinds[name]["first_in_instance"] == {"secrets-manager.GetSecretValue": 1}
    for name in ("pagerduty", "jsm"):
        incident = kinds[name]
        assert [incident[step]["https"] for step in ("trigger", "resolve", "nothing_open")] == [1, 1, 0]


def test_the_committed_fleet_run_holds_a_10000_instance_operation_and_loses_nothing(results: dict[str, Any]) -> None:
    scale, throttled = results["fleet"]["scale"], results["fleet"]["throttled"]
    assert scale["instances"] == 10_000 and scale["events"] >= 20_000
    assert scale["seconds"] <= 300  # the 20,000 events within 5 minutes, on 2 cores
    assert scale["problems"] == [] and scale["dead_lettered"] == scale["instances_not_final"] == 0
    assert scale["subjects"] == [
        "[ERROR] Run Command AWS-RunPatchBaseline Failed: 20 of 10000 instances failed (us-east-1)"
    ]
    assert scale["throttled_requests"] == 0
    assert scale["partition_peak_writes_per_second"] < scale["partition_write_limit"] == 1000
    # Lowered until it throttles: throttled writes are delivered again, and nothing is lost.
    assert throttled["throttled_requests"] > 0 and throttled["delivered_again"] > 0
    assert throttled["problems"] == [] and throttled["dead_lettered"] == throttled["instances_not_final"] == 0
    assert len(throttled["subjects"]) == 1


def test_the_committed_failure_reasons_stay_within_the_read_budget(results: dict[str, Any]) -> None:
    reasons = results["failure_reasons"]
    assert reasons["instances"] == 1_000 and reasons["failures"] == 200 and reasons["rounds"] >= 5
    assert reasons["problems"] == []
    assert reasons["budget"] == {"calls": 20, "seconds": 3.0}
    # The calls per message, as the stand-in served them and as the message counts them: within the bound.
    assert 0 < reasons["calls_per_message"] <= 20 and 0 < reasons["calls_per_message_by_message"] <= 20
    # Reads on: the message says why (a reason read per distinct output); reads off: no reads, no reasons.
    assert reasons["reasons_read"] == reasons["outputs"] == 3 and reasons["unavailable"] == 0
    assert reasons["reasons"] >= 3 and reasons["calls_per_message_off"] == reasons["reasons_off"] == 0
    assert reasons["read_delay_seconds"] > 0  # the reads stood for AWS's latency
    assert 0 < reasons["added_seconds"] < 3
    on, off = reasons["sweep_seconds_on"], reasons["sweep_seconds_off"]
    assert reasons["added_seconds"] == pytest.approx(on - off, abs=0.002)


def test_the_committed_cold_starts_were_measured_as_lambda_starts_the_functions(results: dict[str, Any]) -> None:
    from ssm_event_notifier.contract.catalog import FUNCTIONS
    from ssm_event_notifier.layer import PRUNED, RUNTIME_VERSION

    cold = results["cold_start"]
    # The runtime's Python, read-only code and layer (-B), init and a first invocation each.
    assert cold["runtime"].startswith(f"python{RUNTIME_VERSION}.") and "-B" in cold["how"]
    assert cold["measured"]["date"] and cold["measured"]["machine"] and cold["runs"] >= 5
    assert set(cold["layer"]["pruned_bytes"]) == set(PRUNED) and cold["layer"]["bytecode"] == f"python{RUNTIME_VERSION}"
    functions, base = cold["functions"], cold["baseline"]
    handled = {f["handler"] for f in functions.values()}
    assert set(FUNCTIONS.values()) - handled <= {"handlers.chat_relay.handler"}  # chat: only with chat channels
    for name, figures in functions.items():
        # Medians: of the starts' totals, and of each phase apart (not quite their sum).
        assert figures["seconds"] > max(figures["init_seconds"], figures["first_invocation_seconds"]), name
        assert figures["ratio"] == pytest.approx(figures["seconds"] / base["seconds"], abs=0.011), name
        assert figures["without_bytecode"]["ratio"] > figures["ratio"], name  # the bytecode is worth something
        spent = cold["where_the_time_goes"][name]
        assert spent["init_ms"] and spent["first_invocation_ms"], name
    # The goal is reported, worst first; met only when every function meets its own.
    assert cold["cold_start_ratio"] == max(f["ratio"] for f in functions.values())
    assert cold["met"] == all(f["ratio"] <= f["goal"] for f in functions.values())
    assert {f["goal"] for f in functions.values()} <= {1.2, 1.3}


def test_the_committed_asset_sizes_count_what_is_uploaded(results: dict[str, Any]) -> None:
    build = results["assets"]["asset_bytes"]["lambda"]
    assert build["layer_platform"] == "lambda" and build["layer_bytecode"] == build["layer_runtime"]
    for asset in (build["code"], build["layer"]):
        assert 0 < asset["bytecode"] < asset["unzipped"] and 0 < asset["zipped"] < asset["unzipped"]
    assert build["share_of_lambda_limit"] < 1


def per_million(requests: dict[str, float], assumptions: dict[str, Any]) -> dict[str, float]:
    """USD per million events making `requests`: a write unit per started KB of the item (a strongly
    consistent read unit per 4 KB), a publish per started 64 KB of the message, Lambda per request
    and per GB-second."""
    item, message = assumptions["largest_item_bytes"], assumptions["largest_message_bytes"]
    gb_seconds = assumptions["duration_seconds"] * assumptions["memory_mb"] / 1024
    writes = sum(requests.get(f"dynamodb.{op}", 0) for op in ("PutItem", "UpdateItem", "DeleteItem"))
    usd = {
        "lambda": LIST_PRICES["lambda_request"] + gb_seconds * LIST_PRICES["lambda_arm64_gb_second"],
        "dynamodb": writes * math.ceil(item / 1024) * LIST_PRICES["dynamodb_on_demand_write_request_unit"]
        + requests.get("dynamodb.GetItem", 0)
        * math.ceil(item / 4096)
        * LIST_PRICES["dynamodb_on_demand_read_request_unit"],
        "sns": requests.get("sns.Publish", 0) * math.ceil(message / 65536) * LIST_PRICES["sns_publish_64kb_chunk"],
    }
    usd["total"] = sum(usd.values())
    return {part: value * 1e6 for part, value in usd.items()}


def test_the_committed_cost_follows_from_the_list_prices_requests_and_sizes_it_states(results: dict[str, Any]) -> None:
    cost = results["cost"]
    assert cost["prices_usd"] == pytest.approx(LIST_PRICES)
    assert cost["assumptions"]["architecture"] == "arm64"
    for figure, requests in (("new_events", "requests_per_new_event"), ("duplicates", "requests_per_duplicate")):
        assert cost[figure] == pytest.approx(per_million(cost[requests], cost["assumptions"]), abs=0.01), figure
    assert cost["cost_per_million_events"] == cost["new_events"]["total"]
    assert cost["duplicates"]["sns"] == 0  # a duplicate publishes nothing
    logs = results["throughput"]["log_bytes_per_event"] * 1e6 / 1024**3 * LIST_PRICES["cloudwatch_logs_ingested_gb"]
    assert cost["not_included"]["cloudwatch_logs_per_million_events"] == pytest.approx(logs, abs=0.01)


def test_the_benchmarks_page_shows_the_committed_results(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text(PAGE.read_text())
    done = subprocess.run(
        [sys.executable, "-m", "bench.report", "--page", str(page)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and done.stderr == "", (
        f"docs/benchmarks.md has no benchmark table: run `make bench`\n{done.stderr}"
    )
    assert done.stdout.strip() and done.stdout in PAGE.read_text(), "run `make bench` (it rewrites the table)"
    assert page.read_text() == PAGE.read_text(), "run `make bench` (it rewrites the table)"
