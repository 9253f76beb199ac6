"""What the functions ship (infra/layer.py): bytecode for the runtime's exact Python, nothing no
function imports, and a build that fails with a clear message rather than ship a slow layer."""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from ssm_event_notifier import layer, runtime_python
from ssm_event_notifier.layer import LAMBDAS_DIR
from tests.infra.conftest import resources, synthesize

NOTICES = "NoticesRole"  # the advance notices' role's policies (infra/ssm_event_notifier/advance_notices.py)

NO_RUNTIME_PYTHON = runtime_python.find_python() is None


def test_the_runtime_is_the_newest_python_the_build_machines_can_compile_for(template):
    assert layer.RUNTIME.name == f"python{layer.RUNTIME_VERSION}" == "python3.13"
    for function in resources(template, "AWS::Lambda::Function").values():
        assert function["Properties"]["Runtime"] == layer.RUNTIME.name
    for version in resources(template, "AWS::Lambda::LayerVersion").values():
        assert version["Properties"]["CompatibleRuntimes"] == [layer.RUNTIME.name]
    # Why not 3.14, said where cdk-nag asks (one reason for both rules).
    assert "3.14" in layer.RUNTIME_REASON and "read-only" in layer.RUNTIME_REASON
    assert layer.NEWEST_RUNTIME_RULES == ("AwsSolutions-L1", "Serverless-LambdaLatestVersion")


def test_the_lambda_build_fetches_wheels_for_the_runtime_and_compiles_nothing_with_pip(tmp_path: Path):
    command = layer.pip_command(tmp_path, layer.RUNTIME_VERSION, layer.LAMBDA_PLATFORM_TAG)
    assert command[command.index("--python-version") + 1] == "3.13"
    assert command[command.index("--platform") + 1] == "manylinux2014_aarch64"
    assert "--only-binary=:all:" in command and "--no-compile" in command
    # The host build: this interpreter's own wheels, compiled by the bundler afterwards.
    host = layer.pip_command(tmp_path, None, None)
    assert "--platform" not in host and "--no-compile" in host


def _package(root: Path, files: list[str]) -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def test_pruning_removes_test_suites_stubs_scripts_botocore_examples_and_unused_models_only(tmp_path: Path):
    kept = [
        "icalendar/cal.py",
        "botocore/data/sns/2010-03-31/service-2.json.gz",
        "botocore/data/sns/2010-03-31/paginators-1.json",
        "botocore/data/endpoints.json",
        "botocore/data/ec2/2016-11-15/service-2.json.gz",  # the newest model: the one botocore loads
        "botocore/data/dynamodb/2012-08-10/service-2.json.gz",
        "pydantic/testing_helpers.py",  # a module named like a test is not a test suite
        "six.py",
        "wrapt-1.17.3.dist-info/METADATA",
    ]
    pruned = [
        "bin/jp.py",
        "icalendar/tests/test_cal.py",
        "recurring_ical_events/test/conftest.py",
        "wrapt-stubs/__init__.pyi",
        "aws_lambda_powertools/shared/types.pyi",
        "botocore/data/sns/2010-03-31/examples-1.json",
        "botocore/data/lambda/2015-03-31/service-2.json.gz",  # no function makes a Lambda client
        "botocore/data/ec2/2015-10-01/service-2.json.gz",
        "botocore/data/dynamodb/2011-12-05/endpoint-rule-set-1.json.gz",  # beside no model
    ]
    _package(tmp_path, kept + pruned)
    removed = layer.prune(tmp_path)
    assert set(removed) == set(layer.PRUNED) and all(size > 0 for size in removed.values())
    assert all((tmp_path / name).exists() for name in kept)
    assert not any((tmp_path / name).exists() for name in pruned)
    assert not (tmp_path / "botocore/data/lambda").exists()  # the service's folder too: botocore lists them


