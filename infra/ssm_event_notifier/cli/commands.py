"""The commands of ``ssm-event-notifier`` (click). The work is done in the modules beside this one; each
command here reads its options, opens the stack and shows the result."""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

import click

from ssm_event_notifier.cli.stack_resources import DEFAULT_STACK, StackResources

FORWARDED = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}


def repository_module(name: str) -> ModuleType:
    """A module of the repository's tools/ (its local harness and sample events): present in a checkout,
    not in the installed package."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if not (error.name or "").startswith("tools"):
            raise
        raise click.ClickException(
            "this needs a checkout of the repository (its tools/ run the stack on local stand-ins): "
            "run `python -m ssm_event_notifier ...` in its root, after `make setup`"
        ) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
def cli() -> None:
    """Operate SSM Event Notifier: is it healthy, what waits in a dead-letter queue, does a route reach its
    channel, and what will people see."""


def _forward(module: str, args: tuple[str, ...]) -> None:
    main: Callable[[list[str]], int] = repository_module(module).main
    sys.exit(main(list(args)))


@cli.command(context_settings=FORWARDED, add_help_option=False, short_help="Replay events through the stack locally.")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def replay(args: tuple[str, ...]) -> None:
    """Replay events through the synthesized stack on local stand-ins (python -m tools.replay; --help lists
    its options)."""
    _forward("tools.replay", args)


@cli.command(context_settings=FORWARDED, add_help_option=False, short_help="Invoke one function locally.")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def invoke(args: tuple[str, ...]) -> None:
    """One invocation of one function of the template, like `sam local invoke` (python -m tools.invoke)."""
    _forward("tools.invoke", args)


@cli.command(context_settings=FORWARDED, add_help_option=False, short_help="Write a fleet's worth of events.")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def storm(args: tuple[str, ...]) -> None:
    """A fleet's worth of events for fleet-wide operations, to replay (python -m tools.storm)."""
    _forward("tools.storm", args)


