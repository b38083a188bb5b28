"""The local stack's emulation of HTTP API's authorizer step (local/front/authorizer.py)."""

import json
from typing import Any

import pytest

from local.front.authorizer import LocalAuthorizer
from local.lambdas.workers import FunctionError
from local.template import Route, Stack
from tests.unit.conftest import http_event


class FakeRuntime:
    def __init__(self, answer: Any = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.answer = answer

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        assert name == "AuthorizerFunction"
        self.events.append(event)
        if isinstance(self.answer, Exception):
            raise self.answer
        if self.answer is not None:
            return self.answer
        token = event["headers"]["authorization"].removeprefix("Bearer ")
        allowed = {"good": {"GET /api/sensors"}}.get(token, set())
        return {"isAuthorized": event["routeKey"] in allowed, "context": {"status": "allow", "key_id": token}}


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


def route(template_stack: Stack, key: str) -> Route:
    return next(r for r in template_stack.routes if r.route_key == key)


def request(path: str, key: str | None, method: str = "GET") -> dict[str, Any]:
    event = http_event(method, path, authorizer={})
    if key is not None:
        event["headers"]["authorization"] = f"Bearer {key}"
    return event


def test_missing_identity_is_401_without_invoking_the_authorizer(template_stack: Stack) -> None:
    runtime = FakeRuntime()
    authorize = LocalAuthorizer(template_stack, runtime)
    for event in (request("/api/sensors", None), request("/api/sensors", "")):
        if "authorization" in event["headers"]:
            event["headers"]["authorization"] = ""
        status, headers, body = authorize(route(template_stack, "GET /api/sensors"), event)  # type: ignore[misc]
        assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})
        assert headers["content-type"] == "application/json"
    assert runtime.events == []


def test_allowed_requests_get_the_context_and_a_payload_2_event(template_stack: Stack) -> None:
    runtime = FakeRuntime()
    authorize = LocalAuthorizer(template_stack, runtime)
    event = request("/api/sensors", "good")
    assert authorize(route(template_stack, "GET /api/sensors"), event) is None
    assert event["requestContext"]["authorizer"] == {"lambda": {"status": "allow", "key_id": "good"}}
    sent = runtime.events[0]
    assert sent["version"] == "2.0" and sent["type"] == "REQUEST"
    assert sent["identitySource"] == ["Bearer good", "GET /api/sensors"]
    assert sent["routeArn"].endswith("/$default/GET/api/sensors")


def test_denied_is_403_forbidden(template_stack: Stack) -> None:
    authorize = LocalAuthorizer(template_stack, FakeRuntime())
    status, _, body = authorize(
        route(template_stack, "POST /api/webhook"), request("/api/webhook", "good", "POST")
    )  # type: ignore[misc]
    assert (status, json.loads(body)) == (403, {"message": "Forbidden"})


@pytest.mark.parametrize(
    "answer",
    [
        FunctionError({"errorMessage": "boom"}),
        {"isAuthorized": "yes"},
        ["x"],
        {"isAuthorized": True, "context": 3},
    ],
)
def test_authorizer_failures_are_500_and_not_cached(template_stack: Stack, answer: Any) -> None:
    runtime = FakeRuntime(answer)
    authorize = LocalAuthorizer(template_stack, runtime)
    for _ in range(2):
        status, _, body = authorize(
            route(template_stack, "GET /api/sensors"), request("/api/sensors", "good")
        )  # type: ignore[misc]
        assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"})
    assert len(runtime.events) == 2


def test_cache_is_keyed_on_the_route_and_expires_with_the_ttl(template_stack: Stack) -> None:
    runtime, clock = FakeRuntime(), Clock()
    authorize = LocalAuthorizer(template_stack, runtime, clock=clock)
    sensors = route(template_stack, "GET /api/sensors")
    occupancy = route(template_stack, "GET /api/sensors/{sensor}/occupancy")
    assert authorize(sensors, request("/api/sensors", "good")) is None
    assert authorize(sensors, request("/api/sensors", "good")) is None
    assert len(runtime.events) == 1  # cached
    # Same key, other route: a fresh decision, not the cached "yes".
    assert authorize(occupancy, request("/api/sensors/a/occupancy", "good"))[0] == 403  # type: ignore[index]
    assert len(runtime.events) == 2
    # Another credential on the cached route is never let through by the cache.
    assert authorize(sensors, request("/api/sensors", "bad"))[0] == 403  # type: ignore[index]
    clock.now += 299
    authorize(sensors, request("/api/sensors", "good"))
    assert len(runtime.events) == 3
    clock.now += 2  # past the template's 300 s
    authorize(sensors, request("/api/sensors", "good"))
    assert len(runtime.events) == 4


def test_the_ttl_can_only_be_shortened_locally(
    template_stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    (spec,) = template_stack.authorizers.values()
    monkeypatch.setenv("SITEPULSE_AUTH_TTL", "2")
    assert LocalAuthorizer(template_stack, FakeRuntime()).ttl(spec) == 2
    monkeypatch.setenv("SITEPULSE_AUTH_TTL", "100000")
    assert LocalAuthorizer(template_stack, FakeRuntime()).ttl(spec) == spec.ttl_seconds
    monkeypatch.setenv("SITEPULSE_AUTH_TTL", "0")
    runtime = FakeRuntime()
    authorize = LocalAuthorizer(template_stack, runtime)
    for _ in range(3):
        authorize(route(template_stack, "GET /api/sensors"), request("/api/sensors", "good"))
    assert len(runtime.events) == 3  # 0 disables caching


def test_public_routes_skip_the_authorizer(template_stack: Stack) -> None:
    runtime = FakeRuntime()
    docs = route(template_stack, "GET /api/docs")
    assert LocalAuthorizer(template_stack, runtime)(docs, request("/api/docs", None)) is None
    assert runtime.events == []
