"""Every function: runtime, retries, dead-letter queue, tracing, logs, alarms."""

from __future__ import annotations

from ssm_event_notifier.layer import RUNTIME
from tests.infra.conftest import STACK_HANDLERS, STORM, resources, synthesize

ALL_FUNCTIONS = len(STACK_HANDLERS)


def test_one_function_per_catalog_function_the_calendar_reconciler_and_storm_control(template):
    functions = resources(template, "AWS::Lambda::Function")
    handlers = sorted(f["Properties"]["Handler"] for f in functions.values())
    assert handlers == sorted(STACK_HANDLERS)


def test_functions_run_the_runtimes_python_on_arm_with_tracing_json_logs_and_the_layer(template):
    (layer,) = resources(template, "AWS::Lambda::LayerVersion")
    for function in resources(template, "AWS::Lambda::Function").values():
        props = function["Properties"]
        assert props["Runtime"] == RUNTIME.name  # the Python the bytecode is compiled for (tests/infra/test_layer.py)
        assert props["Architectures"] == ["arm64"]
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["LoggingConfig"]["LogFormat"] == "JSON"
        assert props["Layers"] == [{"Ref": layer}]
        env = props["Environment"]["Variables"]
        assert "POWERTOOLS_SERVICE_NAME" in env
        if props["Handler"] in STORM:  # no idempotency records: see tests/infra/test_fleet_operations.py
            assert "OPERATIONS_TABLE_NAME" in env and "IDEMPOTENCY_TABLE_NAME" not in env
            continue
        assert env["DEDUPE_WINDOW_SECONDS"] == str(24 * 3600)
        assert {"IDEMPOTENCY_TABLE_NAME", "NOTIFICATION_TOPIC_ARN"} <= set(env)


def test_every_function_retries_twice_then_sends_to_its_own_dead_letter_queue(template):
    functions = resources(template, "AWS::Lambda::Function")
    configs = resources(template, "AWS::Lambda::EventInvokeConfig").values()
    configured = {}
    for config in configs:
        props = config["Properties"]
        assert props["MaximumRetryAttempts"] == 2
        destination = props["DestinationConfig"]["OnFailure"]["Destination"]
        configured[props["FunctionName"]["Ref"]] = destination["Fn::GetAtt"][0]
    assert set(configured) == set(functions)
    assert len(set(configured.values())) == len(functions)  # one queue each
    queues = resources(template, "AWS::SQS::Queue")
    assert set(configured.values()) <= set(queues)


def test_log_groups_keep_logs_for_the_configured_days(template):
    groups = resources(template, "AWS::Logs::LogGroup").values()
    assert len(groups) == ALL_FUNCTIONS
    assert {g["Properties"]["RetentionInDays"] for g in groups} == {90}


def test_alarms_on_errors_and_dead_letters_notify_the_operations_topic(template):
    topics = resources(template, "AWS::SNS::Topic")
    (operations,) = [k for k in topics if "Operations" in k]
    alarms = resources(template, "AWS::CloudWatch::Alarm").values()
    metrics = sorted(a["Properties"]["MetricName"] for a in alarms)
    # ... and one on the age of the storm-control buffer's oldest event.
    assert metrics == sorted(
        ["Errors"] * ALL_FUNCTIONS
        + ["ApproximateNumberOfMessagesVisible"] * ALL_FUNCTIONS
        + ["ApproximateAgeOfOldestMessage"]
    )
    for alarm in alarms:
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": operations}]
        backlog = alarm["Properties"]["MetricName"] == "ApproximateAgeOfOldestMessage"
        assert alarm["Properties"]["Threshold"] == (15 * 60 if backlog else 1)


def test_reserved_concurrency_is_on_by_default_and_a_setting_turns_it_off(template):
    reserved = [
        f["Properties"].get("ReservedConcurrentExecutions")
        for f in resources(template, "AWS::Lambda::Function").values()
    ]
    assert None not in reserved and sum(reserved) == 61
    off = synthesize(reservedConcurrency="false")
    assert all(
        "ReservedConcurrentExecutions" not in f["Properties"] for f in resources(off, "AWS::Lambda::Function").values()
    )
