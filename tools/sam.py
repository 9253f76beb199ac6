"""The functions of the local build run by the real SAM CLI in Docker (`make sam-invoke`, `make sam-env`).

    python -m tools.sam invoke FUNCTION -e EVENT.json [--image auto|aws|stand-in|IMAGE]
    python -m tools.sam env --stack NAME [--region REGION] [--out FILE]
    python -m tools.sam image

invoke: against local stand-ins, started and left running (or those an earlier run, or `tools.replay
--keep`, left running: a second invocation of the same event is then a duplicate, as in Lambda), their
resources created from the template, an env-vars file written for every function, then `sam local invoke`;
prints what the subscriber queue received, as `make demo` does. FUNCTION is a short name (ami,
run-command, calendar-reconciler, notices, ...), a construct id (AmiNotifier) or a logical id; a function
that reads the queue EventBridge feeds (instance-events) takes a sample event too, handed to it as SQS would,
in a batch of one record (the digest sweeper sends its message a minute later); a scheduled function takes
examples/scheduled-event.json (the Friday afternoon of `make demo`, whose windows the reads
stand-in serves from examples/notices). --image: the runtime
image, by default (auto) this machine's stand-in when one is built (`image`), else AWS's from its public
registry, else (no registry reachable) a stand-in built now. Exit code 0 when the function notified or
answered a duplicate.
env: the env-vars file for a deployed stack (its resources, AWS's own endpoints), from the credentials of
the environment; `sam local invoke` with it publishes to the deployed topic.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tools import REPO_ROOT, repo_relative
from tools.harness.docker_engine import DockerUnavailable, bridged, docker_engine
from tools.harness.endpoints import function_environment as stand_ins_environment
from tools.harness.lambda_image import AWS_IMAGE, ensure_image, image_exists, image_tag, installation
from tools.harness.local_stack import LocalStack
from tools.harness.outcomes import OK_OUTCOMES, ReplayedEvent, batch_outcome
from tools.harness.replayer import Replayer
from tools.harness.sam_cli import find_sam, local_invoke
from tools.harness.sam_env import ENDPOINT_PREFIX, deployed_env_vars, local_env_vars, write_env_vars
from tools.harness.samples import CALENDAR_DOCUMENTS
from tools.harness.sqs_records import as_queued
from tools.harness.stand_ins import kept_stand_ins, stand_ins
from tools.harness.template import LOCAL_OUTDIR, Template, ensure_synthesized
from tools.replay_output import print_human

ENV_VARS = LOCAL_OUTDIR / "sam-env.json"
NOTICE_WINDOWS = REPO_ROOT / "examples" / "notices"


def runtime_image(choice: str, log: Any) -> str | None:
    """The image for --invoke-image, or None: SAM pulls AWS's."""
    if choice == "aws":
        return None
    if choice == "stand-in":
        return ensure_image(log)
    if choice != "auto":
        return choice
    from ssm_event_notifier.runtime_python import runtime_python

    found = runtime_python(required=False)
    tag = image_tag(installation(found)[0]) if found else None
    if tag and image_exists(tag):
        print(f"runtime image: {tag}, this machine's stand-in for {AWS_IMAGE} (--image aws: SAM pulls it)", file=log)
        return tag
    aws = f"{AWS_IMAGE}-{'arm64' if os.uname().machine in ('aarch64', 'arm64') else 'x86_64'}"
    pulled = subprocess.run(["docker", "pull", "-q", aws], capture_output=True, text=True, timeout=900, check=False)
    if pulled.returncode == 0:
        print(f"runtime image: {aws}, from AWS's public registry", file=log)
        return None
    print(f"runtime image: {aws} cannot be pulled here ({pulled.stderr.strip()[-200:]}): a stand-in instead", file=log)
    return ensure_image(log)


@contextlib.contextmanager
def running_stand_ins(log: Any) -> Iterator[dict[str, str]]:
    """The stand-ins an earlier run left running, else new ones left running; the calendars and reads
    (served by this process) with the calendar samples' documents."""
    kept = kept_stand_ins()
    if kept:
        print(f"stand-ins: reusing moto at {kept[0]} and DynamoDB at {kept[1]}, left running before", file=log)
    moto, dynamodb = kept or (None, None)
    reads = (NOTICE_WINDOWS,)  # the windows the advance notices announce, as in `make demo`
    with stand_ins(log, moto, dynamodb, keep=kept is None, calendars=CALENDAR_DOCUMENTS, reads=reads) as endpoints:
        yield endpoints


def sam_env_vars(template: Template, stack: LocalStack, reach: dict[str, str], calendars: str) -> Path:
    """The env-vars file: every function's variables on the stand-ins, as its container reaches them."""
    endpoints = {k: v for k, v in stand_ins_environment(reach).items() if k.startswith(ENDPOINT_PREFIX)}
    return write_env_vars(local_env_vars(template, stack, {**endpoints, "MONITORED_CALENDARS": calendars}), ENV_VARS)


def fed_queue(template: Template, function: str) -> str | None:
    """The queue that rules feed with events and `function` reads (instance-events: the buffer), if any."""
    fed = {queue for rule in template.rules() for queue in rule.target_queues}
    mappings = template.event_source_mappings()
    return next((m.queue for m in mappings if m.function == function and m.queue in fed), None)


