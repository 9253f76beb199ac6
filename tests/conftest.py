"""Every test process: the metrics namespace the functions are deployed with, set before any test module is
imported. A module that creates Powertools' Metrics at import (notifier.observability) reads it then, once per
process; imported first by a test without the integration tests' environment, it would leave every later
handler of that process (pytest-xdist runs unit and integration files in one worker) without a namespace."""

import os

from tools.harness.endpoints import METRICS_NAMESPACE

os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", METRICS_NAMESPACE)
