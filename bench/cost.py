"""Cost per million events: Lambda on ARM64, DynamoDB on demand, SNS publishes.

Computed from the requests bench.calls counted, the sizes measured (item size -> write units,
message size -> 64 KB publish chunks) and a stated duration. List prices of us-east-1, written
into the result beside the figure; check them against AWS's price pages before relying on them.
"""

from __future__ import annotations

import math
from typing import Any

PRICES_USD = {
    "lambda_request": 0.20 / 1e6,
    "lambda_arm64_gb_second": 0.0000133334,
    "dynamodb_on_demand_write_request_unit": 0.625 / 1e6,
    "dynamodb_on_demand_read_request_unit": 0.125 / 1e6,
    "sns_publish_64kb_chunk": 0.50 / 1e6,
    "cloudwatch_logs_ingested_gb": 0.50,
}
WRITES = ("dynamodb.PutItem", "dynamodb.UpdateItem", "dynamodb.DeleteItem")
READS = ("dynamodb.GetItem",)
# Stated, not measured here: in AWS the three requests take tens of milliseconds each way.
DURATION_SECONDS = 0.100
MEMORY_GB = 256 / 1024


def per_event(
    requests: dict[str, float], item_bytes: int, message_bytes: int, duration: float = DURATION_SECONDS
) -> dict[str, float]:
    """USD for one event making `requests` (service.Operation -> count)."""
    write_units = math.ceil(max(item_bytes, 1) / 1024)
    read_units = math.ceil(max(item_bytes, 1) / 4096)  # strongly consistent
    chunks = math.ceil(max(message_bytes, 1) / (64 * 1024))
    lambda_cost = PRICES_USD["lambda_request"] + duration * MEMORY_GB * PRICES_USD["lambda_arm64_gb_second"]
    writes = sum(requests.get(name, 0) for name in WRITES) * write_units
    reads = sum(requests.get(name, 0) for name in READS) * read_units
    dynamodb = (
        writes * PRICES_USD["dynamodb_on_demand_write_request_unit"]
        + reads * PRICES_USD["dynamodb_on_demand_read_request_unit"]
    )
    sns = requests.get("sns.Publish", 0) * chunks * PRICES_USD["sns_publish_64kb_chunk"]
    return {"lambda": lambda_cost, "dynamodb": dynamodb, "sns": sns, "total": lambda_cost + dynamodb + sns}


def per_million(
    new: dict[str, float],
    duplicate: dict[str, float],
    item_bytes: int,
    message_bytes: int,
    log_bytes_per_event: int,
) -> dict[str, Any]:
    def million(requests: dict[str, float]) -> dict[str, float]:
        return {k: round(v * 1e6, 2) for k, v in per_event(requests, item_bytes, message_bytes).items()}

    logs = log_bytes_per_event * 1e6 / 1024**3 * PRICES_USD["cloudwatch_logs_ingested_gb"]
    return {
        "cost_per_million_events": million(new)["total"],
        "new_events": million(new),
        "duplicates": million(duplicate),
        "requests_per_new_event": new,
        "requests_per_duplicate": duplicate,
        "assumptions": {
            "duration_seconds": DURATION_SECONDS,
            "memory_mb": 256,
            "architecture": "arm64",
            "largest_item_bytes": item_bytes,
            "largest_message_bytes": message_bytes,
            "region": "us-east-1 list prices, no free tier",
        },
        "prices_usd": PRICES_USD,
        "not_included": {
            "cloudwatch_logs_per_million_events": round(logs, 2),
            "also": "X-Ray traces (sampled), KMS requests (SNS reuses data keys), delivery to subscribers "
            "(e-mail, HTTPS; SQS is free), storage of the day-long records, alarms",
        },
    }
