"""The CDK stack of SSM Event Notifier: one construct per concern."""

import sys
from pathlib import Path

# The catalog and the functions' environment live with the Lambda code (lambdas/notifier/core/catalog.py,
# lambdas/notifier/environment.py) so that the rules and the handlers read one list; both import nothing
# but the standard library.
LAMBDAS_DIR = Path(__file__).resolve().parent.parent / "lambdas"
if str(LAMBDAS_DIR) not in sys.path:
    sys.path.insert(0, str(LAMBDAS_DIR))
