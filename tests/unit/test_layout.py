"""The layout's rules (CONTRIBUTING.md), read from the source as it is on disk: tracked files and new
ones git does not ignore. Each failure names the file and line."""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path
from typing import TypeGuard

from ssm_event_notifier.contract.catalog import EVENT_TYPES

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "lambdas" / "notifier"
CONTRACT = REPO / "infra" / "ssm_event_notifier" / "contract"
CATALOG = CONTRACT / "catalog.py"
CONTRACT_MODULE = "ssm_event_notifier.contract"
# Every package under notifier/ is a feature but these: the core, and the shared packages that serve
# every feature (notifier's own top-level modules count as shared too). chat is shared: its card is what
# the chat relay publishes and what the route relay posts to Slack and Teams webhooks; owners: the
# digest sweeper makes each route by tags' view, the route relay delivers it.
CORE = "core"
SHARED = {"chat", "failures", "organization", "owners"}
PACKAGES = {path.parent.name for path in LIBRARY.glob("*/__init__.py")}
FEATURES = PACKAGES - SHARED - {CORE}
MAX_LINES = 300
# Processes that lay out a function's path as Lambda does, with nothing else of the repository on it.
PATH_LAYOUTS = {"tools/harness/lambda_worker.py", "bench/cold_start_probe.py"}
MUTATORS = {"insert", "append", "extend", "remove", "pop", "clear"}


def _files(*paths: str) -> list[Path]:
    """The .py files under `paths` that git tracks or would track (untracked, not ignored), on disk."""
    command = ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *paths]
    listed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True).stdout
    return sorted({REPO / name for name in listed.splitlines() if name.endswith(".py") and (REPO / name).is_file()})


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _at(path: Path, line: int) -> str:
    return f"{path.relative_to(REPO)}:{line}"


def _listed(what: str, places: list[str]) -> str:
    return "\n  ".join([f"{what}:", *places])


def _imports(path: Path, top_level_only: bool = False) -> list[tuple[str, int]]:
    """(module, line) of each absolute import; `from a import b` gives a.b as well as a (b may be a module)."""
    found = []
    for node in _tree(path).body if top_level_only else ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found += [(node.module, node.lineno), *((f"{node.module}.{a.name}", node.lineno) for a in node.names)]
    return found


def _top(module: str) -> str:
    return module.split(".")[0]


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for the runtime library."""
    found = {}
    for path in _files("lambdas/notifier"):
        parts = path.relative_to(LIBRARY.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _library_imports(path: Path) -> dict[str, int]:
    """The library modules a file imports, with the line: `from notifier.x import y` counts x.y when it
    is a module, else x."""
    found: dict[str, int] = {}
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module and _top(node.module) == "notifier":
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                found.setdefault(name if name in MODULES else node.module, node.lineno)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _top(alias.name) == "notifier":
                    found.setdefault(alias.name, node.lineno)
    return found


def _package(module: str) -> str:
    """The package under notifier/ a module is in; "" for notifier's own top-level modules."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in PACKAGES else ""


def _is_sys_path(node: ast.AST) -> TypeGuard[ast.Attribute]:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "path"
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    )


def test_no_sys_path_edits() -> None:
    """Imports resolve through the installed packages; only a process laying out Lambda's own path edits it."""
    edits = [
        _at(path, node.lineno)
        for path in _files("app.py", "infra", "tools", "bench", "lambdas")
        if str(path.relative_to(REPO)) not in PATH_LAYOUTS
        for node in ast.walk(_tree(path))
        if (_is_sys_path(node) and isinstance(node.ctx, ast.Store | ast.Del))  # sys.path = ..., += ...
        or (isinstance(node, ast.Subscript) and _is_sys_path(node.value))  # sys.path[...]
        or (isinstance(node, ast.Attribute) and node.attr in MUTATORS and _is_sys_path(node.value))
    ]
    assert not edits, _listed("sys.path edited at", edits)


