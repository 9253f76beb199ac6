"""Local tools: replay and invoke the synthesized stack on stand-ins for AWS."""

import sys
from pathlib import Path

# The calendar stand-in uses the functions' own calendar code (lambdas/notifier/calendars/).
LAMBDAS_DIR = Path(__file__).resolve().parent.parent / "lambdas"
if str(LAMBDAS_DIR) not in sys.path:
    sys.path.insert(0, str(LAMBDAS_DIR))
