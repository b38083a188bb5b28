"""Posting many demo requests in parallel: the local stack serves several at once (one
container per function and request), so start-up is not a long queue of round trips."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

WORKERS = 6


def post_all(api_url: str, requests: Iterable[tuple[str, dict[str, Any]]]) -> dict[int, int]:
    """POST every (path, payload); the count of each status code."""
    from local.demo import post

    with ThreadPoolExecutor(WORKERS) as pool:
        statuses = Counter(pool.map(lambda request: post(api_url, *request), requests))
    return dict(sorted(statuses.items()))
