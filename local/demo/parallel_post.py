"""Posting many demo requests in parallel: the local stack serves several at once (one
container per function and request), so start-up is not a long queue of round trips."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from local.demo.client import Demo

WORKERS = 6


def post_parallel(demo: Demo, requests: Iterable[tuple[str, dict[str, Any]]]) -> Counter[int]:
    """POST every (path, payload) with the demo's headers; the count of each status code."""
    with ThreadPoolExecutor(WORKERS) as pool:
        return Counter(pool.map(lambda request: demo.post(*request), requests))
