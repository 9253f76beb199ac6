"""The stack a replay left running on the local stand-ins (``python -m tools.replay --keep``), seen as the
command-line tool sees a deployed one (``ssm_event_notifier.cli.stack_resources.StackResources``).

Repository only: it runs the functions from the synthesized assets (tools.harness), which the installed
package does not carry. Nothing is created: the stack's queues, tables and topics are looked up by the
names tools.harness.local_stack gives them, so `status` reports what is there (a missing topic stays
missing). A function is invoked in its own process, as the replay runs it; messages moved back to a queue
a function reads are read by it at once, as Lambda's pollers would.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from ssm_event_notifier.cli.stack_resources import Invoked, StackResources
from tools.harness.endpoints import ACCOUNT, REGION, function_environment
from tools.harness.http_destinations import Receiver
from tools.harness.lambda_runner import FunctionProcess
from tools.harness.local_stack import SUBSCRIBER_QUEUE, LocalStack
from tools.harness.route_stand_ins import create_secrets, read_secrets, secret_strings
from tools.harness.sqs_poller import QueuePoller
from tools.harness.stand_ins import stand_ins
from tools.harness.template import STACK_NAME, Template, ensure_synthesized


class NoLocalStack(RuntimeError):
    """The stand-ins hold no stack of this template (the replay was not kept, or ran another template)."""


def attached(template: Template, endpoints: dict[str, str]) -> LocalStack:
    """The LocalStack a replay deployed on these stand-ins, looked up by name: nothing is created."""
    stack = LocalStack(template, endpoints)
    sqs = stack.client("sqs")
    for logical_id in template.of_type("AWS::DynamoDB::Table"):
        stack.refs[logical_id] = f"{STACK_NAME}-{logical_id}"
    for logical_id in template.of_type("AWS::SNS::Topic"):
        arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:{STACK_NAME}-{logical_id}"
        stack.refs[logical_id] = stack.attributes[(logical_id, "TopicArn")] = arn
    for logical_id in template.of_type("AWS::SQS::Queue"):
        name = f"{STACK_NAME}-{logical_id}"
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except ClientError as error:
            raise NoLocalStack(f"no queue {name} on the stand-ins: replay with --keep first ({error})") from None
        stack.refs[logical_id] = url
        stack.attributes[(logical_id, "Arn")] = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
        stack.attributes[(logical_id, "QueueName")] = name
        stack.queue_urls[stack.attributes[(logical_id, "Arn")]] = url
    for logical_id in template.of_type("AWS::Lambda::Function"):
        stack.attributes[(logical_id, "Arn")] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{logical_id}"
    with contextlib.suppress(ClientError):
        stack.subscriber_queue_url = sqs.get_queue_url(QueueName=SUBSCRIBER_QUEUE)["QueueUrl"]
    return stack


@contextlib.contextmanager
def local_resources(
    endpoint: str, dynamodb_endpoint: str | None, context: Mapping[str, str], log: Any, secrets: Path | None = None
) -> Iterator[StackResources]:
    """The kept stack on the stand-ins at `endpoint` (moto) and `dynamodb_endpoint` (DynamoDB Local, or moto
    when not given), its template synthesized with `context` as the replay's was (-c KEY=VALUE). The routes'
    webhooks, PagerDuty and JSM are a new HTTP stand-in, their secrets made again from `secrets` (the
    replay's --secrets file) to point at it: the replay's own stand-in ended with it."""
    template = Template(ensure_synthesized(log=log, context=dict(context) or None))
    with stand_ins(log, endpoint, dynamodb_endpoint) as stood, contextlib.closing(Receiver()) as receiver:
        endpoints = {**stood, "destinations": receiver.base_url}
        stack = attached(template, endpoints)
        if secrets:
            create_secrets(stack.client("secretsmanager"), secret_strings(read_secrets(secrets), receiver.base_url))
        processes: dict[str, FunctionProcess] = {}
        base = function_environment(endpoints)
        functions = template.functions()

        def run(logical_id: str, event: Any) -> Any:
            if logical_id not in processes:
                environment = {**base, **stack.function_environment(logical_id)}
                processes[logical_id] = FunctionProcess(functions[logical_id], environment)
            return processes[logical_id].invoke(event)

        def invoke(logical_id: str, event: Any) -> Invoked:
            done = run(logical_id, event)
            return Invoked(done.ok, done.result, done.error_type, done.error_message, tuple(done.logs))

        def after_move(queues: Iterable[str]) -> None:
            QueuePoller(template, stack, run, list).drain()

        physical = {**stack.refs, **{logical_id: logical_id for logical_id in functions}}
        try:
            yield StackResources(
                STACK_NAME, template.body, physical, stack.client, invoke, True, stack.function_environment, after_move
            )
        finally:
            for process in processes.values():
                process.close()
