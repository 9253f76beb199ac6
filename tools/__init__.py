"""Local tools: replay and invoke the synthesized stack on stand-ins for AWS, generate a storm of events.

The command-line tools are the modules here (``replay``, ``invoke``, ``storm``); what they share
with ``tests/`` and ``bench/`` is the harness, ``tools.harness``.
"""

import contextlib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
LAMBDAS_DIR = REPO_ROOT / "lambdas"


def repo_relative(path: Path) -> str:
    """`path` as shown to a user: relative to the repository when inside it."""
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(REPO_ROOT))
    return str(path)
