"""Alarms that tell the alarm topic when a notification may have been lost."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ssm_event_notifier.functions import NotifierFunction

PERIOD = Duration.minutes(5)
# A buffered event older than this means the digests it feeds are late.
BACKLOG_AGE = Duration.minutes(15)


class Monitoring(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, alarm_topic: sns.ITopic) -> None:
        super().__init__(scope, construct_id)
        self.action = actions.SnsAction(alarm_topic)

    def watch(self, name: str, function: NotifierFunction) -> None:
        errors = cloudwatch.Alarm(
            self,
            f"{name}Errors",
            alarm_description=f"The {name} notification function failed; Lambda retries, then the event "
            "goes to its dead-letter queue.",
            metric=function.function.metric_errors(period=PERIOD, statistic="Sum"),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        dead_letters = cloudwatch.Alarm(
            self,
            f"{name}DeadLetters",
            alarm_description=f"Events the {name} function could not notify are waiting in its dead-letter "
            "queue: read the reason in each message, fix, and redrive.",
            metric=function.dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=PERIOD, statistic="Maximum"
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        for alarm in (errors, dead_letters):
            alarm.add_alarm_action(self.action)

    def watch_backlog(self, name: str, queue: sqs.IQueue) -> None:
        """An alarm when events wait in a buffer queue longer than BACKLOG_AGE."""
        alarm = cloudwatch.Alarm(
            self,
            f"{name}Backlog",
            alarm_description=f"Events have waited in the {name} queue for more than "
            f"{BACKLOG_AGE.to_minutes()} minutes: the function that reads it is failing or throttled, and "
            "the digests they feed are late.",
            metric=queue.metric_approximate_age_of_oldest_message(period=PERIOD, statistic="Maximum"),
            threshold=BACKLOG_AGE.to_seconds(),
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self.action)

    def watch_dead_letter_queue(self, name: str, queue: sqs.IQueue, what: str) -> None:
        """An alarm when a message waits in a dead-letter queue that no function owns; `what` says whose."""
        alarm = cloudwatch.Alarm(
            self,
            f"{name}DeadLetters",
            alarm_description=f"{what} are waiting in the {name} dead-letter queue: fix the cause, then redrive.",
            metric=queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self.action)
