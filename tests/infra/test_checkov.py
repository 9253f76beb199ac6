"""checkov on the synthesized template: every failed check has a written reason (tests/security/)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.security.checkov_gate import CHECKOV, accepted, judge, run_checkov


def test_the_template_fails_no_check_without_a_written_reason(template: dict[str, Any], tmp_path: Path) -> None:
    if not CHECKOV.exists():
        pytest.fail(f"checkov is not installed at {CHECKOV}: run `make setup`", pytrace=False)
    path = tmp_path / "SsmEventNotifier.template.json"
    path.write_text(json.dumps(template))

    report = run_checkov(path)

    assert judge(report, accepted()) == []
    assert report["summary"]["passed"] > 100


def test_every_accepted_check_says_why() -> None:
    for check, reason in accepted().items():
        assert re.fullmatch(r"CKV_AWS_\d+", check)
        assert len(reason.split()) >= 12, (check, reason)


def _report(*failed: str, parsing_errors: int = 0) -> dict[str, Any]:
    checks = [{"check_id": c, "check_name": "a check", "resource": "AWS::SQS::Queue.Queue"} for c in failed]
    return {
        "summary": {"passed": 3, "parsing_errors": parsing_errors, "resource_count": 4},
        "results": {"failed_checks": checks},
    }


def test_the_gate_refuses_an_unexplained_failure_a_stale_reason_and_an_unread_template() -> None:
    reasons = {"CKV_AWS_27": "because", "CKV_AWS_115": "because"}
    assert judge(_report("CKV_AWS_27", "CKV_AWS_115"), reasons) == []
    assert judge(_report("CKV_AWS_27", "CKV_AWS_115", "CKV_AWS_1"), reasons) == [
        "CKV_AWS_1 failed on AWS::SQS::Queue.Queue: a check"
    ]
    assert judge(_report("CKV_AWS_27"), reasons) == ["CKV_AWS_115 is accepted but no longer fails: remove it"]
    assert judge(_report("CKV_AWS_27", "CKV_AWS_115", parsing_errors=1), reasons)[0].startswith("checkov could not")
    assert judge(_report("CKV_AWS_27"), {"CKV_AWS_27": " "}) == ["CKV_AWS_27: the reason is empty"]
