"""botocore's models in the layer: only the services the functions make clients of, and SSM's cut
to the operations the functions call.

botocore lists every service folder under botocore/data when it loads a model (twice per process:
about 440 folders, 7-35 ms of every cold start), and the models of services no function calls were
15 MB of the layer's 34. The layer keeps SERVICES, each at the API version botocore loads (its
newest model); the list is every service `lambdas/` names to boto3 (tests/infra/test_layer.py).

botocore loads a client's whole service model when the client is made: SSM's has well over a
hundred operations, and loading it was a large part of the cold start of every function that makes
an SSM client (the calendar functions, at init), against a small one for these (docs/benchmarks.md). The
cut model keeps each operation with every shape it reaches, so the calls are what botocore makes
from the full one. A call not listed fails in the local runs as it would in Lambda (the layer of
`cdk.out.local/` is built the same way), and the list is the SSM actions the template grants the
functions (tests/infra/test_layer.py), so what they may call and what they can call stay one list.
The advance notices' look-ahead calls reads no other function makes: its model is cut apart, beside botocore
(SEPARATE), and found through botocore's own AWS_DATA_PATH, so that the shared model stays as small.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

# The services the functions make clients of (Powertools' idempotency too: DynamoDB).
SERVICES = ("dynamodb", "ec2", "organizations", "secretsmanager", "sns", "sqs", "ssm", "sts")
SSM_OPERATIONS = (
    # The calendars (infra/ssm_event_notifier/calendars.py grants them).
    "GetCalendarState",
    "GetDocument",
    # Why it failed (infra/ssm_event_notifier/failure_reads.py).
    "ListCommandInvocations",
    "GetAutomationExecution",
    "DescribeAutomationExecutions",
    "DescribeMaintenanceWindowExecutionTaskInvocations",
    "DescribeMaintenanceWindowExecutionTasks",
    "DescribeInstanceInformation",
    "DescribeInstanceAssociationsStatus",
    # Where a just-in-time access request stands, why it failed, how long it asks for (the same file).
    "GetOpsItem",
    # The tags of managed nodes, for the routes by tags (infra/ssm_event_notifier/routes.py).
    "ListTagsForResource",
)
TRIMMED = {"ssm": SSM_OPERATIONS}
# Models of one function's own, by the folder beside botocore they go to (its AWS_DATA_PATH):
# the advance notices' (infra/ssm_event_notifier/advance_notices.py grants these).
MODELS_FOLDER = "ssm_event_notifier_models"
SEPARATE: dict[str, dict[str, tuple[str, ...]]] = {
    "notices": {
        "ssm": (
            "GetDocument",
            "DescribeMaintenanceWindows",
            "DescribeMaintenanceWindowTargets",
            "DescribeMaintenanceWindowTasks",
            "DescribeMaintenanceWindowSchedule",
            "DescribeInstanceInformation",
        )
    }
}


def _reached(model: dict[str, Any], operations: tuple[str, ...]) -> set[str]:
    """Every shape the operations' inputs, outputs and errors reach."""
    shapes: set[str] = set()
    pending = []
    for name in operations:
        operation = model["operations"][name]
        refs = [operation.get("input"), operation.get("output"), *operation.get("errors", [])]
        pending += [ref["shape"] for ref in refs if ref]
    while pending:
        name = pending.pop()
        if name in shapes:
            continue
        shapes.add(name)
        shape = model["shapes"][name]
        pending += [shape[key]["shape"] for key in ("member", "key", "value") if key in shape]
        pending += [member["shape"] for member in shape.get("members", {}).values()]
    return shapes


def _cut(source: Path, target: Path, service: str, operations: tuple[str, ...]) -> None:
    model = json.loads(gzip.decompress(source.read_bytes()))
    missing = set(operations) - set(model["operations"])
    if missing:
        raise ValueError(f"{source}: no operation {sorted(missing)} in botocore's {service} model")
    shapes = _reached(model, operations)
    model["operations"] = {name: model["operations"][name] for name in operations}
    model["shapes"] = {name: shape for name, shape in model["shapes"].items() if name in shapes}
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(gzip.compress(json.dumps(model, separators=(",", ":")).encode(), mtime=0))


def trim_service_models(site_packages: Path) -> dict[str, int]:
    """Cut each TRIMMED service's model in the botocore under `site_packages` (first writing each SEPARATE
    model beside it, from the whole one); operations kept, by service."""
    data = site_packages / "botocore" / "data"
    for folder, services in SEPARATE.items():
        for service, own in services.items():
            for path in sorted((data / service).glob("*/service-2.json.gz")):
                _cut(path, site_packages / MODELS_FOLDER / folder / path.relative_to(data), service, own)
    kept = {}
    for service, operations in TRIMMED.items():
        for path in sorted((data / service).glob("*/service-2.json.gz")):
            _cut(path, path, service, operations)
            kept[service] = len(operations)
    return kept


def unused_models(data: Path) -> list[Path]:
    """The folders under `data` (botocore/data) no function reads: other services' models, and the
    API versions of SERVICES older than the newest model (the one botocore loads)."""
    unused: list[Path] = []
    for service in sorted(p for p in data.iterdir() if p.is_dir()) if data.is_dir() else []:
        if service.name not in SERVICES:
            unused.append(service)
            continue
        versions = sorted(v for v in service.iterdir() if v.is_dir())
        newest = max(v for v in versions if any(v.glob("service-2.json*")))
        unused += [v for v in versions if v != newest]
    return unused