def test_detail_types_are_written_only_in_the_catalog() -> None:
    detail_types = {event_type.detail_type for event_type in EVENT_TYPES}
    written = [
        f"{_at(path, node.lineno)} {node.value!r}"
        for path in _files("lambdas", "infra", "tools")
        if path != CATALOG
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.Constant) and node.value in detail_types
    ]
    assert not written, _listed("detail-types written out (read them from the catalog's EVENT_TYPES)", written)


def test_tests_and_bench_never_import_each_other() -> None:
    crossed = [
        f"{_at(path, line)} imports {name}"
        for folder, other in (("tests", "bench"), ("bench", "tests"))
        for path in _files(folder)
        for name, line in _imports(path)
        if _top(name) == other
    ]
    assert not crossed, _listed(
        "tests/ and bench/ import each other (what both need belongs in tools/harness)", crossed
    )


def test_no_module_is_over_300_lines_but_the_catalog() -> None:
    long = [
        f"{path.relative_to(REPO)}: {lines} lines"
        for path in _files("lambdas", "infra", "tools", "bench")
        if path != CATALOG and (lines := len(path.read_text().splitlines())) > MAX_LINES
    ]
    assert not long, _listed(f"modules over {MAX_LINES} lines", long)


def test_the_core_imports_only_itself_and_a_feature_is_imported_only_by_itself() -> None:
    """The core imports only the core; a shared package (or notifier's own module) imports no feature;
    a feature imports the core and the shared packages, never another feature."""
    assert SHARED <= PACKAGES and CORE in PACKAGES, f"notifier/ holds {sorted(PACKAGES)}"
    wrong = [
        f"{_at(path, line)}: {module} imports {name}"
        for module, path in MODULES.items()
        for name, line in _library_imports(path).items()
        if (own := _package(module)) != (other := _package(name)) and (own == CORE or other in FEATURES)
    ]
    assert not wrong, _listed(f"layers crossed (features {sorted(FEATURES)}, shared {sorted(SHARED)})", wrong)


def test_no_import_cycles() -> None:
    graph = {module: set(_library_imports(path)) for module, path in MODULES.items()}
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


def test_no_two_modules_share_a_file_name() -> None:
    # examples/ holds apps of their own, each with its app.py.
    paths: dict[str, list[str]] = {}
    for path in _files("app.py", "infra", "lambdas", "tools", "bench", "tests"):
        if path.name != "__init__.py" and not path.name.startswith(("test_", "conftest")):
            paths.setdefault(path.name, []).append(str(path.relative_to(REPO)))
    shared = [" and ".join(found) for found in paths.values() if len(found) > 1]
    assert not shared, _listed("file names used twice", shared)


def _runtime(name: str) -> bool:
    return _top(name) in ("notifier", "handlers")


def _cdk(name: str) -> bool:
    """A module of the CDK: aws_cdk, constructs, or a construct of ssm_event_notifier (not its contract)."""
    if name.startswith("ssm_event_notifier."):
        return not name.startswith(CONTRACT_MODULE)
    return _top(name) in ("aws_cdk", "constructs")


def test_the_cdk_side_and_the_runtime_never_import_each_other() -> None:
    """The constructs import no runtime module; the runtime imports no CDK module (of the package, the
    code asset carries only the contract)."""
    constructs = [path for path in _files("infra/ssm_event_notifier") if CONTRACT not in path.parents]
    crossed = [
        f"{_at(path, line)} imports {name}"
        for paths, forbidden in ((constructs, _runtime), (_files("lambdas"), _cdk))
        for path in paths
        for name, line in _imports(path)
        if forbidden(name)
    ]
    assert not crossed, _listed("the CDK side and the runtime import each other", crossed)


def test_the_contract_needs_only_the_standard_library() -> None:
    """Both sides import ssm_event_notifier.contract: at its top level it imports nothing the functions
    or the constructs lack (icalendar is loaded by calendar_rules.validate when it runs)."""
    foreign = [
        f"{_at(path, line)} imports {name}"
        for path in _files("infra/ssm_event_notifier/contract")
        for name, line in _imports(path, top_level_only=True)
        if _top(name) not in sys.stdlib_module_names and not name.startswith(CONTRACT_MODULE)
    ]
    assert not foreign, _listed("the contract imports beyond the standard library at its top level", foreign)
