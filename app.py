#!/usr/bin/env python3
"""The CDK app: `npx cdk synth` / `npx cdk deploy` (see README)."""

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.stack import NotifierStack

STACK_NAME = "SsmEventNotifier"

app = cdk.App()
NotifierStack(app, STACK_NAME, description="SSM Event Notifier: Systems Manager and EC2 AMI events to SNS")
cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
app.synth()
