"""cdk-nag: the rule packs every synth runs, and the findings this design accepts, each with its reason.

Three packs run as validation plugins (app.py): AwsSolutions, Serverless and NIST 800-53 R5. A finding
that is not acknowledged fails the synth. The Serverless and NIST findings that do not apply are
acknowledged here only, one reason per rule (ACCEPTED), and only on the resources the reason is true
of (acknowledge_accepted_findings checks it): a new function, queue or table gets no acknowledgement
by accident. docs/security.md gives the same list.

AwsSolutions acknowledgements that name one resource's grant stay beside the grant they explain
(failure_reads.py, organization.py, members.py, chat_channels.py); the function-wide ones are here.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, Names, Validations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks
from constructs import Construct, IConstruct

from ssm_event_notifier.failure_reads import WHY_STAR
from ssm_event_notifier.functions import NotifierFunction
from ssm_event_notifier.members import Forwarding, MemberStack
from ssm_event_notifier.topics import Topics
from ssm_event_notifier.trail import ManagementEventsTrail

PACKS = ("AwsSolutions", "Serverless", "NIST.800.53.R5")
DEAD_LETTER_RULES = ("AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy")

_ON_FAILURE_DESTINATION = (
    "The function is invoked asynchronously (EventBridge rules, schedules) and has an on-failure "
    "destination instead: an SQS queue of its own (Lambda EventInvokeConfig, 2 retries), AWS's successor of "
    "DeadLetterConfig, whose record also holds the error and the attempts; the rule checks DeadLetterConfig "
    "only. The queue is alarmed. SQS-triggered functions send failed records to the same queue through the "
    "source queue's redrive policy."
)
_DEAD_LETTER_QUEUE = (
    "This queue is itself a dead-letter queue (a function's on-failure destination, a source queue's "
    "redrive target, a rule target's DLQ, the e-mail subscriptions' redrive target). A dead-letter queue of "
    "a dead-letter queue would only move the same messages further away: they stay 14 days, an alarm "
    "fires at the first one, and they are redriven by hand once the cause is fixed. (A member account's "
    "forwarding queue has no alarm: the member stack has no alarm topic; its depth is a CloudWatch metric "
    "of that account.)"
)
_DYNAMODB_BACKUP = (
    "Point-in-time recovery is on (35 days, to the second) and the items are short-lived bookkeeping that "
    "expires by TTL: idempotency records (the dedupe window, at most 7 days) and the statuses of running "
    "fleet-wide operations. Losing the table costs at most a repeated notification; AWS Backup snapshots "
    "would hold nothing worth restoring that PITR does not. An organization backup policy can still select "
    "the tables by tag."
)

# One entry per rule: why it does not apply where acknowledge_accepted_findings acknowledges it.
ACCEPTED: dict[str, str] = {
    "Serverless-LambdaDLQ": _ON_FAILURE_DESTINATION,
    "NIST.800.53.R5-LambdaDLQ": _ON_FAILURE_DESTINATION,
    "NIST.800.53.R5-LambdaConcurrency": (
        "Only with -c reservedConcurrency=false, for an account whose Lambda concurrency quota is below what "
        "the stack sets aside (59, 61 with chat, plus the 100 Lambda keeps unreserved): the functions then "
        "share the account's pool. Fleet-wide bursts still wait in the fleet operations buffer, whose reader's event "
        "source mapping keeps its maximum concurrency of 5."
    ),
    "NIST.800.53.R5-LambdaInsideVPC": (
        "The functions call only AWS APIs (DynamoDB, SNS, SQS, SSM, EC2, Organizations, X-Ray, CloudWatch) "
        "over TLS with SigV4, are invoked only by AWS services, and reach nothing in a network of the "
        "account. A VPC would add NAT gateways or interface endpoints (cost per hour, and failure modes: "
        "ENI exhaustion, endpoint policies) without reducing exposure: access is governed by IAM, "
        "least privilege per function (tests/infra/test_policies.py)."
    ),
    "NIST.800.53.R5-IAMNoInlinePolicy": (
        "Each policy is the role's own (CDK's DefaultPolicy, or an inline policy), written for one function "
        "or role: its resources name this stack's topic, table, queue, log group or bus, and it is deleted "
        "with the role. A customer-managed policy would be the same statements as a standalone object that "
        "any other principal of the account could be attached to, widening their use; AWS-managed policies "
        "are broader than these grants. Least privilege per role is tested (tests/infra/test_policies.py)."
    ),
    "NIST.800.53.R5-DynamoDBInBackupPlan": _DYNAMODB_BACKUP,
    "NIST.800.53.R5-S3BucketReplicationEnabled": (
        "The trail's buckets (createTrail=true) hold this region's log files and their S3 access logs: "
        "versioned, retained when the stack is deleted, the log files KMS-encrypted and validated with "
        "CloudTrail's digest files, and copied to CloudWatch Logs. Replicating them needs a bucket in another "
        "region, which an organization's log archive account provides (an organization trail) better than "
        "one stack of one account."
    ),
    "NIST.800.53.R5-S3DefaultEncryptionKMS": (
        "The trail's access log bucket: S3 server access logging delivers only to a bucket encrypted with "
        "SSE-S3 (AWS: 'Enabling Amazon S3 server access logging'), so it is SSE-S3; the log files themselves "
        "are KMS-encrypted with the trail's key."
    ),
    "Serverless-SQSRedrivePolicy": _DEAD_LETTER_QUEUE,
    "AwsSolutions-SQS3": _DEAD_LETTER_QUEUE,
    "Serverless-LambdaEventSourceMappingDestination": (
        "The mapping reads an SQS queue, for which Lambda supports no on-failure destination (only Kinesis, "
        "DynamoDB Streams and Kafka sources): the queue's own redrive policy moves a record that fails 5 "
        "times to the function's dead-letter queue (alarmed), and the function reports partial batch "
        "failures so that only the failed records are retried."
    ),
}


def add_rule_packs(app: App) -> None:
    """AwsSolutions, Serverless and NIST 800-53 R5, as validation plugins: a finding fails the synth."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app), NIST80053R5Checks(app))


