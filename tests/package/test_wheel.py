"""The package as a team installs it: the wheel in a fresh virtual environment outside the repository,
and the example app (examples/platform_app) synthesized from it, cdk-nag's three rule packs included."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ssm_event_notifier.layer import code_fingerprint
from tools import REPO_ROOT

EXAMPLE = REPO_ROOT / "examples" / "platform_app" / "app.py"


def _run(*command: str | Path, cwd: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{command}: exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment (outside the repository) with the wheel built from this checkout."""
    where = tmp_path_factory.mktemp("installed")
    dist = where / "dist"
    _run(sys.executable, "-m", "build", "--wheel", "--outdir", dist, REPO_ROOT, cwd=where)
    (wheel,) = dist.glob("ssm_event_notifier-*.whl")
    _run(sys.executable, "-m", "venv", where / "venv", cwd=where)
    python = where / "venv" / "bin" / "python"
    _run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel, cwd=where)
    return python


def test_the_installed_package_ships_the_functions_code_the_repository_builds(installed: Path, tmp_path: Path) -> None:
    script = (
        "from ssm_event_notifier.layer import LAMBDAS_DIR, code_fingerprint; print(LAMBDAS_DIR, code_fingerprint())"
    )
    where, fingerprint = _run(installed, "-c", script, cwd=tmp_path).stdout.split()
    assert REPO_ROOT not in Path(where).parents  # the package's own copy, not this checkout's
    assert fingerprint == code_fingerprint()


def test_the_example_app_synthesizes_from_the_wheel_with_no_unacknowledged_finding(
    installed: Path, tmp_path: Path
) -> None:
    app = tmp_path / "app"
    app.mkdir()
    shutil.copy(EXAMPLE, app / "app.py")
    out = tmp_path / "cdk.out"
    # Bundling (pip for Lambda's platform) is the Lambda build's job, checked by `make synth`; the asset
    # test above shows the installed package bundles the same code.
    context = json.dumps({"aws:cdk:bundling-stacks": []})
    _run(installed, "app.py", cwd=app, CDK_OUTDIR=str(out), CDK_CONTEXT_JSON=context)
    template = json.loads((out / "Platform.template.json").read_text())
    types = [resource["Type"] for resource in template["Resources"].values()]
    handlers = {
        resource["Properties"]["Handler"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Lambda::Function"
    }
    assert {"handlers.ami.handler", "handlers.run_command.handler", "handlers.maintenance_window.handler"} <= handlers
    assert "handlers.calendar.handler" not in handlers  # its family is not enabled
    assert types.count("AWS::SNS::Topic") == 2  # notifications and alarms
    assert types.count("AWS::Events::Rule") >= 3
    subscriptions = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::SNS::Subscription"]
    assert any(s["Protocol"] == "email" and s["Endpoint"] == "ops@example.com" for s in subscriptions)
    report = json.loads((out / "validation-report.json").read_text())
    assert report["pluginReports"] == []  # the three packs ran (a finding would have failed the synth)


def test_the_rule_packs_do_run_on_the_installed_package(installed: Path, tmp_path: Path) -> None:
    """The same app with the construct's acknowledgements taken away fails cdk-nag: the packs ran above."""
    app = tmp_path / "app"
    app.mkdir()
    unacknowledged = "import ssm_event_notifier.nag as nag\nnag.acknowledge = lambda *rules: None\n"
    (app / "app.py").write_text(unacknowledged + EXAMPLE.read_text())
    context = json.dumps({"aws:cdk:bundling-stacks": []})
    done = subprocess.run(
        [str(installed), "app.py"],
        cwd=app,
        env={**os.environ, "CDK_OUTDIR": str(tmp_path / "cdk.out"), "CDK_CONTEXT_JSON": context},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode != 0
    assert "Serverless-LambdaDLQ" in done.stdout + done.stderr


def test_the_console_script_is_installed_and_asks_for_its_extra(installed: Path, tmp_path: Path) -> None:
    """Without the `cli` extra the command says what to install; with it, each command answers --help, and
    the commands that run the repository's tools say they need a checkout."""
    script = installed.parent / "ssm-event-notifier"
    bare = subprocess.run([script, "status"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert bare.returncode == 2, bare.stderr
    assert "pip install 'ssm-event-notifier[cli]'" in bare.stderr
    (wheel,) = (installed.parents[2] / "dist").glob("ssm_event_notifier-*.whl")
    _run(installed, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"{wheel}[cli]", cwd=tmp_path)
    for command in ("status", "redrive", "test-route"):
        assert "--stack" in _run(script, command, "--help", cwd=tmp_path).stdout
    assert "ROWS" in _run(script, "preview", "--help", cwd=tmp_path).stdout
    assert "redrive" in _run(installed, "-m", "ssm_event_notifier", "--help", cwd=tmp_path).stdout
    replay = subprocess.run([script, "replay", "events"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert replay.returncode == 1
    assert "needs a checkout of the repository" in replay.stderr
