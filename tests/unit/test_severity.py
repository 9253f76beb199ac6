"""Each service's status spelling maps to the severity subscribers filter on."""

from __future__ import annotations

import pytest

from notifier.core.severity import severity_of

ERROR = ["Failed", "FAILED", "TIMED_OUT", "TimedOut", "Cancelled", "CANCELLED", "non_compliant", "Rejected"]
ERROR += ["DeliveryTimedOut", "failed", "Canceled", "NON_COMPLIANT", "ExecutionTimedOut", "Undeliverable"]
INFO = ["SUCCESS", "Success", "InProgress", "OPEN", "compliant", "available", "Create"]
INFO += ["CLOSED", "Update", "REGISTERED", "ENABLED", "Pending", "Open", "Resolved", "COMPLIANT", "Approved"]
WARNING = ["DISABLED", "Cancelling", "SKIPPED_OVERLAPPING", "deregistered"]
WARNING += ["disabled", "Delete", "DEREGISTERED", "Canceling", "PendingApproval"]


@pytest.mark.parametrize("status", ERROR)
def test_error_statuses(status: str) -> None:
    assert severity_of(status) == "error"


@pytest.mark.parametrize("status", INFO)
def test_info_statuses(status: str) -> None:
    assert severity_of(status) == "info"


@pytest.mark.parametrize("status", WARNING)
def test_warning_statuses(status: str) -> None:
    assert severity_of(status) == "warning"


@pytest.mark.parametrize("status", ["", "   ", "SomethingAwsAddsLater", "???", "\u5931\u6557", "-"])
def test_unknown_or_odd_words_are_information(status: str) -> None:
    assert severity_of(status) == "info"


@pytest.mark.parametrize("status", [" Failed ", "failed\n", "Timed Out", "timed-out", "NON-COMPLIANT"])
def test_spacing_and_punctuation_do_not_hide_a_failure(status: str) -> None:
    assert severity_of(status) == "error"


def test_compliant_is_not_mistaken_for_non_compliant() -> None:
    assert severity_of("compliant") == "info"
    assert severity_of("non_compliant") == "error"
