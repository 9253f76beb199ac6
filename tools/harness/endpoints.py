"""The environment that points boto3 and Powertools at the local services, never at AWS.

``local_aws_environment`` for a process that calls the services itself (a test, the bench);
``function_environment`` for a function run from its asset (tools.harness.lambda_runner), which
takes its own variables from the template. Any service without a local endpoint goes to a
closed local port.
"""

from __future__ import annotations

import os

REGION = "us-east-1"
METRICS_NAMESPACE = "SsmEventNotifierTest"  # the functions' metrics in local runs and tests
ACCOUNT = "123456789012"
# Where boto3 sends a service no test has a local endpoint for: a closed port, never AWS.
NOWHERE = "http://127.0.0.1:9"

# Anything that could send a client somewhere else than the local services.
ENVIRONMENT_CLEARED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_ENDPOINT_URL_LAMBDA",
    "POWERTOOLS_IDEMPOTENCY_DISABLED",
)


def local_aws_environment(
    dynamodb_endpoint: str, moto_endpoint: str, service_name: str = "ssm-event-notifier"
) -> dict[str, str]:
    """The environment variables that point boto3 and Powertools at the local services."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": NOWHERE,
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
        "AWS_ENDPOINT_URL_SNS": moto_endpoint,
        "AWS_ENDPOINT_URL_SQS": moto_endpoint,
        # A hub names accounts (Organizations) and reads member calendars through a role (STS).
        "AWS_ENDPOINT_URL_ORGANIZATIONS": moto_endpoint,
        "AWS_ENDPOINT_URL_STS": moto_endpoint,
        # Routes read their destinations' URLs and keys from Secrets Manager.
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": moto_endpoint,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": service_name,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }


def function_environment(endpoints: dict[str, str]) -> dict[str, str]:
    """What a function process gets besides its own variables: the stand-ins' endpoints."""
    environment = local_aws_environment(endpoints["dynamodb"], endpoints["sns"])
    environment["PATH"] = os.environ.get("PATH", "/usr/bin:/bin")
    for service in ("ssm", "events"):  # ssm: the calendar stand-in (tools/harness/calendar_service.py)
        environment[f"AWS_ENDPOINT_URL_{service.upper()}"] = endpoints[service]
    # ec2: the same stand-in, answering DescribeImages/DescribeInstances from fixtures; NOWHERE without it.
    environment["AWS_ENDPOINT_URL_EC2"] = endpoints.get("ec2", NOWHERE)
    for name in ("POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"):
        environment.pop(name, None)  # the function's own values come from the template
    return environment
