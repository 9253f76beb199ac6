"""The SNS topics: notifications for subscribers, and alarms for whoever runs the stack."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ssm_event_notifier.storage import dead_letter_queue


class Topics(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        notification_emails: tuple[str, ...],
        alarm_emails: tuple[str, ...],
        routed_emails: bool = False,
    ) -> None:
        """`routed_emails`: routes subscribe addresses too (ssm_event_notifier.routes)."""
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description="Encrypts the SSM Event Notifier topics",
            enable_key_rotation=True,
        )
        # CloudWatch alarms publish to the alarm topic and must be able to use its key.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],  # in a key policy, "*" means this key
            )
        )
        self.notifications = sns.Topic(
            self, "Notifications", display_name="SSM Event Notifier", master_key=self.key, enforce_ssl=True
        )
        # The construct keeps its first name, "Operations": renaming it would replace the deployed
        # topic and drop its subscriptions (docs/deploy.md, Upgrade).
        self.alarms = sns.Topic(
            self,
            "Operations",
            display_name="SSM Event Notifier alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
        # Only the stack's functions publish notifications. In SNS an identity policy of the same
        # account is enough to publish, whatever the topic policy allows: only a Deny keeps other
        # principals of the account out. Both statements list the roles granted below.
        self._publishers: list[str] = []
        self._allow_publish = iam.PolicyStatement(
            sid="PublishOnlyFromTheNotifierFunctions", actions=["sns:Publish"], resources=[self.notifications.topic_arn]
        )
        self._deny_others = iam.PolicyStatement(
            sid="DenyPublishFromAnyoneElse",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["sns:Publish"],
            resources=[self.notifications.topic_arn],
        )
        # What SNS could not deliver by e-mail after its retries (50 over 6 hours: a mail server that refuses
        # or is unreachable) waits here 14 days, alarmed (infra/ssm_event_notifier/stack.py), instead of being dropped.
        self.undelivered: sqs.Queue | None = None
        if notification_emails or alarm_emails or routed_emails:
            self.undelivered = dead_letter_queue(self, "UndeliveredEmails")
        for email in notification_emails:
            self.notifications.add_subscription(
                subscriptions.EmailSubscription(email, dead_letter_queue=self.undelivered)
            )
        for email in alarm_emails:
            self.alarms.add_subscription(subscriptions.EmailSubscription(email, dead_letter_queue=self.undelivered))

    def grant_publish_notifications(self, role: iam.IRole) -> None:
        """sns:Publish on the notification topic and the key use it needs, with no wildcard action.

        The role also becomes one of the only principals the topic policy lets publish.
        """
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["sns:Publish"], resources=[self.notifications.topic_arn])
        )
        self.key.grant(role, "kms:GenerateDataKey", "kms:Decrypt")
        self._allow_publish.add_arn_principal(role.role_arn)
        self._publishers.append(role.role_arn)
        # add_condition replaces the value of the same key: the full list each time.
        self._deny_others.add_condition("ArnNotEquals", {"aws:PrincipalArn": list(self._publishers)})
        if len(self._publishers) == 1:
            self.notifications.add_to_resource_policy(self._allow_publish)
            self.notifications.add_to_resource_policy(self._deny_others)
