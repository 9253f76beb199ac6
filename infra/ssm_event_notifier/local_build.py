"""What the local build (`layerPlatform=host`, for runs on this machine) declares besides its layer.

The real SAM CLI runs a function of the template in a container of the function's `Architectures`, and
its `--env-vars` sets only the variables the template declares for that function. So the local build
declares this machine's architecture (an arm64 function on an x86_64 machine would need an emulator),
and the endpoint variables that point boto3 at local stand-ins, set by default to a closed local port:
a function of the local build reaches no AWS service unless its env-vars file names one (and
LOCAL_HTTP_HOSTS, the hosts the route relay may reach over plain http: the stand-ins seen from SAM's
container). It also names
each resource for SAM (`SamResourceId`): SAM reads a resource's id from its `aws:cdk:path` only when
the path has at most three parts, and warns for every deeper one ("Cannot detect function id from
aws:cdk:path metadata"); a function's id is its construct's (`sam local invoke AmiNotifier`), any other
resource's its logical id, which SAM would have used anyway.

The Lambda build (the default) declares none of this: arm64, no endpoint variables, no SAM metadata.
"""

from __future__ import annotations

import os

import jsii
from aws_cdk import CfnResource, IAspect
from aws_cdk import aws_lambda as lambda_
from constructs import IConstruct

from ssm_event_notifier.contract.environment import LOCAL_HTTP_HOSTS

# Every service a function calls (boto3 reads AWS_ENDPOINT_URL_<SERVICE ID>), and the catch-all for
# any other, so that a local run of a function cannot reach AWS by a service nobody listed.
ENDPOINT_VARIABLES = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_SNS",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_SSM",
    "AWS_ENDPOINT_URL_EC2",
    "AWS_ENDPOINT_URL_EVENTS",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_ORGANIZATIONS",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
)
# Where a local function's calls go until its env-vars file says otherwise: a port nothing listens on.
CLOSED_PORT = "http://127.0.0.1:9"
LOCAL_HTTP_DEFAULT = "127.0.0.1"
SAM_RESOURCE_ID = "SamResourceId"
MACHINES = {"x86_64": lambda_.Architecture.X86_64, "amd64": lambda_.Architecture.X86_64}
MACHINES |= {"aarch64": lambda_.Architecture.ARM_64, "arm64": lambda_.Architecture.ARM_64}


def is_local(platform: str) -> bool:
    return platform == "host"


def architecture(platform: str, lambda_architecture: lambda_.Architecture) -> lambda_.Architecture:
    """The functions' and the layer's architecture: Lambda's for the Lambda build, this machine's for the local one."""
    if not is_local(platform):
        return lambda_architecture
    machine = os.uname().machine.lower()
    if machine not in MACHINES:
        raise ValueError(f"layerPlatform=host: Lambda runs no {machine} functions (x86_64 and arm64 only)")
    return MACHINES[machine]


def endpoint_variables(platform: str) -> dict[str, str]:
    """The endpoint variables a function of this build declares (none in the Lambda build), and the hosts
    the route relay may reach over plain http (this machine until an env-vars file names the bridge's)."""
    if not is_local(platform):
        return {}
    return {**dict.fromkeys(ENDPOINT_VARIABLES, CLOSED_PORT), LOCAL_HTTP_HOSTS: LOCAL_HTTP_DEFAULT}


@jsii.implements(IAspect)
class SamResourceIds:
    """Names each resource of the local build for SAM (see the module's docstring)."""

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, CfnResource) or node.get_metadata(SAM_RESOURCE_ID):
            return
        parts = node.node.path.split("/")
        if isinstance(node, lambda_.CfnFunction) and parts[-2:] == ["Function", "Resource"] and len(parts) > 3:
            node.add_metadata(SAM_RESOURCE_ID, parts[-3])  # NotifierFunction's id: AmiNotifier
        else:
            node.add_metadata(SAM_RESOURCE_ID, node.logical_id)
