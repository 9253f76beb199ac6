"""``python -m ssm_event_notifier``: the command-line tool (ssm_event_notifier.cli)."""

from ssm_event_notifier.cli import main

main()
