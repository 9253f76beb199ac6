"""What a failure message may read to say why (notifier.failures): read actions only, on the
narrowest resources IAM allows, and how much of them per message (the function's environment)."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_iam as iam

from ssm_event_notifier.contract.catalog import FAMILY_BY_NAME, failure_read_event_types
from ssm_event_notifier.contract.environment import FailureReading
from ssm_event_notifier.functions import NotifierFunction

# These reads support no resource-level permissions (the Service Authorization Reference lists no
# resource type for them: docs.aws.amazon.com/service-authorization/latest/reference/
# list_awssystemsmanager.html and list_amazonec2.html): they can only be allowed on "*". All read-only.
READS_WITHOUT_RESOURCES = (
    "ssm:ListCommandInvocations",
    "ssm:DescribeAutomationExecutions",
    "ssm:DescribeInstanceInformation",
    "ssm:DescribeMaintenanceWindowExecutionTaskInvocations",
    "ssm:DescribeMaintenanceWindowExecutionTasks",
    "ec2:DescribeImages",
    "ec2:DescribeInstances",
)
WHY_STAR = (
    "ssm:ListCommandInvocations, ssm:DescribeAutomationExecutions, ssm:DescribeInstanceInformation, "
    "ssm:DescribeMaintenanceWindowExecutionTaskInvocations, ssm:DescribeMaintenanceWindowExecutionTasks, "
    "ec2:DescribeImages and ec2:DescribeInstances (read-only: why a command, window run or task, execution "
    "or image failed, and instance names) support no resource-level permissions"
)


def grant_failure_reads(
    function: NotifierFunction, reading: FailureReading, operations: bool = True, access_requests: bool = False
) -> None:
    """The reads of notifier.failures.reads, and the budget the function reads them within: `operations`,
    those of AMIs and fleet-wide operations (commands, window runs, executions, associations) and of
    instance names; `access_requests`, the OpsItems of just-in-time access requests."""
    for name, value in reading.variables().items():
        function.function.add_environment(name, value)
    if not reading.reads:
        return
    stack = Stack.of(function)

    def arn(service: str, resource: str) -> str:
        return f"arn:{stack.partition}:{service}:{stack.region}:{stack.account}:{resource}"

    role = function.role
    wildcards: list[tuple[str, str]] = []
    if operations:
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["ssm:GetAutomationExecution"], resources=[arn("ssm", "automation-execution/*")]
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["ssm:DescribeInstanceAssociationsStatus"],
                resources=[arn("ec2", "instance/*"), arn("ssm", "managed-instance/*")],
            )
        )
        role.add_to_policy(iam.PolicyStatement(actions=list(READS_WITHOUT_RESOURCES), resources=["*"]))
        wildcards += [("ssm", "automation-execution"), ("ec2", "instance"), ("ssm", "managed-instance")]
    if access_requests:  # a just-in-time access request is an OpsItem: where it stands, and why it failed
        role.add_to_policy(iam.PolicyStatement(actions=["ssm:GetOpsItem"], resources=[arn("ssm", "opsitem/*")]))
        wildcards.append(("ssm", "opsitem"))
    for service, resource in wildcards:
        Validations.of(function).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>:"
                f"{resource}/*]",
                reason=f"Read-only: which {resource} failed is known only from the event, at run time; the "
                "account and region are the stack's own.",
            )
        )


def grant_failure_reads_to_event_functions(
    functions: dict[str, NotifierFunction], families: set[str], reading: FailureReading, digested: tuple[str, ...]
) -> None:
    """The event functions that publish failures of `families` (those not digested) may read why: the
    reads of the families each explains (a just-in-time access request reads its OpsItem only)."""
    explained: dict[str, set[str]] = {}
    for e in failure_read_event_types():
        if e.family in families and e.detail_type not in digested:
            explained.setdefault(FAMILY_BY_NAME[e.family].function, set()).add(e.family)
    for name, explains in sorted(explained.items()):
        grant_failure_reads(
            functions[name],
            reading,
            operations=bool(explains - {"node-access"}),
            access_requests="node-access" in explains,
        )