def invoke(args: argparse.Namespace, log: Any, out: Any) -> int:
    template = Template(ensure_synthesized(log=log))
    spec = template.find_function(args.function)
    sam = find_sam()
    if sam is None:
        raise SystemExit("no SAM CLI: `make sam-invoke` installs it (.venv/sam), or name one with SAM_CLI=")
    event_path = Path(args.event)
    event = json.loads(event_path.read_text())
    with docker_engine(log, keep=True), running_stand_ins(log) as endpoints:
        image = runtime_image(args.image, log)
        stack = LocalStack(template, endpoints).deploy()
        replayer = Replayer(template, stack, {}, None)
        replayer.received()  # what earlier runs left in the subscriber queue is theirs
        queue = fed_queue(template, spec.logical_id)
        if queue and "Records" not in event:
            event_path = LOCAL_OUTDIR / "sam-event.json"
            event_path.write_text(json.dumps(as_queued([event], stack.attributes[(queue, "Arn")]), indent=2))
            print(f"{args.event}: handed over as SQS would, from {template.construct_path(queue)}", file=log)
        with bridged(endpoints) as reach:
            env_vars = sam_env_vars(template, stack, reach, endpoints["calendars"])
            print(
                f"sam local invoke -t {repo_relative(template.path)} {spec.construct_id} "
                f"-e {repo_relative(event_path)} --env-vars {repo_relative(env_vars)}"
                + (f" --invoke-image {image} --skip-pull-image" if image else ""),
                file=log,
            )
            invocation = local_invoke(sam, template.path, spec.construct_id, event_path, env_vars, image)
        delivery = ReplayedEvent(
            args.event, event.get("id"), event.get("detail-type"), "sam local invoke", spec.construct_id
        )
        delivery.outcome = invocation.outcome
        delivery.error = ": ".join(invocation.error) if invocation.error else None
        delivery.logs = invocation.logs
        delivery.notifications = replayer.received()
    answer = invocation.answer
    if delivery.outcome == "notified" and isinstance(answer, dict) and "batchItemFailures" in answer:
        records = len(event["Records"]) if "Records" in event else 1
        failed = len(answer["batchItemFailures"])
        delivery.outcome, delivery.error = batch_outcome(failed, records, True, invocation.logs, "")
    elif delivery.outcome == "notified" and not delivery.notifications:  # as the replay names such runs
        delivery.outcome = "checked"
    print_human(delivery, verbose=True, out=out)
    print(f"sam local invoke: {invocation.seconds:.1f} s; {len(delivery.notifications)} messages received", file=log)
    return 0 if delivery.outcome in OK_OUTCOMES else 1


def deployed_env(args: argparse.Namespace, log: Any) -> int:
    import boto3

    template = Template(ensure_synthesized(log=log))
    session = boto3.Session(region_name=args.region) if args.region else boto3.Session()
    if not session.region_name:
        raise SystemExit("no region: set AWS_REGION or pass --region")
    pages = session.client("cloudformation").get_paginator("list_stack_resources").paginate(StackName=args.stack)
    resources = [summary for page in pages for summary in page["StackResourceSummaries"]]
    env_vars, unresolved = deployed_env_vars(template, resources, session.region_name)
    path = write_env_vars(env_vars, args.out or LOCAL_OUTDIR / f"sam-env.{args.stack}.json")
    for line in unresolved:
        print(f"not in the deployed stack: {line}", file=log)
    print(
        f"wrote {repo_relative(path)} ({len(env_vars)} functions of {args.stack} in {session.region_name}); then:",
        file=log,
    )
    sam = find_sam()
    sam_path = repo_relative(Path(sam)) if sam else "sam"  # the SAM CLI that `make sam-env` installs
    print(
        f"{sam_path} local invoke -t {repo_relative(template.path)} AmiNotifier -e events/ami/failed.json "
        f"--env-vars {repo_relative(path)}",
        file=log,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.sam", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("invoke", help="one function, one event, on the local stand-ins")
    run.add_argument("function", metavar="FUNCTION")
    run.add_argument("-e", "--event", required=True, metavar="EVENT.json")
    run.add_argument("--image", default="auto", metavar="auto|aws|stand-in|IMAGE")
    env = commands.add_parser("env", help="the env-vars file for a deployed stack (needs AWS credentials)")
    env.add_argument("--stack", required=True)
    env.add_argument("--region")
    env.add_argument("--out", type=Path)
    commands.add_parser("image", help="build this machine's stand-in for the Lambda runtime image (once)")
    args = parser.parse_args(argv)
    log, out = sys.stderr, sys.stdout
    try:
        if args.command == "invoke":
            return invoke(args, log, out)
        if args.command == "env":
            return deployed_env(args, log)
        with docker_engine(log, keep=True):
            print(ensure_image(log), file=out)
        return 0
    except DockerUnavailable as error:
        print(f"Docker cannot run here: {error}", file=log)
        return 2
    except KeyError as error:  # find_function: no such function
        parser.error(str(error.args[0]))


if __name__ == "__main__":
    sys.exit(main())