def test_the_code_asset_changes_with_the_sources_and_leaves_out_requirements_and_bytecode(tmp_path: Path):
    source = tmp_path / "lambdas"
    _package(source, ["handlers/ami.py", "notifier/core/catalog.py", "requirements.txt"])
    (source / "handlers" / "__pycache__").mkdir()
    (source / "handlers" / "__pycache__" / "ami.cpython-311.pyc").write_bytes(b"stale")
    before = layer.code_fingerprint(source)
    (source / "handlers" / "__pycache__" / "ami.cpython-311.pyc").write_bytes(b"other")
    assert layer.code_fingerprint(source) == before  # local bytecode is not a change
    (source / "handlers" / "ami.py").write_text("x = 2\n")
    assert layer.code_fingerprint(source) != before
    copied = tmp_path / "asset"
    layer.copy_code(copied, source)
    copied_files = sorted(str(p.relative_to(copied)) for p in copied.rglob("*") if p.is_file())
    contract = sorted(f"ssm_event_notifier/contract/{p.name}" for p in layer.SHARED[1].glob("*.py"))
    assert copied_files == ["handlers/ami.py", "notifier/core/catalog.py", "ssm_event_notifier/__init__.py", *contract]


def test_an_interpreter_is_named_or_found_and_a_missing_one_fails_the_lambda_build_clearly(monkeypatch):
    monkeypatch.setenv(runtime_python.BUILD_PYTHON, "none")
    assert runtime_python.runtime_python(required=True) is None  # on purpose: no bytecode
    monkeypatch.setenv(runtime_python.BUILD_PYTHON, sys.executable)
    if sys.version_info[:2] != (3, 13):
        with pytest.raises(runtime_python.BuildError, match=r"is not a Python 3\.13 interpreter"):
            runtime_python.runtime_python(required=True)
    monkeypatch.delenv(runtime_python.BUILD_PYTHON)
    monkeypatch.setattr(runtime_python, "find_python", lambda version=layer.RUNTIME_VERSION: None)
    assert runtime_python.runtime_python(required=False) is None
    with pytest.raises(runtime_python.BuildError, match=r"pyenv install 3\.13.*LAYER_PYTHON=/path/to/python3\.13"):
        runtime_python.runtime_python(required=True)


@pytest.mark.skipif(NO_RUNTIME_PYTHON, reason="no Python 3.13 interpreter on this machine")
def test_compiled_bytecode_is_the_runtimes_and_does_not_depend_on_timestamps(tmp_path: Path):
    _package(tmp_path, ["pkg/__init__.py", "pkg/module.py"])
    python = runtime_python.find_python()
    assert python is not None
    layer.compile_tree(tmp_path, python)
    compiled = sorted(p.name for p in (tmp_path / "pkg" / "__pycache__").iterdir())
    assert compiled == ["__init__.cpython-313.pyc", "module.cpython-313.pyc"]
    flags = int.from_bytes((tmp_path / "pkg" / "__pycache__" / "module.cpython-313.pyc").read_bytes()[4:8], "little")
    assert flags == 0b01  # hash-based, unchecked: valid whatever the zip does to timestamps


def test_a_built_layer_says_what_it_was_built_for():
    """The host build the local runs use, when one is there: built by the same recipe."""
    from tools.harness.template import LOCAL_OUTDIR, STACK_NAME, Template

    path = LOCAL_OUTDIR / f"{STACK_NAME}.template.json"
    if not path.exists():
        pytest.skip("no host build synthesized here (tools.harness.template.ensure_synthesized)")
    info = Template(path).layer_build()
    if "pruned_bytes" not in info:
        pytest.skip("the host build predates this recipe")
    assert info["platform"] == "host" and info["bytecode"]
    assert set(info["pruned_bytes"]) == set(layer.PRUNED)


