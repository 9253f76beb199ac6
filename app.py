#!/usr/bin/env python3
"""The CDK app: `npx cdk synth` / `npx cdk deploy` (see README)."""

import sys

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.calendars import CalendarFileError
from infra.settings import SettingsError
from infra.stack import NotifierStack

STACK_NAME = "SsmEventNotifier"

app = cdk.App()
try:
    NotifierStack(app, STACK_NAME, description="SSM Event Notifier: Systems Manager and EC2 AMI events to SNS")
except (CalendarFileError, SettingsError) as error:
    # A configuration mistake: the message says what to fix, a traceback would only hide it.
    sys.exit(f"cannot synthesize {STACK_NAME}: {error}")
cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
app.synth()
