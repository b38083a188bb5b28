"""Occupancy demo data: a small example, and the last 26 hours of three rooms
reported every 15 minutes with realistic curves (office hours, lunch, a 24/7 lobby),
so the console's "inside now" list and day charts have shape at any hour."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from local.demo.client import Demo, statuses
from local.demo.parallel_post import post_parallel

REPORT_EVERY = timedelta(minutes=15)
HISTORY = timedelta(hours=26)


def _bump(hour: float, centre: float, width: float) -> float:
    return math.exp(-(((hour - centre) / width) ** 2))


# People a room holds at a UTC hour of the day (fractional).
CURVES: dict[str, Callable[[float], float]] = {
    "meeting-room-1": lambda h: 9 * _bump(h, 10.5, 1.6) + 7 * _bump(h, 14.5, 1.8),
    "cafeteria": lambda h: 4 + 38 * _bump(h, 12.5, 0.8) + 8 * _bump(h, 8.5, 0.6),
    "lobby": lambda h: 3 + 10 * _bump(h, 9, 1.2) + 9 * _bump(h, 17.5, 1.2),
}


def occupancy_events(now: datetime, rng: random.Random) -> list[dict[str, Any]]:
    """IN/OUT counts that move each room along its curve, with people passing through."""
    events = []
    start = (now - HISTORY).replace(minute=0, second=0, microsecond=0)
    for sensor, curve in CURVES.items():
        inside = 0
        at = start
        while at <= now:
            hour = at.hour + at.minute / 60
            target = max(0, round(curve(hour) + rng.uniform(-1, 1)))
            passing = rng.randrange(0, 3)
            in_count = max(target - inside, 0) + passing
            out_count = max(inside - target, 0) + passing
            inside = target
            events.append(
                {"sensor": sensor, "ts": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "in": in_count, "out": out_count}
            )
            at += REPORT_EVERY
    return events


def occupancy_demo(demo: Demo) -> str:
    events = [
        {"sensor": "room-a", "ts": "2024-05-06T08:55:00Z", "in": 4, "out": 0},
        {"sensor": "room-a", "ts": "2024-05-06T09:30:00Z", "in": 3, "out": 1},
        {"sensor": "room-a", "ts": "2024-05-06T11:02:00Z", "in": 0, "out": 5},
        {"sensor": "room-b", "ts": "2024-05-06T10:00:00Z", "in_count": 2, "out_count": 0},
    ]
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    day = occupancy_events(now, random.Random(5))  # noqa: S311 — pseudo-random demo/benchmark data, not a secret
    rng = random.Random(6)  # noqa: S311 — pseudo-random demo/benchmark data, not a secret
    rng.shuffle(day)  # sensors' reports arrive out of order; the answers must not care
    counts = post_parallel(demo, [("/api/webhook", event) for event in events + day])
    return (
        f"occupancy: {len(events) + len(day)} sensor events (room-a, room-b; {', '.join(CURVES)} over the "
        f"last 26 hours) [{statuses(counts)}]"
    )
