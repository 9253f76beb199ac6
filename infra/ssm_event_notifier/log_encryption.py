"""The customer-managed KMS key of the functions' log groups (NIST 800-53 R5 AU-9, SC-28)."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

# What CloudWatch Logs does with a log group's key (AWS: "Encrypt log data in CloudWatch Logs using
# AWS KMS"), named one by one instead of the documented wildcards.
LOGS_KEY_ACTIONS = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:DescribeKey",
)


class LogEncryption(Construct):
    """A key CloudWatch Logs of this region may use for the log groups of this account and region only.

    The functions' roles get no permission on it: CloudWatch Logs encrypts and decrypts itself. Like the
    log groups it is retained when the stack is deleted (without it their logs could not be read).
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "Key",
            description="Encrypts the SSM Event Notifier log groups",
            enable_key_rotation=True,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsOfThisAccountAndRegion",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=list(LOGS_KEY_ACTIONS),
                resources=["*"],  # in a key policy, "*" means this key
                conditions={
                    # Log groups cannot be named here (their ARNs would depend on this key): any of this
                    # account and region, through CloudWatch Logs only.
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
                        )
                    }
                },
            )
        )
