"""The real SAM CLI and Docker, on the local build and the stand-ins (`make test-sam`; `make test` leaves
this folder out: pyproject.toml's norecursedirs).

Skipped, saying why, where Docker cannot run (no docker client, no engine and none can be started:
not root, no dockerd) or where the SAM CLI or the stand-in runtime image's tools are missing; never
silently. The stand-in image (tools/harness/lambda_image.py) is built once per machine.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ssm_event_notifier.contract.catalog import OPERATIONS
from tools.harness.docker_engine import DockerUnavailable, bridged, docker_engine
from tools.harness.endpoints import REGION
from tools.harness.endpoints import function_environment as stand_ins_environment
from tools.harness.lambda_image import ensure_image
from tools.harness.local_stack import LocalStack
from tools.harness.replayer import Replayer
from tools.harness.sam_cli import SamInvocation, find_sam, local_invoke
from tools.harness.sam_env import ENDPOINT_PREFIX, local_env_vars, write_env_vars
from tools.harness.samples import CALENDAR_DOCUMENTS
from tools.harness.stand_ins import stand_ins
from tools.harness.template import Template, ensure_synthesized
from tools.sam import NOTICE_WINDOWS

# A calendar the reconciler watches, closed now by an event around this moment.
RECONCILED = "SamFreeze"
CLOSED_NOW = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//ssm-event-notifier//sam test//EN
X-CALENDAR-TYPE:DEFAULT_OPEN
BEGIN:VEVENT
UID:sam-freeze-1
SUMMARY:Release freeze
DTSTART:{start}
DTEND:{end}
END:VEVENT
END:VCALENDAR
"""


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


@pytest.fixture(scope="session")
def docker() -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(docker_engine(sys.stderr))
        except DockerUnavailable as error:
            pytest.skip(f"Docker cannot run here, so the real SAM CLI cannot run the functions: {error}")
        yield


@pytest.fixture(scope="session")
def sam() -> str:
    found = find_sam()
    if found is None:
        pytest.skip("no SAM CLI: `make test-sam` installs the pinned one (tests/sam/requirements-sam.txt) in .venv/sam")
    return found


@pytest.fixture(scope="session")
def runtime_image(docker: None) -> str:
    if shutil.which("debootstrap") is None:
        pytest.skip("no debootstrap to build the stand-in runtime image (Debian: apt-get install debootstrap)")
    return ensure_image(sys.stderr)


@dataclass
class SamStack:
    """The local build's resources on the stand-ins, and `sam local invoke` of its functions there."""

    sam: str
    image: str
    template: Template
    stack: LocalStack
    replayer: Replayer
    env_vars: Path
    folder: Path

    def invoke(self, function_id: str, event: Any) -> tuple[SamInvocation, list[dict[str, Any]]]:
        """One invocation, and what the subscriber queue received from it."""
        path = self.folder / f"event-{uuid.uuid4().hex[:8]}.json"
        path.write_text(json.dumps(event))
        invocation = local_invoke(self.sam, self.template.path, function_id, path, self.env_vars, self.image)
        return invocation, self.replayer.received()

    def client(self, service: str) -> Any:
        return self.stack.client(service)


def scheduled_event() -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": datetime.now(UTC).isoformat(),
        "region": REGION,
        "resources": [],
        "detail": {},
    }


@pytest.fixture(scope="session")
def sam_stack(sam: str, runtime_image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SamStack]:
    template = Template(ensure_synthesized())
    calendars = tmp_path_factory.mktemp("calendars")
    for document in CALENDAR_DOCUMENTS.glob("*.ics"):
        shutil.copy(document, calendars)
    now = datetime.now(UTC)
    (calendars / f"{RECONCILED}.ics").write_text(
        CLOSED_NOW.format(start=stamp(now - timedelta(hours=2)), end=stamp(now + timedelta(hours=2)))
    )
    # The windows the advance notices announce: `make sam-invoke`'s (tools.sam.NOTICE_WINDOWS).
    with stand_ins(sys.stderr, calendars=calendars, reads=(NOTICE_WINDOWS,)) as endpoints, bridged(endpoints) as reach:
        stack = LocalStack(template, endpoints).deploy()
        # As the functions' containers reach the stand-ins; an operation digested as soon as it ended (the
        # replay's --settle 0); the reconciler watching the calendar above only.
        overrides = {k: v for k, v in stand_ins_environment(reach).items() if k.startswith(ENDPOINT_PREFIX)}
        overrides |= {"MONITORED_CALENDARS": RECONCILED, "DIGEST_SETTLE_SECONDS": "0"}
        overrides["QUIET_PERIOD_SECONDS"] = ",".join(f"{kind.name}=0" for kind in OPERATIONS if kind.ends == "quiet")
        folder = tmp_path_factory.mktemp("sam")
        env_vars = write_env_vars(local_env_vars(template, stack, overrides), folder / "env.json")
        yield SamStack(sam, runtime_image, template, stack, Replayer(template, stack, {}, None), env_vars, folder)
