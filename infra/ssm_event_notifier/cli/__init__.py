"""The command-line tool, ``ssm-event-notifier`` (also ``python -m ssm_event_notifier``).

Operating a stack: ``status``, ``redrive``, ``test-route`` (a deployed stack through its CloudFormation
resources, or the local stand-ins), and ``preview`` (a replay's messages as one HTML page). From a checkout
of the repository also ``replay``, ``invoke`` and ``storm``, which run its tools/ (the local harness, the
sample events): they are not part of the installed package.

Its dependencies are the package's ``cli`` extra (``pip install 'ssm-event-notifier[cli]'``).
"""

from __future__ import annotations

import sys

EXTRA_MODULES = {"click", "rich", "boto3", "botocore"}


def main() -> None:
    try:
        from ssm_event_notifier.cli.commands import cli
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in EXTRA_MODULES:
            raise
        print(
            f"ssm-event-notifier: the command-line tool needs {error.name}: pip install 'ssm-event-notifier[cli]'",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    cli()
