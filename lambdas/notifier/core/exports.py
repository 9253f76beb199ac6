"""A package's public names, loaded when first used: a function loads only the modules it uses.

Every function imports from packages' public surfaces (`from notifier.fleet import sweep`); a
package that imported all its modules up front would make every function load them at cold start.
A package lists its names in ``__all__``, imports them under ``TYPE_CHECKING`` for the type
checker, and otherwise gets its ``__getattr__`` from `lazy_exports`.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, **modules: tuple[str, ...]) -> Callable[[str], Any]:
    """The module ``__getattr__`` of `package`: each name of `modules` (module -> its names, relative to
    the package) imported from its module when first asked for, then kept on the package."""
    module_of = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> Any:
        if name not in module_of:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module_of[name]}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
