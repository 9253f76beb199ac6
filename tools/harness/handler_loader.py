"""The functions' handlers, loaded as Lambda loads them: the module imported afresh, so that its
module-scope clients and settings read the environment as it is now (a test's table, topic, endpoints)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ssm_event_notifier.contract.catalog import FUNCTIONS

LambdaHandler = Callable[[Any, LambdaContext], dict[str, Any]]


def load_module(module_name: str) -> Any:
    """A handler module, imported afresh with the current environment."""
    return importlib.reload(importlib.import_module(module_name))


def load_handler(function: str) -> LambdaHandler:
    """The handler of a catalog function (catalog.FUNCTIONS), as a new execution environment has it."""
    module_name, attribute = FUNCTIONS[function].rsplit(".", 1)
    handler: LambdaHandler = getattr(load_module(module_name), attribute)
    return handler
