#!/usr/bin/env python3
"""A team's own CDK app that adds the notifier to one of its stacks (`pip install ssm-event-notifier`).

python app.py            # synthesizes into cdk.out/, cdk-nag's three rule packs included
"""

from aws_cdk import App, Stack

from ssm_event_notifier import SsmEventNotifier, add_rule_packs

app = App()
stack = Stack(app, "Platform")
notifier = SsmEventNotifier(
    stack,
    "Notifier",
    notification_emails=["ops@example.com"],
    enabled_families=["ami", "run-command", "maintenance-window"],
    dedupe_window_minutes=720,
)
# The construct's resources are the team's to wire further, e.g. another subscriber of every notification:
# notifier.notification_topic.add_subscription(...)
add_rule_packs(app)  # AwsSolutions, Serverless, NIST 800-53 R5: an unacknowledged finding fails the synth
app.synth()
