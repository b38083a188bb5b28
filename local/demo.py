"""Demo data loaded when the local stack starts: a little of every domain, sent
through the public API (or dropped in S3) exactly as real clients would."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from local.demo_bookings import bookings_demo
from local.demo_occupancy import occupancy_demo
from local.demo_store_uptime import store_uptime_demo
from local.demo_temperature import temperature_demo
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


# Each domain adds its loader here; they run in order at start-up.
DEMO_LOADERS: list[Callable[[str, Stack, Log], None]] = [
    occupancy_demo,
    temperature_demo,
    store_uptime_demo,
    bookings_demo,
]


def load_demo_data(api_url: str, stack: Stack, log: Log) -> None:
    for loader in DEMO_LOADERS:
        loader(api_url, stack, log)
