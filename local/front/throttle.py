"""API Gateway's route throttling, as the HTTP API applies its stage's `DefaultRouteSettings`:
one token bucket per route (`ThrottlingBurstLimit` tokens, refilled at `ThrottlingRateLimit`
per second); a request that finds the bucket empty is answered 429 `Too Many Requests` by the
gateway itself, before the authorizer and the function run.

AWS applies it "on a best-effort basis": exact figures differ there, the behaviour a client
must handle (429 under a burst, served again once the rate allows) does not.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottleLimits:
    rate: float  # requests per second, steady state
    burst: int  # the bucket's size


class RouteThrottle:
    """Per-route token buckets, thread-safe (the gateway serves each connection in a thread)."""

    def __init__(self, limits: ThrottleLimits, clock: Callable[[], float] = time.monotonic) -> None:
        if limits.rate < 0 or limits.burst < 0:
            raise ValueError(f"throttling limits must not be negative: {limits}")
        self.limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # route key -> (tokens, as of)

    def admit(self, route_key: str) -> bool:
        """Take a token from the route's bucket; False: throttle this request."""
        now = self._clock()
        with self._lock:
            tokens, as_of = self._buckets.get(route_key, (float(self.limits.burst), now))
            tokens = min(float(self.limits.burst), tokens + (now - as_of) * self.limits.rate)
            admitted = tokens >= 1.0
            self._buckets[route_key] = (tokens - 1.0 if admitted else tokens, now)
            return admitted
