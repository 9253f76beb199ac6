"""createTrail=true: a CloudTrail trail of this region's management events (writes).

The API audit and the calendar edits read CloudTrail's records on EventBridge ("AWS API Call via
CloudTrail"), which CloudTrail puts there only while a trail logs in the account and region. Most
accounts have one (or an organization trail): the stack creates none unless asked. This one logs
writes only (the audit's rules admit nothing else), to a versioned bucket encrypted with a key of
its own, with log file validation, its own access log bucket, and a copy in CloudWatch Logs.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

TRAIL_NAME = "ssm-event-notifier"
# How long the trail's log files are kept, in the bucket and in CloudWatch Logs.
LOG_FILE_DAYS = 365


def _bucket(scope: Construct, construct_id: str, **kwargs: object) -> s3.Bucket:
    return s3.Bucket(
        scope,
        construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        versioned=True,
        removal_policy=RemovalPolicy.RETAIN,  # the account's audit record outlives the stack
        **kwargs,  # type: ignore[arg-type]
    )


class ManagementEventsTrail(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, log_key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        trail_arn = stack.format_arn(service="cloudtrail", resource="trail", resource_name=TRAIL_NAME)
        any_trail = f"arn:{stack.partition}:cloudtrail:*:{stack.account}:trail/*"
        self.key = kms.Key(self, "Key", description="Encrypts the SSM Event Notifier trail", enable_key_rotation=True)
        # AWS: "Configure AWS KMS key policies for CloudTrail": this trail may encrypt with it, no other.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudTrailEncryptsThisTrail",
                principals=[iam.ServicePrincipal("cloudtrail.amazonaws.com")],
                actions=["kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" means this key
                conditions={
                    "StringEquals": {"aws:SourceArn": trail_arn},
                    "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": any_trail},
                },
            )
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudTrailDescribesTheKey",
                principals=[iam.ServicePrincipal("cloudtrail.amazonaws.com")],
                actions=["kms:DescribeKey"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceArn": trail_arn}},
            )
        )
        self.access_logs = _bucket(self, "AccessLogs", encryption=s3.BucketEncryption.S3_MANAGED)
        self.bucket = _bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            server_access_logs_bucket=self.access_logs,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(LOG_FILE_DAYS))],
        )
        log_group = logs.LogGroup(
            self,
            "Logs",
            retention=logs.RetentionDays.ONE_YEAR,
            encryption_key=log_key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.trail = cloudtrail.Trail(
            self,
            "Trail",
            trail_name=TRAIL_NAME,
            bucket=self.bucket,
            encryption_key=self.key,
            enable_file_validation=True,
            include_global_service_events=False,
            is_multi_region_trail=False,
            management_events=cloudtrail.ReadWriteType.WRITE_ONLY,
            send_to_cloud_watch_logs=True,
            cloud_watch_log_group=log_group,
        )
