"""What the functions ship (infra/layer.py): bytecode for the runtime's exact Python, nothing no
function imports, and a build that fails with a clear message rather than ship a slow layer."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from infra import layer
from tests.infra.conftest import resources

NO_RUNTIME_PYTHON = layer.find_python() is None


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


def test_pruning_removes_test_suites_stubs_scripts_and_botocore_examples_only(tmp_path: Path):
    kept = [
        "icalendar/cal.py",
        "botocore/data/sns/2010-03-31/service-2.json.gz",
        "botocore/data/sns/2010-03-31/paginators-1.json",
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
    ]
    _package(tmp_path, kept + pruned)
    removed = layer.prune(tmp_path)
    assert set(removed) == set(layer.PRUNED) and all(size > 0 for size in removed.values())
    assert all((tmp_path / name).exists() for name in kept)
    assert not any((tmp_path / name).exists() for name in pruned)


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
    assert sorted(str(p.relative_to(copied)) for p in copied.rglob("*") if p.is_file()) == [
        "handlers/ami.py",
        "notifier/core/catalog.py",
    ]


def test_an_interpreter_is_named_or_found_and_a_missing_one_fails_the_lambda_build_clearly(monkeypatch):
    monkeypatch.setenv(layer.BUILD_PYTHON, "none")
    assert layer.runtime_python(required=True) is None  # on purpose: no bytecode
    monkeypatch.setenv(layer.BUILD_PYTHON, sys.executable)
    if sys.version_info[:2] != (3, 13):
        with pytest.raises(layer.BuildError, match=r"is not a Python 3\.13 interpreter"):
            layer.runtime_python(required=True)
    monkeypatch.delenv(layer.BUILD_PYTHON)
    monkeypatch.setattr(layer, "find_python", lambda version=layer.RUNTIME_VERSION: None)
    assert layer.runtime_python(required=False) is None
    with pytest.raises(layer.BuildError, match=r"pyenv install 3\.13.*LAYER_PYTHON=/path/to/python3\.13"):
        layer.runtime_python(required=True)


@pytest.mark.skipif(NO_RUNTIME_PYTHON, reason="no Python 3.13 interpreter on this machine")
def test_compiled_bytecode_is_the_runtimes_and_does_not_depend_on_timestamps(tmp_path: Path):
    _package(tmp_path, ["pkg/__init__.py", "pkg/module.py"])
    python = layer.find_python()
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
