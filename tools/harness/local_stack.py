"""The stack's resources created on the local stand-ins from the synthesized template."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

from ssm_event_notifier.contract.routes_file import relayed_destinations
from tools.harness.endpoints import ACCOUNT, NOWHERE, REGION
from tools.harness.endpoints import function_environment as stand_ins_environment
from tools.harness.http_destinations import LOCAL_APIS
from tools.harness.route_stand_ins import DESTINATIONS_VARIABLE
from tools.harness.template import STACK_NAME, Template, resolve

SUBSCRIBER_QUEUE = f"{STACK_NAME}-subscriber"


@dataclass
class LocalStack:
    """Tables, topics and queues of the template, plus a queue that stands for the subscribers."""

    template: Template
    endpoints: dict[str, str]  # service -> endpoint URL
    account: str = ACCOUNT
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)
    queue_urls: dict[str, str] = field(default_factory=dict)  # ARN -> URL
    subscriber_queue_url: str = ""
    notification_topic_arn: str = ""
    chat_queue_url: str = ""  # stands for the chat channels, when the stack has a chat topic
    # route destination id -> a queue on its chat topic, standing for that route's Slack or Teams channels
    route_chat_queue_urls: dict[str, str] = field(default_factory=dict)
    # address -> a queue subscribed as the address is (its filter policy): what it would be e-mailed
    email_queue_urls: dict[str, str] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoints[service],
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def deploy(self) -> LocalStack:
        """Create what the template declares; safe to run again on the same stand-ins."""
        dynamodb, sns, sqs = self.client("dynamodb"), self.client("sns"), self.client("sqs")
        for logical_id, table in self.template.of_type("AWS::DynamoDB::Table").items():
            props = table["Properties"]
            name = f"{STACK_NAME}-{logical_id}"
            indexes = [
                {"IndexName": i["IndexName"], "KeySchema": i["KeySchema"], "Projection": i["Projection"]}
                for i in props.get("GlobalSecondaryIndexes", [])
            ]
            try:
                dynamodb.create_table(
                    TableName=name,
                    KeySchema=props["KeySchema"],
                    AttributeDefinitions=props["AttributeDefinitions"],
                    BillingMode="PAY_PER_REQUEST",
                    **({"GlobalSecondaryIndexes": indexes} if indexes else {}),
                )
                ttl = props.get("TimeToLiveSpecification")
                if ttl:
                    dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
            except ClientError as error:
                if error.response["Error"]["Code"] != "ResourceInUseException":
                    raise
            self.refs[logical_id] = name
        for logical_id in self.template.of_type("AWS::SNS::Topic"):
            arn = sns.create_topic(Name=f"{STACK_NAME}-{logical_id}")["TopicArn"]
            self.refs[logical_id] = arn
            self.attributes[(logical_id, "TopicArn")] = arn
        for logical_id in self.template.of_type("AWS::SQS::Queue"):
            url = sqs.create_queue(QueueName=f"{STACK_NAME}-{logical_id}")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            self.refs[logical_id] = url
            self.attributes[(logical_id, "Arn")] = arn
            self.attributes[(logical_id, "QueueName")] = f"{STACK_NAME}-{logical_id}"
            self.queue_urls[arn] = url
        # Redrive policies once every queue exists: SQS moves a message that was received
        # maxReceiveCount times without being deleted to the dead-letter queue, as in AWS.
        for logical_id, queue in self.template.of_type("AWS::SQS::Queue").items():
            redrive = queue["Properties"].get("RedrivePolicy")
            if redrive:
                policy = {
                    "deadLetterTargetArn": self.resolve(redrive["deadLetterTargetArn"]),
                    "maxReceiveCount": int(redrive["maxReceiveCount"]),
                }
                sqs.set_queue_attributes(
                    QueueUrl=self.refs[logical_id], Attributes={"RedrivePolicy": json.dumps(policy)}
                )
        for logical_id in self.template.of_type("AWS::Lambda::Function"):
            self.attributes[(logical_id, "Arn")] = f"arn:aws:lambda:{REGION}:{self.account}:function:{logical_id}"
        self._subscribe()
        return self

    def _subscribe(self) -> None:
        """One queue subscribed (SNS envelope, no filter) to the topic the functions publish to."""
        topics = {
            self.resolve(spec.environment["NOTIFICATION_TOPIC_ARN"])
            for spec in self.template.functions().values()
            if "NOTIFICATION_TOPIC_ARN" in spec.environment
        }
        (self.notification_topic_arn,) = topics
        self.subscriber_queue_url = self._subscriber_queue(SUBSCRIBER_QUEUE, self.notification_topic_arn)
        # The template's own subscriptions, with their filter policies, as SNS has them: its queues' (the
        # chat queue's, the route destinations'); an e-mail address gets a queue that stands for it.
        sns = self.client("sns")
        for subscription in self.template.of_type("AWS::SNS::Subscription").values():
            props = subscription["Properties"]
            if props.get("Protocol") == "sqs":
                endpoint = self.resolve(props["Endpoint"])
                attributes = {"RawMessageDelivery": str(props.get("RawMessageDelivery", False)).lower()}
            elif props.get("Protocol") == "email":
                endpoint = self._email_queue_arn(str(props["Endpoint"]))
                attributes = {"RawMessageDelivery": "false"}  # the envelope: its MessageId ties it to a row
            else:
                continue
            if props.get("FilterPolicy"):
                attributes["FilterPolicy"] = json.dumps(props["FilterPolicy"])
            sns.subscribe(
                TopicArn=self.resolve(props["TopicArn"]), Protocol="sqs", Endpoint=endpoint, Attributes=attributes
            )
            if props.get("Protocol") == "email":  # and the address itself, as SNS lists it (moto sends nothing)
                filters = {"FilterPolicy": attributes["FilterPolicy"]} if "FilterPolicy" in attributes else {}
                sns.subscribe(
                    TopicArn=self.resolve(props["TopicArn"]),
                    Protocol="email",
                    Endpoint=props["Endpoint"],
                    **({"Attributes": filters} if filters else {}),
                )
        chat = {
            self.resolve(spec.environment["CHAT_TOPIC_ARN"])
            for spec in self.template.functions().values()
            if "CHAT_TOPIC_ARN" in spec.environment
        }
        for topic in chat:
            self.chat_queue_url = self._subscriber_queue(f"{STACK_NAME}-chat-subscriber", topic)
        # A route's Slack or Teams channels: a queue on its destination's chat topic stands for them.
        for spec in self.template.functions().values():
            destinations = relayed_destinations(str(self.resolve(spec.environment.get(DESTINATIONS_VARIABLE, "{}"))))
            for destination in destinations.values():
                if destination.kind == "chat":
                    name = f"{STACK_NAME}-route-chat-{len(self.route_chat_queue_urls) + 1}"
                    self.route_chat_queue_urls[destination.id] = self._subscriber_queue(name, destination.topic_arn)

    def _email_queue_arn(self, address: str) -> str:
        sqs = self.client("sqs")
        if address not in self.email_queue_urls:
            name = f"{STACK_NAME}-email-{len(self.email_queue_urls) + 1}"
            self.email_queue_urls[address] = sqs.create_queue(QueueName=name)["QueueUrl"]
        url = self.email_queue_urls[address]
        return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])

    def _subscriber_queue(self, name: str, topic_arn: str) -> str:
        """A queue subscribed to the topic (SNS envelope, no filter), standing for its subscribers."""
        sqs, sns = self.client("sqs"), self.client("sns")
        url: str = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn["Attributes"]["QueueArn"])
        return url

    def resolve(self, value: Any, account: str | None = None) -> Any:
        return resolve(value, self.refs, self.attributes, account or self.account)

    def function_environment(self, logical_id: str) -> dict[str, str]:
        """The function's variables, references resolved; the external APIs it would call (PagerDuty, JSM)
        on the HTTP stand-in (`endpoints["destinations"]`), or on a closed port without one: never the real ones."""
        spec = self.template.functions()[logical_id]
        environment = {name: str(self.resolve(value)) for name, value in spec.environment.items()}
        base = self.endpoints.get("destinations", NOWHERE)
        environment.update({name: f"{base}{path}" for name, path in LOCAL_APIS.items() if name in environment})
        # The local build declares the endpoint variables (so that SAM's --env-vars can set them), on a
        # closed port: here they are the stand-ins'.
        endpoints = stand_ins_environment(self.endpoints)
        environment.update({name: endpoints[name] for name in environment if name.startswith("AWS_ENDPOINT_URL")})
        return environment
