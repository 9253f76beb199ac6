"""A fleet's worth of events for fleet-wide operations, to replay.

    python -m tools.storm --out DIR (--fleet | --instances N [--failures K] [--kind KIND])
                          [--repeats 0.1] [--seed S] [--no-parent] [--force]

Writes one EventBridge event per file, numbered so that sorted order is the delivery order (see
tools/storm_events.py for what each kind sends). `--fleet` writes five routine fleet-wide
operations, one folder each: a Run Command and a Maintenance Window run on 1,000 instances (2 fail),
a State Manager association applied to 1,000 instances (3 fail), a patch compliance scan of 1,000
instances (996 non-compliant) and an Automation runbook of 40 steps (1 fails).
`python -m tools.replay DIR` then runs them as the stack would.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tools.storm_events import KINDS, Storm, generate

__all__ = ["FLEET", "Storm", "generate", "main", "write"]

# Five routine fleet-wide operations: (kind, items, failing items).
FLEET = (
    ("command", 1000, 2),
    ("window", 1000, 2),
    ("association", 1000, 3),
    ("compliance", 1000, 996),
    ("automation", 40, 1),
)


def write(storm: Storm, folder: Path, force: bool = False) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    existing = sorted(folder.glob("*.json"))
    if existing and not force:
        raise SystemExit(f"storm: {folder} already holds {len(existing)} event files; --force replaces them")
    for path in existing:
        path.unlink()
    width = len(str(len(storm.events)))
    paths = []
    for number, event in enumerate(storm.events, start=1):
        path = folder / f"{number:0{width}d}.json"
        path.write_text(json.dumps(event, indent=2) + "\n")
        paths.append(path)
    return paths


def _describe(storm: Storm, folder: Path, count: int, parent: bool) -> str:
    shown = ", ".join(storm.failed[:5]) + (", ..." if len(storm.failed) > 5 else "")
    return (
        f"wrote {count} events to {folder}: {storm.kind} {storm.operation_id} on {len(storm.instances)} items, "
        f"{len(storm.failed)} failing ({shown}), {storm.repeats} repeats"
        + ("" if parent else ", without the operation's own events")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.storm", description=__doc__.split("\n\n")[0])
    parser.add_argument("--fleet", action="store_true", help="five routine fleet-wide operations, a folder each")
    parser.add_argument("--instances", type=int, metavar="N")
    parser.add_argument("--failures", type=int, default=0, metavar="K")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")
    parser.add_argument("--kind", choices=KINDS, default="command")
    parser.add_argument("--repeats", type=float, default=0.1, metavar="SHARE", help="exact repeats (default 0.1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-parent", action="store_true", help="leave out the operation's own events")
    parser.add_argument("--force", action="store_true", help="replace the event files already in DIR")
    args = parser.parse_args(argv)
    if args.fleet == (args.instances is not None):
        parser.error("give either --fleet or --instances")
    if args.instances is not None and args.instances < 1:
        parser.error("--instances must be at least 1")
    plan = FLEET if args.fleet else ((args.kind, args.instances, args.failures),)
    if args.fleet and args.force:
        for stale in args.out.glob("*.json"):  # a single storm written there before
            stale.unlink()
    for number, (kind, instances, failures) in enumerate(plan, start=1):
        try:
            storm = generate(instances, failures, kind, args.repeats, args.seed + number, not args.no_parent)
        except ValueError as error:
            parser.error(str(error))
        folder = args.out / f"{number}-{kind}" if args.fleet else args.out
        paths = write(storm, folder, args.force)
        print(_describe(storm, folder, len(paths), not args.no_parent), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
