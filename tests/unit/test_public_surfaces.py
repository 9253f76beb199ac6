"""Each runtime package's public surface (its ``__all__``), what handlers import, and that a package's
surface loads nothing until a name is used (a function loads only what it uses)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tools import LAMBDAS_DIR

PACKAGES = sorted(
    ".".join(path.parent.relative_to(LAMBDAS_DIR).parts) for path in (LAMBDAS_DIR / "notifier").glob("**/__init__.py")
)
HANDLERS = sorted((LAMBDAS_DIR / "handlers").glob("*.py"))


def _type_checking_imports(package: str) -> dict[str, str]:
    """Name -> module of what a package's __init__ imports under `if TYPE_CHECKING:` (what the type
    checker sees)."""
    tree = ast.parse((LAMBDAS_DIR / package.replace(".", "/") / "__init__.py").read_text())
    return {
        alias.asname or alias.name: str(node.module)
        for block in tree.body
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


# Run in a process of its own: the names are loaded as a function loads them, and the module-scope
# objects they make (Powertools' metrics read their namespace once) do not outlive the check.
RESOLVE = """
import importlib, json, sys
package, typed = sys.argv[1], json.loads(sys.argv[2])
module = importlib.import_module(package)
print(json.dumps({
    "all": list(module.__all__),
    "wrong": [n for n, m in typed.items() if getattr(module, n) is not getattr(importlib.import_module(m), n)],
    "unknown_answered": hasattr(module, "no_such_name"),
}))
"""


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_declares_its_public_names_and_each_is_there(package: str) -> None:
    """`__all__` is what the type checker sees, and each name is the object of the module it names (never
    a module's own name: importing the module would set the package's attribute to it)."""
    typed = _type_checking_imports(package)
    folder = LAMBDAS_DIR / package.replace(".", "/")
    assert not {path.stem for path in folder.iterdir()} & set(typed)
    command = [sys.executable, "-c", RESOLVE, package, json.dumps(typed)]
    answer = json.loads(subprocess.run(command, cwd=LAMBDAS_DIR, capture_output=True, text=True, check=True).stdout)
    assert set(answer["all"]) == set(typed)
    assert answer["wrong"] == [] and not answer["unknown_answered"]


@pytest.mark.parametrize("path", HANDLERS, ids=lambda path: path.stem)
def test_a_handler_imports_only_packages_public_names(path: Path) -> None:
    private = [
        f"{path.name}:{node.lineno} from {node.module}"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom)
        and node.module
        and node.module.split(".")[0] == "notifier"
        and node.module not in PACKAGES
    ]
    assert not private, f"import the package's public names instead: {private}"


def test_a_package_surface_loads_none_of_its_modules() -> None:
    """Importing every package loads its __init__ and the lazy exports' helper, nothing else."""
    imports = "; ".join(f"import {package}" for package in PACKAGES)
    script = f"import json, sys; {imports}; print(json.dumps([*sys.modules]))"
    done = subprocess.run([sys.executable, "-c", script], cwd=LAMBDAS_DIR, capture_output=True, text=True, check=True)
    loaded = {name for name in json.loads(done.stdout) if name.split(".")[0] == "notifier"}
    assert loaded == {*PACKAGES, "notifier.core.exports"}
