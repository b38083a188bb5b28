"""Route throttling as API Gateway applies the HttpApi's DefaultRouteSettings: a token bucket per
route, 429 `Too Many Requests` from the gateway itself (no authorizer, no function), limits
from the template's parameters, which `--parameter-overrides` changes as `sam deploy` would."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from local.front.throttle import RouteThrottle, ThrottleLimits
from local.template import Route, Stack, load_stack
from tests.unit.local_stack.gateway_harness import running_front

ROOT = Path(__file__).resolve().parents[3]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_full_bucket_admits_the_burst_then_refills_at_the_rate() -> None:
    clock = FakeClock()
    throttle = RouteThrottle(ThrottleLimits(rate=2, burst=3), clock)
    assert [throttle.admit("GET /a") for _ in range(4)] == [True, True, True, False]
    clock.now += 0.25  # half a token
    assert not throttle.admit("GET /a")
    clock.now += 0.25
    assert throttle.admit("GET /a") and not throttle.admit("GET /a")


def test_an_idle_route_saves_up_to_the_burst_only() -> None:
    clock = FakeClock()
    throttle = RouteThrottle(ThrottleLimits(rate=100, burst=2), clock)
    assert throttle.admit("GET /a")
    clock.now += 3600
    assert [throttle.admit("GET /a") for _ in range(3)] == [True, True, False]


def test_each_route_has_its_own_bucket() -> None:
    throttle = RouteThrottle(ThrottleLimits(rate=0, burst=1), FakeClock())
    assert throttle.admit("GET /a") and not throttle.admit("GET /a")
    assert throttle.admit("POST /a") and throttle.admit("GET /b")


def test_zero_limits_refuse_everything_and_negative_ones_are_an_error() -> None:
    throttle = RouteThrottle(ThrottleLimits(rate=0, burst=0), FakeClock())
    assert not throttle.admit("GET /a")
    with pytest.raises(ValueError, match="negative"):
        RouteThrottle(ThrottleLimits(rate=-1, burst=5))


def test_limits_come_from_the_template_parameters_and_their_overrides(template_stack: Stack) -> None:
    assert template_stack.throttle == ThrottleLimits(rate=100.0, burst=200)  # the template's defaults
    overridden = load_stack(
        ROOT / "template.yaml", {"ThrottlingRateLimit": "0.5", "ThrottlingBurstLimit": "3"}
    )
    assert overridden.throttle == ThrottleLimits(rate=0.5, burst=3)
    with pytest.raises(ValueError, match="no such template parameter: Nope"):
        load_stack(ROOT / "template.yaml", {"Nope": "1"})


def _local(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m local` with these arguments, as a user would type it."""
    return subprocess.run(
        [sys.executable, "-m", "local", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_an_unknown_override_is_a_usage_error_before_anything_starts() -> None:
    result = _local("--parameter-overrides", "Nope=1")
    assert result.returncode == 2
    assert "no such template parameter: Nope" in result.stderr
    bad = _local("--parameter-overrides", "ThrottlingRateLimit")
    assert bad.returncode == 2 and "NAME=VALUE" in bad.stderr
    missing = _local("--template", "/nonexistent/template.yaml")
    assert missing.returncode == 2 and "No such file" in missing.stderr and "Traceback" not in missing.stderr


def _get(path: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: local\r\nAuthorization: Bearer x\r\nConnection: close\r\n\r\n".encode()
    )


def test_the_gateway_answers_429_itself_before_the_authorizer_and_the_function(template_stack: Stack) -> None:
    authorized: list[str] = []

    def authorize(route: Route, event: dict[str, Any]) -> None:
        authorized.append(route.route_key)

    throttle = RouteThrottle(ThrottleLimits(rate=0, burst=2))
    with running_front(template_stack, authorize=authorize, throttle=throttle) as front:
        answers = [front.send(_get("/api/sensors")) for _ in range(3)]
        other_route = front.send(_get("/api/sensors/s1/occupancy"))
        preflight = front.send(
            b"OPTIONS /api/sensors HTTP/1.1\r\nHost: local\r\nOrigin: https://a.example\r\n"
            b"Access-Control-Request-Method: GET\r\nConnection: close\r\n\r\n"
        )
        unknown = front.send(_get("/api/nowhere"))
        deadline = time.monotonic() + 10
        while len(front.access) < 6 and time.monotonic() < deadline:  # logged after the answer is out
            time.sleep(0.01)
        access = list(front.access)
        invoked = len(front.runtime.events)
    assert [a.status for a in answers] == [200, 200, 429]
    assert answers[2].json == {"message": "Too Many Requests"}
    assert answers[2].headers["content-type"] == "application/json"
    assert other_route.status == 200  # its own bucket
    assert (preflight.status, unknown.status) == (204, 404)  # neither is a route's request
    assert authorized == ["GET /api/sensors", "GET /api/sensors", "GET /api/sensors/{sensor}/occupancy"]
    assert invoked == 3
    # Each connection is served (and logged) by its own thread: lines may come in any order.
    throttled = [line for line in access if " 429 " in line]
    assert len(throttled) == 1
    assert throttled[0].startswith("GET /api/sensors 429 ") and throttled[0].endswith("(throttled)")
