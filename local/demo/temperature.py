"""Temperature demo data: building `viboo` (the example reading of the docs, two rooms every 5 minutes
over the last 2 hours) and a week of hourly history in `viboo` and `hq`, with a daily heating
cycle, so the console's 7-day charts have shape."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from local.demo.client import Demo, statuses
from local.demo.parallel_post import post_parallel

WEEK = timedelta(days=7)
ROOMS = {  # (building, room): (base °C, daily swing, reporting interval)
    ("viboo", "meeting-room-1"): (21.0, 1.6, timedelta(hours=1)),
    ("viboo", "open-space"): (22.5, 2.2, timedelta(hours=1)),
    ("hq", "boardroom"): (20.5, 1.2, timedelta(hours=1)),
}


def temperature_requests(now: datetime, rng: random.Random) -> list[tuple[str, dict[str, Any]]]:
    requests = []
    recent_start = now - timedelta(hours=2)
    for (building, room), (base, swing, every) in ROOMS.items():
        path = f"/api/v1/buildings/{building}/rooms/{room}/temperatures"
        at = (now - WEEK).replace(minute=0)
        while at <= now:
            if building == "viboo" and at > recent_start:
                at += every
                continue  # the 5-minute readings below cover the last 2 hours
            hour = at.hour + at.minute / 60
            value = base + swing * math.sin((hour - 9) / 24 * 2 * math.pi) + rng.uniform(-0.3, 0.3)
            requests.append((path, {"temperature": round(value, 2), "recorded_at": at.isoformat()}))
            at += every
    for step in range(24, -1, -1):
        at = (now - timedelta(minutes=5 * step)).isoformat()
        for room, level in (("meeting-room-1", 21.0), ("open-space", 23.5)):
            reading = {"temperature": round(level + (step % 5) * 0.15, 2), "recorded_at": at}
            requests.append((f"/api/v1/buildings/viboo/rooms/{room}/temperatures", reading))
    return requests


def temperature_demo(demo: Demo) -> str:
    seed = ("/api/v1/buildings/viboo/rooms/meeting-room-1/temperatures",
            {"temperature": 10.5, "recorded_at": "2024-12-10T16:45:00"})  # fmt: skip
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    requests = [seed, *temperature_requests(now, random.Random(3))]  # noqa: S311 — pseudo-random demo/benchmark data, not a secret
    counts = post_parallel(demo, requests)
    return f"temperature: {len(requests)} readings, buildings viboo and hq, last 7 days [{statuses(counts)}]"