def acknowledge(scope: IConstruct, *rules: str) -> None:
    for rule in rules:
        Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=ACCEPTED[rule]))


def acknowledge_function_findings(function: NotifierFunction) -> None:
    """The AwsSolutions findings of every function (infra/ssm_event_notifier/stack.py, as each is added)."""
    Validations.of(function).acknowledge(
        Acknowledgment(
            id="AwsSolutions-IAM5[Resource::*]",
            reason="xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; "
            f"nor do the failure reads of the digest sweeper: {WHY_STAR}; nor ec2:DescribeTags (routes by tags); nor "
            "the advance notices' ssm:DescribeMaintenanceWindows and ssm:DescribeInstanceInformation (read-only); "
            "every other statement of the role names its resource.",
        )
    )


def acknowledge_accepted_findings(scope: Construct) -> None:
    """The Serverless and NIST findings of ACCEPTED, on every resource of `scope` (an app: every stage and
    stack) whose design the reason describes; call it once everything is built."""
    nodes = scope.node.find_all()
    # Queues with a redrive policy, by the name their SQS event source mappings carry.
    redriven = {Names.node_unique_id(n.node) for n in nodes if isinstance(n, sqs.Queue) and n.dead_letter_queue}
    for node in nodes:
        if isinstance(node, NotifierFunction):
            if node.function.node.try_find_child("EventInvokeConfig") is None:
                raise AssertionError(f"{node.node.path}: no on-failure destination, LambdaDLQ would apply")
            acknowledge(node.function, "Serverless-LambdaDLQ", "NIST.800.53.R5-LambdaDLQ")
            acknowledge(node.function, "NIST.800.53.R5-LambdaInsideVPC")
            acknowledge(node.role, "NIST.800.53.R5-IAMNoInlinePolicy")
            acknowledge(node.dead_letter_queue, *DEAD_LETTER_RULES)
            if not node.concurrency_reserved:  # -c reservedConcurrency=false, said at deploy (docs/settings.md)
                acknowledge(node.function, "NIST.800.53.R5-LambdaConcurrency")
        elif isinstance(node, Forwarding):  # member accounts, and the hub's own events
            acknowledge(node.dead_letter_queue, *DEAD_LETTER_RULES)
            acknowledge(node.role, "NIST.800.53.R5-IAMNoInlinePolicy")
        elif isinstance(node, ManagementEventsTrail):
            acknowledge(node.bucket, "NIST.800.53.R5-S3BucketReplicationEnabled")
            acknowledge(
                node.access_logs, "NIST.800.53.R5-S3BucketReplicationEnabled", "NIST.800.53.R5-S3DefaultEncryptionKMS"
            )
            acknowledge(node.trail, "NIST.800.53.R5-IAMNoInlinePolicy")  # CDK's DefaultPolicy of its logs role
        elif isinstance(node, Topics) and node.undelivered:
            acknowledge(node.undelivered, *DEAD_LETTER_RULES)
        elif isinstance(node, MemberStack) and node.reader is not None:
            acknowledge(node.reader, "NIST.800.53.R5-IAMNoInlinePolicy")
        elif isinstance(node, dynamodb.Table):
            table = node.node.default_child
            if not (isinstance(table, dynamodb.CfnTable) and table.point_in_time_recovery_specification):
                raise AssertionError(f"{node.node.path}: no point-in-time recovery, DynamoDBInBackupPlan would apply")
            acknowledge(node, "NIST.800.53.R5-DynamoDBInBackupPlan")
        elif isinstance(node, lambda_.EventSourceMapping):
            source, _, queue = node.node.id.partition(":")
            if source == "SqsEventSource" and queue in redriven:
                acknowledge(node, "Serverless-LambdaEventSourceMappingDestination")
