"""checkov on the synthesized template: no failed check without a written reason.

    python -m tests.security.checkov_gate cdk.out/SsmEventNotifier.template.json

Runs checkov (from its own virtualenv, .venv/checkov: see requirements-checkov.txt) offline on
the template and compares its failed checks with checkov_accepted.json, where each accepted check
has its reason. Fails on a failed check that is not accepted, on an accepted check that no longer
fails (the list must stay true), and on a template checkov cannot parse.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ACCEPTED = HERE / "checkov_accepted.json"
CHECKOV = HERE.parents[1] / ".venv" / "checkov" / "bin" / "checkov"
# Offline: no update check against PyPI, nothing downloaded from the vendor's platform.
OFFLINE = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}


def accepted() -> dict[str, str]:
    reasons: dict[str, str] = json.loads(ACCEPTED.read_text())
    return reasons


def run_checkov(template: Path, checkov: Path = CHECKOV) -> dict[str, Any]:
    if not checkov.exists():
        raise SystemExit(f"checkov not found at {checkov}: run `make setup` (tests/security/requirements-checkov.txt)")
    command = [str(checkov), "-f", str(template), "--framework", "cloudformation", "--skip-download", "-o", "json"]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **OFFLINE}, check=False)
    if done.returncode not in (0, 1):  # 1: some check failed
        raise SystemExit(f"checkov failed ({done.returncode}):\n{done.stderr}")
    report = json.loads(done.stdout)
    # One framework gives one report; checkov answers with a list when there are several.
    return report[0] if isinstance(report, list) else dict(report)


def judge(report: dict[str, Any], reasons: dict[str, str]) -> list[str]:
    """What is wrong: failed checks without a reason, reasons for checks that pass, unreadable input."""
    problems = [f"{check}: the reason is empty" for check, reason in reasons.items() if not reason.strip()]
    summary = report.get("summary", {})
    if summary.get("parsing_errors") or not summary.get("resource_count"):
        problems.append(f"checkov could not read the template: {summary}")
    failed = report.get("results", {}).get("failed_checks", [])
    for check in failed:
        if check["check_id"] not in reasons:
            problems.append(f"{check['check_id']} failed on {check['resource']}: {check['check_name']}")
    failing = {check["check_id"] for check in failed}
    problems += [f"{check} is accepted but no longer fails: remove it" for check in sorted(set(reasons) - failing)]
    return problems


def main(argv: list[str]) -> int:
    template = Path(argv[0]) if argv else Path("cdk.out/SsmEventNotifier.template.json")
    report = run_checkov(template)
    reasons = accepted()
    problems = judge(report, reasons)
    summary = report.get("summary", {})
    failed = report.get("results", {}).get("failed_checks", [])
    print(f"checkov {summary.get('checkov_version')}: {summary.get('passed')} passed, {len(failed)} failed")
    for check in sorted({check["check_id"] for check in failed} & set(reasons)):
        count = sum(1 for item in failed if item["check_id"] == check)
        print(f"  accepted {check} ({count} resources): {reasons[check]}")
    for problem in problems:
        print(f"  NOT ACCEPTED {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
