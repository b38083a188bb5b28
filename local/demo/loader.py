"""Demo data loaded when the local stack starts: a little of every domain, sent through the
public API (or dropped in S3) exactly as real clients would.

A loader is a function `(Demo) -> str`: it sends its data with `demo.post(...)` (or boto3)
and returns one short line for the start-up banner ("occupancy: 4 events, sensors room-a,
room-b"). Add a loader by appending it to `DEMO_LOADERS`; they run in order, before the
start-up run of the schedules (which ingests the files the loaders dropped in S3).
"""

from __future__ import annotations

from collections.abc import Callable

from local.demo.alerts import alerts_demo, store_alert_demo
from local.demo.bookings import bookings_demo
from local.demo.client import Demo
from local.demo.occupancy import occupancy_demo
from local.demo.store_uptime import store_uptime_demo
from local.demo.temperature import temperature_demo

__all__ = ["DEMO_LOADERS", "Demo", "load_demo_data"]


# Each domain adds its loader here; they run in order at start-up.
DEMO_LOADERS: list[Callable[[Demo], str]] = [
    alerts_demo,  # first: the rules then see the other loaders' data arrive
    occupancy_demo,
    temperature_demo,
    store_uptime_demo,
    store_alert_demo,  # a store_down rule on a store the dropped files show down
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