def _notice_statements(template: dict[str, Any]) -> list[set[str]]:
    """The SSM actions of each statement of the advance notices' role."""
    return [
        {
            a.split(":", 1)[1]
            for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
            if a.startswith("ssm:")
        }
        for logical_id, policy in resources(template, "AWS::IAM::Policy").items()
        if logical_id.startswith(NOTICES)
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _granted_ssm_actions(template: dict[str, Any], not_of: str = "") -> set[str]:
    granted: set[str] = set()
    for logical_id, policy in resources(template, "AWS::IAM::Policy").items():
        if not_of and logical_id.startswith(not_of):
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            granted |= {a.split(":", 1)[1] for a in actions if a.startswith("ssm:")}
    return granted


def test_the_layer_keeps_the_models_of_exactly_the_services_the_functions_make_clients_of():
    from ssm_event_notifier.service_models import SERVICES

    named: set[str] = set()
    for module in LAMBDAS_DIR.rglob("*.py"):  # boto3.client("x"), partial(boto3.client, "x"), ...
        named |= set(re.findall(r'\.client(?:\(|, )"([a-z0-9-]+)"', module.read_text()))
    assert named == set(SERVICES)


def test_the_layers_ssm_model_holds_exactly_what_the_functions_are_granted(template, tmp_path: Path):
    from ssm_event_notifier.service_models import SEPARATE, SSM_OPERATIONS

    # The advance notices' reads: in a model of its own (the shared one stays as small as the others need).
    notices = {a for s in _notice_statements(template) for a in s}
    assert set(SEPARATE["notices"]["ssm"]) == notices

    # A route by tags grants the sweeper the tag reads of managed nodes too.
    routes = tmp_path / "routes.json"
    routes.write_text('{"routes": [{"name": "o", "match": {"tags": {"Team": ["web"]}}, "to": [{"topic": "o"}]}]}')
    by_tags = synthesize(routes=str(routes))
    assert set(SSM_OPERATIONS) == _granted_ssm_actions(template, not_of=NOTICES) | _granted_ssm_actions(
        by_tags, not_of=NOTICES
    )
    assert "ListTagsForResource" not in _granted_ssm_actions(template)


def test_a_trimmed_model_makes_the_same_requests_and_refuses_other_calls(tmp_path: Path):
    import shutil

    import botocore
    import botocore.session

    from ssm_event_notifier.service_models import MODELS_FOLDER, SEPARATE, SSM_OPERATIONS, trim_service_models

    source = Path(botocore.__file__).parent / "data" / "ssm"
    shutil.copytree(source, tmp_path / "ssm")
    site = _as_site_packages(tmp_path)
    assert trim_service_models(site) == {"ssm": len(SSM_OPERATIONS)}
    (model_file,) = (tmp_path / "ssm").glob("*/service-2.json.gz")
    # The advance notices' own model, cut from the whole one, of the same version (botocore loads the newest).
    (separate,) = (site / MODELS_FOLDER / "notices" / "ssm").glob("*/service-2.json.gz")
    assert separate.parent.name == model_file.parent.name
    assert set(json.loads(gzip.decompress(separate.read_bytes()))["operations"]) == set(SEPARATE["notices"]["ssm"])
    assert model_file.stat().st_size < (source / model_file.parent.name / model_file.name).stat().st_size / 5

    class Sent(Exception):
        """The request as it would leave, instead of the network."""

    def client(data_path: Path | None) -> Any:
        session = botocore.session.get_session()
        if data_path:
            session.get_component("data_loader").search_paths.insert(0, str(data_path))
        made = session.create_client("ssm", "us-east-1", aws_access_key_id="x", aws_secret_access_key="y")

        def capture(request: Any, **_: Any) -> None:
            raise Sent(request.body)

        made.meta.events.register("before-send", capture)
        return made

    bodies = []
    full, trimmed = client(None), client(tmp_path)
    calls: dict[str, dict[str, Any]] = {
        "get_document": {"Name": "ProductionChangeFreeze", "DocumentVersion": "2"},
        "list_command_invocations": {"CommandId": "e8d3c0e4-71f7-4491-898f-c9b35bee5f3b", "Details": True},
    }
    for made in (full, trimmed):
        for method, arguments in calls.items():
            with pytest.raises(Sent) as sent:
                getattr(made, method)(**arguments)
            bodies.append(sent.value.args[0])
    assert bodies[:2] == bodies[2:] and b"ProductionChangeFreeze" in bodies[0]
    assert hasattr(full, "send_command") and not hasattr(trimmed, "send_command")


def _as_site_packages(data: Path) -> Path:
    """`data` (holding ssm/) as botocore/data under a site-packages folder of its own."""
    site = data.parent / "site"
    (site / "botocore").mkdir(parents=True)
    (site / "botocore" / "data").symlink_to(data)
    return site
