"""Demo data loaded when the local stack starts: a little of every domain, sent
through the public API (or dropped in S3) exactly as real clients would."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from local.demo_bookings import bookings_demo
from local.demo_store_uptime import store_uptime_demo
from local.template import Stack

Log = Callable[[str], None]

# The demo clients authenticate like any client: set by `load_demo_data` (the demo admin key).
_api_key: str | None = None


def post(api_url: str, path: str, payload: dict[str, Any], key: str | None = None) -> int:
    headers = {"Content-Type": "application/json"}
    if key or _api_key:
        headers["Authorization"] = f"Bearer {key or _api_key}"
    request = urllib.request.Request(
        f"{api_url}{path}", data=json.dumps(payload).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def occupancy_demo(api_url: str, stack: Stack, log: Log) -> None:
    events = [
        {"sensor": "room-a", "ts": "2024-05-06T08:55:00Z", "in": 4, "out": 0},
        {"sensor": "room-a", "ts": "2024-05-06T09:30:00Z", "in": 3, "out": 1},
        {"sensor": "room-a", "ts": "2024-05-06T11:02:00Z", "in": 0, "out": 5},
        {"sensor": "room-b", "ts": "2024-05-06T10:00:00Z", "in_count": 2, "out_count": 0},
    ]
    statuses = [post(api_url, "/api/webhook", event) for event in events]
    log(f"demo: occupancy events posted {statuses}")


def temperature_demo(api_url: str, stack: Stack, log: Log) -> None:
    """Building `viboo`: the seed example, and two rooms reporting every 5 minutes over the last
    2 hours, so the default 15-minute average has readings right after start-up."""
    from datetime import UTC, datetime, timedelta

    base = "/api/v1/buildings/viboo/rooms"
    seed = {"temperature": 10.5, "recorded_at": "2024-12-10T16:45:00"}
    statuses = [post(api_url, f"{base}/meeting-room-1/temperatures", seed)]
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    for step in range(24, -1, -1):
        at = (now - timedelta(minutes=5 * step)).isoformat()
        for room, level in (("meeting-room-1", 21.0), ("open-space", 23.5)):
            reading = {"temperature": round(level + (step % 5) * 0.15, 2), "recorded_at": at}
            statuses.append(post(api_url, f"{base}/{room}/temperatures", reading))
    counts = {status: statuses.count(status) for status in sorted(set(statuses))}
    log(f"demo: temperature readings posted {counts}")


# Each domain adds its loader here; they run in order at start-up.
DEMO_LOADERS: list[Callable[[str, Stack, Log], None]] = [
    occupancy_demo,
    temperature_demo,
    store_uptime_demo,
    bookings_demo,
]


def load_demo_data(api_url: str, stack: Stack, log: Log, api_key: str | None = None) -> None:
    global _api_key
    _api_key = api_key
    for loader in DEMO_LOADERS:
        loader(api_url, stack, log)