def stack_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Which stack: a deployed one (--stack, with the AWS credentials of the environment or --profile), or
    the one a replay left on the local stand-ins (--endpoint, as `replay --keep` prints it)."""
    options = [
        click.option("--stack", "stack_name", default=DEFAULT_STACK, show_default=True, help="the deployed stack"),
        click.option("--region", help="its region (default: the environment's)"),
        click.option("--profile", help="the AWS profile to use"),
        click.option("--endpoint", metavar="URL", help="the local stand-ins' moto server (replay --keep)"),
        click.option("--dynamodb-endpoint", metavar="URL", help="and their DynamoDB Local"),
        click.option(
            "-c", "--context", "context", multiple=True, metavar="KEY=VALUE", help="local: the replay's CDK context"
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@contextlib.contextmanager
def open_stack(options: dict[str, Any]) -> Iterator[StackResources]:
    from botocore.exceptions import BotoCoreError, ClientError

    if any("=" not in pair for pair in options["context"]):
        raise click.UsageError("-c takes KEY=VALUE")
    context = dict(pair.split("=", 1) for pair in options["context"])
    try:
        if options["endpoint"]:
            local = repository_module("tools.local_operations")
            try:
                with local.local_resources(
                    options["endpoint"], options["dynamodb_endpoint"], context, sys.stderr, options.get("secrets")
                ) as stack:
                    yield stack
            except local.NoLocalStack as error:
                raise click.ClickException(str(error)) from None
        else:
            from ssm_event_notifier.cli.stack_resources import deployed

            yield deployed(options["stack_name"], options["region"], options["profile"])
    except (BotoCoreError, ClientError) as error:
        raise click.ClickException(f"AWS: {error}") from None


@cli.command()
@stack_options
def status(**options: Any) -> None:
    """Each dead-letter queue's depth and oldest message, each function's errors and throttles in the last
    24 h, alarms in ALARM, the operations whose message is still to go out, the last message per family.
    Exit code 1 when something needs attention (a message waiting in a dead-letter queue, an alarm, errors)."""
    from ssm_event_notifier.cli.console import consoles, show_health
    from ssm_event_notifier.cli.health import check

    out, _ = consoles()
    with open_stack(options) as stack:
        health = check(stack)
        show_health(out, health, stack.name, stack.local)
    attention = health.attention()
    for line in attention:
        out.print(f"needs attention: {line}", style="red")
    if not attention:
        out.print("all well: nothing waiting, no alarm, no error", style="green")
    sys.exit(1 if attention else 0)


@cli.command()
@stack_options
@click.option("--function", "function_name", metavar="NAME", help="the dead-letter queues of one function")
@click.option("--all", "every", is_flag=True, help="every dead-letter queue of the stack")
@click.option("--dry-run", is_flag=True, help="list what would be sent again; change nothing")
@click.option("--include-refused", is_flag=True, help="send refused events (bad input) again too")
@click.option("-q", "--quiet", is_flag=True, help="no progress bar; list only the messages that stay")
def redrive(
    function_name: str | None, every: bool, dry_run: bool, include_refused: bool, quiet: bool, **options: Any
) -> None:
    """Send what waits in the dead-letter queues again, once: an event to its function (its idempotency
    record keeps a message that already went out from going out twice), a message back to the queue it came
    from. What fails again stays with its new reason; refused events are listed and stay unless
    --include-refused. Exit code 1 when something failed again."""
    from ssm_event_notifier.cli.console import consoles, progress, show_redrive
    from ssm_event_notifier.cli.dead_letters import dead_letter_queues
    from ssm_event_notifier.cli.redrive import FAILED_AGAIN, Redrive

    if bool(function_name) == every:
        raise click.UsageError("give --function NAME or --all")
    out, log = consoles()
    with open_stack(options) as stack:
        queues = dead_letter_queues(stack)
        if function_name:
            try:
                function = stack.find_function(function_name)
            except KeyError as error:
                raise click.UsageError(str(error.args[0])) from None
            queues = [queue for queue in queues if function in queue.functions]
        engine = Redrive(stack, include_refused=include_refused, dry_run=dry_run)
        waiting = engine.read(queues)
        done = []
        with progress(log, len(waiting), "dry run" if dry_run else "redrive", quiet) as advance:
            for one in engine.send_all(waiting):
                done.append(one)
                advance(one.outcome)
    show_redrive(out, done, dry_run, quiet)
    sys.exit(1 if any(one.outcome == FAILED_AGAIN for one in done) else 0)


@cli.command()
@click.argument("rows", type=click.File("r", encoding="utf-8"), default="-")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default="preview.html", show_default=True)
def preview(rows: TextIO, out: Path) -> None:
    """A self-contained HTML page of every message a replay produced, as e-mail, Slack, Teams and each route
    destination show it, with a summary at the top. ROWS: the replay's `--json` output ('-': stdin)."""
    from ssm_event_notifier.cli.preview_page import read_rows, write_page

    try:
        parsed = read_rows(rows)
    except ValueError as error:
        raise click.ClickException(f"{rows.name}: {error}") from None
    count = write_page(parsed, out)
    click.echo(f"preview of {count} messages: {out.resolve()}")


@cli.command("test-route")
@click.argument("name", required=False)
@stack_options
@click.option(
    "--secrets", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="local: the replay's --secrets"
)
def test_route(name: str | None, secrets: Path | None, **options: Any) -> None:
    """A clearly marked test notification through route NAME's destinations (webhooks, Slack, Teams, PagerDuty,
    JSM, its topic), one by one through the route relay, and what each did with it; without routes, through
    the notification topic, and the state of each of its subscriptions. Exit code 1 unless each accepted it."""
    from ssm_event_notifier.cli.console import consoles, show_accepted
    from ssm_event_notifier.cli.route_check import check_route

    out, _ = consoles()
    with open_stack({**options, "secrets": secrets}) as stack:
        try:
            accepted = check_route(stack, name)
        except KeyError as error:
            raise click.UsageError(str(error.args[0])) from None
    show_accepted(out, accepted, name)
    sys.exit(0 if accepted and all(one.ok for one in accepted) else 1)
