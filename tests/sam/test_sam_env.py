"""`make sam-env STACK=...` against a deployed stack: needs AWS credentials and the name of a deployed stack
(SAM_ENV_STACK), so it is skipped, saying so, everywhere else (tests/infra/test_local_build.py checks the
same resolution on CloudFormation's shape without AWS)."""

from __future__ import annotations

import json
import os

import pytest

from tools import sam
from tools.harness.template import LOCAL_OUTDIR


@pytest.mark.aws
def test_the_env_vars_file_of_a_deployed_stack_names_its_table_and_topic(monkeypatch: pytest.MonkeyPatch):
    stack = os.environ.get("SAM_ENV_STACK")
    if not stack:
        pytest.skip("needs AWS credentials and a deployed stack: SAM_ENV_STACK=<stack name> (make sam-env)")
    import boto3

    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # credentials from the environment only
    session = boto3.Session()
    if session.get_credentials() is None:
        pytest.skip("no AWS credentials in the environment")
    assert sam.main(["env", "--stack", stack]) == 0
    env_vars = json.loads((LOCAL_OUTDIR / f"sam-env.{stack}.json").read_text())
    outputs = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]
    by_key = {output["OutputKey"]: output["OutputValue"] for output in outputs}
    assert env_vars["AmiNotifier"]["NOTIFICATION_TOPIC_ARN"] == by_key["NotificationTopicArn"]
    assert env_vars["AmiNotifier"]["IDEMPOTENCY_TABLE_NAME"] == by_key["IdempotencyTableName"]
    assert env_vars["AmiNotifier"]["AWS_ENDPOINT_URL_SNS"] == ""
