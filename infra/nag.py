"""cdk-nag AwsSolutions findings this design accepts, each with its reason."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations

from infra.failure_reads import WHY_STAR
from infra.functions import NotifierFunction


def acknowledge_function_findings(function: NotifierFunction) -> None:
    Validations.of(function.dead_letter_queue).acknowledge(
        Acknowledgment(
            id="AwsSolutions-SQS3",
            reason="This queue is itself the dead-letter queue (Lambda on-failure destination and rule DLQ).",
        )
    )
    Validations.of(function).acknowledge(
        Acknowledgment(
            id="AwsSolutions-IAM5[Resource::*]",
            reason="xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; "
            f"nor do the failure reads of the digest sweeper: {WHY_STAR}; "
            "every other statement of the role names its resource.",
        )
    )
