"""The advance notices as users get them, pinned (tests/pins/notices.json): a window's notice (with a CLOSED
calendar and a read denied), a calendar's notice and a correction, rendered from fixed inputs.

    python -m tests.pins.notice_pins --write     # after a deliberate change of what a notice says
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from notifier.failures.budget import Unavailable
from notifier.notices.notice_messages import ClosedCalendar, WindowRuns, calendar_notice, correction, window_notice
from notifier.notices.notice_text import Where
from notifier.notices.windows import RunDetails, Target, Window

PINS = Path(__file__).resolve().parent / "notices.json"
WHERE = Where("123456789012", "eu-central-1")
NOW = datetime(2035, 1, 12, 16, 5, tzinfo=UTC)
RUN = datetime(2035, 1, 12, 17, 0, tzinfo=UTC)
WINDOW = Window.of(
    {
        "WindowId": "mw-0a1b2c3d4e5f60718",
        "Name": "patch-night",
        "Enabled": True,
        "Duration": 4,
        "Cutoff": 1,
        "Schedule": "cron(0 18 ? * FRI *)",
        "ScheduleTimezone": "Europe/Berlin",
    }
)
FREEZE: dict[str, Any] = {
    "at": "2035-01-12T17:00:00Z",
    "state": "CLOSED",
    "until": "2035-01-15T05:00:00Z",
    "timeZone": "Europe/Berlin",
    "causes": [
        {
            "uid": "weekend-freeze",
            "summary": "Weekend change freeze",
            "description": "No production changes from Friday 18:00 to Monday 06:00.",
            "start": "2035-01-12T17:00:00Z",
            "end": "2035-01-15T05:00:00Z",
            "timeZone": "Europe/Berlin",
            "startLocal": "2035-01-12T18:00:00+01:00",
            "endLocal": "2035-01-15T06:00:00+01:00",
        }
    ],
}


def _shown(notification: Any) -> dict[str, Any]:
    return {
        "subject": notification.subject,
        "text": notification.text,
        "attributes": notification.attributes,
        "document": notification.document,
    }


def notices() -> dict[str, Any]:
    details = RunDetails(
        targets=[Target("web-servers", "tag:Team=web", 12), Target("db-primary", "InstanceIds=i-0db0000000000001a", 1)],
        tasks=None,
        unavailable=[Unavailable("its tasks (ssm:DescribeMaintenanceWindowTasks)", "AccessDeniedException: denied")],
    )
    closed = [
        ClosedCalendar(
            "ProductionChangeFreeze", FREEZE["at"], FREEZE["until"], ("Weekend change freeze",), "Europe/Berlin"
        )
    ]
    return {
        "window": _shown(window_notice(WINDOW, RUN, 60, NOW, details, closed, WHERE)),
        "calendar": _shown(
            calendar_notice("ProductionChangeFreeze", FREEZE, 60, NOW, [WindowRuns(WINDOW, (RUN,))], WHERE)
        ),
        "correction": _shown(
            correction(
                WINDOW.window_id,
                WINDOW.name,
                RUN,
                NOW,
                "the window's schedule changed",
                datetime(2035, 1, 12, 19, 0, tzinfo=UTC),
                "Europe/Berlin",
                WHERE,
            )
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite tests/pins/notices.json from the current code")
    if not parser.parse_args().write:
        parser.error("nothing to do without --write (pytest compares)")
    PINS.write_text(json.dumps(notices(), indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"wrote {PINS.name}")


if __name__ == "__main__":
    main()
