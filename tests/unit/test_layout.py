"""The layout's rules (CONTRIBUTING.md), read from the source: who may import whom, module sizes,
file names, and what the CDK app may not pull into the functions."""

from __future__ import annotations

import ast
import subprocess
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "lambdas" / "notifier"
FEATURES = ("delivery", "calendars", "fleet")
# Packages every feature may use; they use only the core (and each other's public modules, never a feature).
SHARED = ("failures", "organization")
MAX_LINES = 300


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for the library."""
    found = {}
    for path in sorted(LIBRARY.rglob("*.py")):
        parts = path.relative_to(LIBRARY.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(path: Path) -> set[str]:
    """The notifier modules a file imports (``from notifier.x import y`` counts x.y when it is a module)."""
    modules = _modules()
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("notifier"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                names.add(candidate if candidate in modules else node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.startswith("notifier"))
    return names


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


MODULES = _modules()


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _package(m) == "core"))
def test_the_core_imports_no_feature(module: str) -> None:
    foreign = {name for name in _imports(MODULES[module]) if _package(name) != "core"}
    assert not foreign, f"{module} (core) imports {sorted(foreign)}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _package(m) in FEATURES))
def test_a_feature_imports_the_core_and_no_other_feature(module: str) -> None:
    own = _package(module)
    foreign = {name for name in _imports(MODULES[module]) if _package(name) in FEATURES and _package(name) != own}
    assert not foreign, f"{module} imports another feature's internals: {sorted(foreign)}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _package(m) in SHARED))
def test_shared_packages_import_no_feature(module: str) -> None:
    """Every feature may use notifier.failures and notifier.organization: they may use no feature."""
    foreign = {name for name in _imports(MODULES[module]) if _package(name) in FEATURES}
    assert not foreign, f"{module} ({_package(module)}) imports {sorted(foreign)}"


def test_no_import_cycles() -> None:
    graph = {module: {name for name in _imports(path) if name in MODULES} for module, path in MODULES.items()}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        if module in path:
            raise AssertionError("import cycle: " + " -> ".join((*path[path.index(module) :], module)))
        if module in done:
            return
        for name in graph[module]:
            visit(name, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())


def _tracked(*patterns: str) -> list[Path]:
    listed = subprocess.run(["git", "ls-files", *patterns], cwd=REPO, capture_output=True, text=True, check=True)
    return [REPO / line for line in listed.stdout.splitlines()]


def test_no_module_is_over_300_lines_but_the_catalog() -> None:
    long = {
        str(path.relative_to(REPO)): n
        for path in _tracked("lambdas/*.py", "infra/*.py", "tools/*.py")
        if (n := len(path.read_text().splitlines())) > MAX_LINES and "catalog" not in path.name
    }
    assert long == {}


def test_no_two_modules_share_a_file_name() -> None:
    names = Counter(
        path.name
        for path in _tracked("*.py")
        if path.name != "__init__.py" and not path.name.startswith(("test_", "conftest"))
    )
    assert sorted(name for name, count in names.items() if count > 1) == []


def test_the_contract_needs_only_the_standard_library_and_the_functions_never_import_cdk() -> None:
    """Both sides import ssm_event_notifier.contract: at its top level it imports nothing the functions
    or the constructs lack (icalendar is loaded by calendar_rules.validate when it runs)."""
    contract = REPO / "infra" / "ssm_event_notifier" / "contract"
    stdlib = {"__future__", "dataclasses", "typing", "os", "collections", "hashlib", "datetime"}
    for path in sorted(contract.glob("*.py")):
        imported = {
            (node.module or "").split(".")[0] if isinstance(node, ast.ImportFrom) else alias.name.split(".")[0]
            for node in ast.parse(path.read_text()).body
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in node.names
        }
        assert imported <= stdlib, (path.name, imported - stdlib)
    for path in LIBRARY.parent.rglob("*.py"):
        assert "aws_cdk" not in path.read_text(), f"{path} mentions aws_cdk"
