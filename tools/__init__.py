"""Local tools: replay and invoke the synthesized stack on stand-ins for AWS, generate a storm of events.

The command-line tools are the modules here (``replay``, ``invoke``, ``storm``); what they share
with ``tests/`` and ``bench/`` is the harness, ``tools.harness``.
"""

import contextlib
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# The calendar stand-in uses the functions' own calendar code (lambdas/notifier/calendars/).
LAMBDAS_DIR = REPO_ROOT / "lambdas"
if str(LAMBDAS_DIR) not in sys.path:
    sys.path.insert(0, str(LAMBDAS_DIR))


def repo_relative(path: Path) -> str:
    """`path` as shown to a user: relative to the repository when inside it."""
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(REPO_ROOT))
    return str(path)
