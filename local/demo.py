"""Demo data loaded when the local stack starts: a little of every domain, sent through the
public API (or dropped in S3) exactly as real clients would.

A loader is a function `(Demo) -> str`: it sends its data with `demo.post(...)` (or boto3)
and returns one short line for the start-up banner ("occupancy: 4 events, sensors room-a,
room-b"). Add a loader by appending it to `DEMO_LOADERS`; they run in order, before the
start-up run of the schedules (which ingests the files the loaders dropped in S3).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from local.demo_bookings import bookings_demo
from local.demo_client import Demo, statuses
from local.demo_store_uptime import store_uptime_demo

__all__ = ["DEMO_LOADERS", "Demo", "load_demo_data"]


def occupancy_demo(demo: Demo) -> str:
    events = [
        {"sensor": "room-a", "ts": "2024-05-06T08:55:00Z", "in": 4, "out": 0},
        {"sensor": "room-a", "ts": "2024-05-06T09:30:00Z", "in": 3, "out": 1},
        {"sensor": "room-a", "ts": "2024-05-06T11:02:00Z", "in": 0, "out": 5},
        {"sensor": "room-b", "ts": "2024-05-06T10:00:00Z", "in_count": 2, "out_count": 0},
    ]
    counts = demo.post_all("/api/webhook", events)
    return f"occupancy: {len(events)} sensor events (room-a, room-b) [{statuses(counts)}]"


def temperature_demo(demo: Demo) -> str:
    """Building `viboo`: the seed example, and two rooms reporting every 5 minutes over the last
    2 hours, so the default 15-minute average has readings right after start-up."""
    base = "/api/v1/buildings/viboo/rooms"
    readings: list[tuple[str, dict[str, Any]]] = [
        ("meeting-room-1", {"temperature": 10.5, "recorded_at": "2024-12-10T16:45:00"})
    ]
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    for step in range(24, -1, -1):
        at = (now - timedelta(minutes=5 * step)).isoformat()
        for room, level in (("meeting-room-1", 21.0), ("open-space", 23.5)):
            readings.append((room, {"temperature": round(level + (step % 5) * 0.15, 2), "recorded_at": at}))
    counts = Counter(demo.post(f"{base}/{room}/temperatures", reading) for room, reading in readings)
    return f"temperature: {len(readings)} readings, building viboo, last 2 hours [{statuses(counts)}]"


# Each domain adds its loader here; they run in order at start-up.
DEMO_LOADERS: list[Callable[[Demo], str]] = [
    occupancy_demo,
    temperature_demo,
    store_uptime_demo,
    bookings_demo,
]


def load_demo_data(demo: Demo, log: Callable[[str], None] | None = None) -> list[str]:
    """Run every loader; their banner lines."""
    lines = []
    for loader in DEMO_LOADERS:
        line = loader(demo)
        if log is not None:
            log(f"demo: {line}")
        lines.append(line)
    return lines
