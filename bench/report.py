"""The benchmark table of the documentation's Benchmarks page (docs/benchmarks.md), from bench/results.json.

    python -m bench.report [--page docs/benchmarks.md]

Prints the table; with --page, also rewrites it in place between the markers
<!-- bench:begin --> and <!-- bench:end --> (when the file has them), so that the page
always shows the figures of the last `make bench`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench import notice_calls, route_calls
from bench.calls import CLAIMED, EXEMPT
from bench.calls import operations as _ops

RESULTS = Path(__file__).resolve().parent / "results.json"
PAGE = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def _kb(size: int) -> str:
    return f"{size / 1024:,.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:,.1f} MB"


def _spent(milliseconds: dict[str, float], count: int = 4) -> str:
    return ", ".join(f"{name} {ms:.0f}" for name, ms in list(milliseconds.items())[:count] if ms >= 1)


def _goal(cold: dict[str, Any]) -> str:
    goals = sorted({f["goal"] for f in cold["functions"].values()})
    return f"<= {goals[-1]:g}" + (f" (hot: <= {goals[0]:g})" if len(goals) > 1 else "")


def cold_start_rows(cold: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    functions, base = cold["functions"], cold["baseline"]
    worst = functions[cold["worst_function"]]
    ratios = [f["ratio"] for f in functions.values()]
    rows = [
        (
            "cold_start_ratio",
            f"**{cold['cold_start_ratio']}** (worst: {cold['worst_function']}, {worst['seconds']} s = init "
            f"{worst['init_seconds']} + first invocation {worst['first_invocation_seconds']}; all "
            f"{min(ratios)}-{max(ratios)}; goal met: {'yes' if cold['met'] else 'no'})",
            f"{base['seconds']} s (init {base['init_seconds']} + {base['first_invocation_seconds']}): import boto3, "
            "DynamoDB and SNS clients; PutItem, Publish, UpdateItem",
            _goal(cold),
        )
    ]
    bare = cold["without_bytecode"]
    if bare.get("runs"):
        old = [f["without_bytecode"]["ratio"] for f in functions.values()]
        rows.append(
            (
                "... without bytecode (the build before)",
                f"{max(old)} (all {min(old)}-{max(old)})",
                f"{bare['baseline']['seconds']} s (the runtime's boto3 keeps its bytecode)",
                "-",
            )
        )
    return rows


def _without(figures: dict[str, Any] | None) -> str:
    return f"{figures['ratio']} ({figures['seconds']} s)" if figures else "-"


def cold_start_table(cold: dict[str, Any]) -> list[str]:
    """Each function's cold start, with where its time goes (sampled), beside the baseline's."""
    measured, spent = cold.get("measured", {}), cold["where_the_time_goes"]
    lines = [
        f"Cold starts as Lambda starts them ({cold['runtime']}; {cold['how']}; medians of {cold['runs']} runs; "
        f"{measured.get('machine', 'this machine')}, {measured.get('date', '-')}). Where the time goes: "
        "milliseconds by package, sampled in one more start.",
        "",
        "| function (event) | init | first invocation | ratio (init only, CPU) | goal | without bytecode "
        "| where the time goes: init; first invocation (ms) |",
        "|---|---|---|---|---|---|---|",
    ]
    base = cold["baseline"]
    lines.append(
        f"| baseline (bare boto3) | {base['init_seconds']} s | {base['first_invocation_seconds']} s | 1 | - | - "
        f"| {_spent(spent['baseline']['init_ms'])}; {_spent(spent['baseline']['first_invocation_ms'], 2)} |"
    )
    for name, f in cold["functions"].items():
        lines.append(
            f"| {name} ({f['sample']}) | {f['init_seconds']} s | {f['first_invocation_seconds']} s "
            f"| **{f['ratio']}** ({f['init_ratio']}, {f['cpu_ratio']}) | <= {f['goal']:g} "
            f"| {_without(f.get('without_bytecode'))} "
            f"| {_spent(spent[name]['init_ms'])}; {_spent(spent[name]['first_invocation_ms'], 2)} |"
        )
    return lines


def _asset_row(assets: dict[str, Any]) -> tuple[str, str, str, str]:
    build = assets.get("lambda") or assets["host"]
    name = "Lambda build" if "lambda" in assets else "host build"
    code, layer = build["code"], build["layer"]
    pruned = sum(build.get("pruned_bytes", {}).values())
    return (
        f"asset_bytes ({name})",
        f"code {_kb(code['unzipped'])} ({_kb(code['zipped'])} zipped), layer {_kb(layer['unzipped'])} "
        f"({_kb(layer['zipped'])} zipped); of it bytecode for {build.get('layer_bytecode') or 'no Python'}: "
        f"{_kb(code.get('bytecode', 0) + layer.get('bytecode', 0))}; pruned: {_kb(pruned)}",
        "Lambda: 250 MB unzipped, 50 MB zipped",
        "-",
    )


def _fleet_rows(fleet: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    scale, throttled = fleet["scale"], fleet["throttled"]
    lost, throttled_lost = (run["dead_lettered"] + run["instances_not_final"] for run in (scale, throttled))
    return [
        (
            f"fleet: {scale['instances']:,}-instance Run Command",
            f"**{scale['events']:,} events in {scale['seconds']} s ({scale['events_per_second']} events/s)**, "
            f"{scale['workers']} environments, batches of {scale['batch_size']}; {lost} lost, "
            f"{scale['throttled_requests']} throttled, {len(scale['subjects'])} message; the sweep "
            f"{scale['sweep_seconds']} s ({_ops(_prefixed(scale['sweep_requests']))})",
            f"bare PutItem: {scale['bare_events_per_second']} events/s",
            "20,000 events within 300 s, none lost",
        ),
        (
            "... the operation's partition",
            f"peak **{scale['partition_peak_writes_per_second']} writes/s** (mean "
            f"{scale['partition_mean_writes_per_second']}); {scale['partition_writes_per_event']} writes per event: "
            f"{scale['partition_writes_per_second_at_goal']} writes/s at 20,000 events in 5 minutes",
            f"DynamoDB: {scale['partition_write_limit']:,} write units/s per partition",
            "below the limit",
        ),
        (
            f"... throttled at {throttled['partition_write_limit']} writes/s",
            f"{throttled['instances']:,} instances: {throttled['throttled_requests']} requests throttled, "
            f"{throttled['delivered_again']} records delivered again, "
            f"{throttled_lost} lost, {len(throttled['subjects'])} message",
            "-",
            "none lost",
        ),
    ]


def _failure_reasons_rows(reasons: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    budget = reasons["budget"]
    return [
        (
            f"failure reasons: {reasons['failures']} of {reasons['instances']:,} instances failed",
            f"**{reasons['calls_per_message']} AWS read calls per message** ({reasons['reasons_read']} reasons "
            f"read of {reasons['outputs']} outputs, {reasons['reasons']} groups shown, "
            f"{reasons['unavailable']} unavailable)",
            f"reads off (failureReads=0): {reasons['calls_per_message_off']} calls, {reasons['reasons_off']} reasons",
            f"<= {budget['calls']} calls",
        ),
        (
            "... time the reads add to the sweep",
            f"**+{reasons['added_seconds']} s** ({reasons['sweep_seconds_on']} s with reads, median of "
            f"{reasons['rounds']} sweeps; each read answered after {reasons['read_delay_seconds'] * 1000:.0f} ms)",
            f"reads off: {reasons['sweep_seconds_off']} s",
            f"< {budget['seconds']:g} s",
        ),
    ]


def _prefixed(requests: dict[str, int]) -> dict[str, float]:
    return {f"dynamodb.{operation}": count for operation, count in requests.items()}


def markdown(results: dict[str, Any]) -> str:
    cold, calls, speed = results["cold_start"], results["calls"], results["throughput"]
    assets, soak, cost = results["assets"]["asset_bytes"], results["soak"], results["cost"]
    families = calls["families"]
    typical = next(iter(f for name, f in families.items() if name not in EXEMPT + CLAIMED))
    calendar = [
        f"{what} {calls[key]['new']} new, {calls[key]['duplicate']} duplicate"
        for what, key in (("state changes", "calendar"), ("edits", "calendar_edits"))
        if calls.get(key)
    ]
    prices = cost["prices_usd"]
    rows = [
        *cold_start_rows(cold),
        (
            "calls_per_new_event",
            f"**{calls['calls_per_new_event']}** ({_ops(typical['new_by_operation'])})",
            "-",
            "<= 3",
        ),
        (
            "calls_per_duplicate",
            f"**{calls['calls_per_duplicate']}** ({_ops(typical['duplicate_by_operation'])})",
            "-",
            "<= 1",
        ),
        (
            "... AMI",
            f"{calls['ami']['new']} new ({_ops(families['ami']['new_by_operation'])}), "
            f"{calls['ami']['duplicate']} duplicate: one more write, the claim that makes EC2's two reports of an "
            "image state one message"
            if calls.get("ami")
            else "-",
            "-",
            "-",
        ),
        (
            "... calendar families",
            "; ".join(calendar) or "-",
            "-",
            "none",
        ),
        (
            "throughput_ratio",
            f"**{speed['throughput_ratio']}** ({speed['handler_events_per_second']} events/s, "
            f"{speed['handler_ms_per_event']} ms each)",
            f"bare calls: {speed['bare_events_per_second']} events/s ({speed['bare_ms_per_event']} ms)",
            ">= 0.8",
        ),
        _asset_row(assets),
        (
            "soak",
            f"{soak['events']:,} events ({soak['delivered_twice']:,} twice, {soak['faulted']} faulted, "
            f"{soak['threads']} threads): {soak['published_events']:,} published + "
            f"{soak['dead_lettered_events']} dead-lettered = {soak['published_plus_dead_lettered']:,}; "
            f"duplicates {soak['duplicates_published']} (+{soak['duplicates_published_documented_case']} "
            f"documented); **{soak['events_per_second']} events/s**",
            f"{soak['unique_events']:,} unique events",
            "sum = unique, 0 duplicates",
        ),
        (
            "cost_per_million_events",
            f"**${cost['cost_per_million_events']:.2f}** (Lambda {cost['new_events']['lambda']:.2f}, "
            f"DynamoDB {cost['new_events']['dynamodb']:.2f}, SNS {cost['new_events']['sns']:.2f}); "
            f"a duplicate: ${cost['duplicates']['total']:.2f} per million",
            f"{cost['assumptions']['duration_seconds'] * 1000:.0f} ms at 256 MB ARM64: "
            f"${prices['lambda_arm64_gb_second']:.10f}/GB-s + ${prices['lambda_request'] * 1e6:.2f}/M requests; "
            f"DynamoDB ${prices['dynamodb_on_demand_write_request_unit'] * 1e6:.3f}/M writes; "
            f"SNS ${prices['sns_publish_64kb_chunk'] * 1e6:.2f}/M publishes (us-east-1)",
            "lowest",
        ),
    ]
    lines = ["| figure | measured | baseline / basis | goal |", "|---|---|---|---|"]
    if "fleet" in results:
        rows[-1:-1] = _fleet_rows(results["fleet"])
    if "failure_reasons" in results:
        rows[-1:-1] = _failure_reasons_rows(results["failure_reasons"])
    if "route_calls" in results:
        after_calls = next(i for i, row in enumerate(rows) if row[0] == "... calendar families") + 1
        rows[after_calls:after_calls] = route_calls.rows(results["route_calls"])
    if "notice_calls" in results:
        rows[-1:-1] = notice_calls.rows(results["notice_calls"])
    lines += [f"| {' | '.join(row)} |" for row in rows]
    run = results["run"]
    lines += ["", *cold_start_table(cold)]
    measured = cold.get("measured", {})
    lines += [
        "",
        f"`make bench` ({run['mode']}): {run['wall_seconds']:.0f} s on {run['cores']} cores, {run['date']}, "
        f"Python {run['python']} for the harness; the cold starts and sizes: `{measured.get('command', '-')}`, "
        f"{measured.get('date', '-')}; every figure in `bench/results.json`.",
    ]
    return "\n".join(lines) + "\n"


def write_page(page: Path, table: str) -> bool:
    text = page.read_text()
    if BEGIN not in text or END not in text:
        return False
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    page.write_text(f"{head}{BEGIN}\n{table}{END}{tail}")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument(
        "--page", type=Path, help=f"rewrite the table between the bench markers of this file (make bench: {PAGE})"
    )
    args = parser.parse_args(argv)
    table = markdown(json.loads(args.results.read_text()))
    sys.stdout.write(table)
    if args.page and not write_page(args.page, table):
        print(f"{args.page}: no {BEGIN} ... {END} markers, left as it is", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
