"""The function edge (defence in depth): 403 without a grant, for expiry, scope and limits."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sitepulse.access.edge import access_problem, current_grant, current_limits
from sitepulse.access.models import ApiKeyRecord, Limits, grant_context
from sitepulse.common.http import body_fields
from tests.unit.conftest import http_event


def context_for(scopes: list[str], limits: Limits | None = None, **extra: Any) -> dict[str, Any]:
    record = ApiKeyRecord(
        key_id="edgetestkey23456",
        name="edge",
        scopes=scopes,
        limits=limits or Limits(),
        secret_hash="0" * 64,
        created_at="2024-01-01T00:00:00Z",
        **extra,
    )
    return {"lambda": grant_context(record)}


def status(event: dict[str, Any]) -> tuple[int, str] | None:
    answer = access_problem(event, lambda: body_fields(event))
    return None if answer is None else (answer["statusCode"], json.loads(answer["body"])["message"])


@pytest.mark.parametrize("reason", ["malformed", "unknown", "revoked", "expired", "something-new"])
def test_a_context_that_is_not_a_grant_is_403(reason: str) -> None:
    # The authorizer never admits a bad key (isAuthorized false); should anything else reach a
    # function with such a context, the edge refuses it the same way.
    event = http_event("GET", "/api/sensors", authorizer={"lambda": {"status": "deny", "reason": reason}})
    assert status(event) == (403, "Forbidden")


def test_no_authorizer_context_on_a_protected_route_fails_closed() -> None:
    for authorizer in ({}, {"lambda": {}}, {"lambda": {"status": "allow", "limits": "not json"}}):
        assert status(http_event("GET", "/api/sensors", authorizer=authorizer)) == (403, "Forbidden")


def test_public_routes_need_nothing() -> None:
    assert status(http_event("GET", "/api/docs", authorizer={})) is None
    assert current_grant() is None


def test_expiry_is_exact_even_when_the_authorizer_decision_is_cached() -> None:
    past = datetime.now(UTC) - timedelta(seconds=1)
    event = http_event("GET", "/api/sensors", authorizer=context_for(["occupancy:read"], expires_at=past))
    assert status(event) == (403, "Forbidden: API key expired")


def test_scope_is_checked_again_at_the_edge() -> None:
    event = http_event("GET", "/api/sensors", authorizer=context_for(["occupancy:write"]))
    assert status(event)[0] == 403  # type: ignore[index]


def test_grant_is_available_to_the_route() -> None:
    event = http_event(
        "GET", "/api/sensors", authorizer=context_for(["occupancy:read"], Limits(sensors=["a"]))
    )
    assert status(event) is None
    assert current_grant().key_id == "edgetestkey23456"  # type: ignore[union-attr]
    assert current_limits().sensors == ["a"]


BUILDING = Limits(buildings=["viboo"])
HOTEL = Limits(hotels=[1])
SENSOR = Limits(sensors=["room-"])


@pytest.mark.parametrize(
    ("scope", "limits", "method", "path", "query", "body", "allowed"),
    [
        # path parameters
        (
            "temperature:write",
            BUILDING,
            "POST",
            "/api/v1/buildings/viboo/rooms/r/temperatures",
            None,
            {},
            True,
        ),
        (
            "temperature:write",
            BUILDING,
            "POST",
            "/api/v1/buildings/vibo/rooms/r/temperatures",
            None,
            {},
            False,
        ),
        ("temperature:read", BUILDING, "GET", "/api/v1/buildings/other/rooms", None, None, False),
        ("occupancy:read", SENSOR, "GET", "/api/sensors/room-1/occupancy", None, None, True),
        ("occupancy:read", SENSOR, "GET", "/api/sensors/hall-1/occupancy", None, None, False),
        ("occupancy:read", SENSOR, "GET", "/sensors/hall-1/occupancy", None, None, False),
        # query parameters, including a repeated one (comma-joined by API Gateway)
        ("bookings:read", HOTEL, "GET", "/api/events", {"hotel_id": "1"}, None, True),
        ("bookings:read", HOTEL, "GET", "/api/events", {"hotel_id": "2"}, None, False),
        ("bookings:read", HOTEL, "GET", "/api/events", {"hotel_id": "1,2"}, None, False),
        ("bookings:read", HOTEL, "GET", "/api/dashboard", {"hotel_id": "x", "year": "2024"}, None, False),
        # body fields
        ("bookings:write", HOTEL, "POST", "/api/events", None, {"hotel_id": 1}, True),
        ("bookings:write", HOTEL, "POST", "/api/events", None, {"hotel_id": 2}, False),
        ("bookings:write", HOTEL, "POST", "/api/events", None, {"hotel_id": True}, False),
        ("bookings:write", HOTEL, "POST", "/api/events", None, {"hotel_id": "2"}, False),
        ("occupancy:write", SENSOR, "POST", "/api/webhook", None, {"sensor": "room-9"}, True),
        ("occupancy:write", SENSOR, "POST", "/api/webhook", None, {"sensor": "door-9"}, False),
        ("occupancy:write", SENSOR, "POST", "/api/webhook", None, {"sensor": 5}, False),
        # a limit of one kind does not restrict another kind
        ("bookings:write", SENSOR, "POST", "/api/events", None, {"hotel_id": 2}, True),
    ],
)
def test_limits_on_path_query_and_body(
    scope: str, limits: Limits, method: str, path: str, query: Any, body: Any, allowed: bool
) -> None:
    event = http_event(method, path, body=body, query=query, authorizer=context_for([scope], limits))
    answer = status(event)
    if allowed:
        assert answer is None
    else:
        assert answer is not None and answer[0] == 403 and "may not access" in answer[1]


def test_base64_bodies_are_checked_too() -> None:
    import base64

    event = http_event("POST", "/api/events", authorizer=context_for(["bookings:write"], HOTEL))
    event["body"] = base64.b64encode(json.dumps({"hotel_id": 2}).encode()).decode()
    event["isBase64Encoded"] = True
    assert status(event)[0] == 403  # type: ignore[index]
