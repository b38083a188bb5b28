"""Demo data loaded when the local stack starts: a little of every domain, sent
through the public API (or dropped in S3) exactly as real clients would."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from local.template import Stack

Log = Callable[[str], None]


def post(api_url: str, path: str, payload: dict[str, Any]) -> int:
    request = urllib.request.Request(
        f"{api_url}{path}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
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


# Each domain adds its loader here; they run in order at start-up.
DEMO_LOADERS: list[Callable[[str, Stack, Log], None]] = [occupancy_demo]


def load_demo_data(api_url: str, stack: Stack, log: Log) -> None:
    for loader in DEMO_LOADERS:
        loader(api_url, stack, log)
