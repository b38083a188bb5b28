"""`local.front.api_events`: the tests' and the benchmarks' events are the local gateway's."""

from __future__ import annotations

import json

from local.front.api_events import api_event, every_scope_grant
from local.front.gateway import build_event
from local.template import Route


def test_route_key_and_path_parameters_come_from_the_template() -> None:
    event = api_event("GET", "/api/sensors/a b%2F/occupancy", query={"atInstant": "2024-01-01T00:00:00Z"})
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "GET /api/sensors/{sensor}/occupancy"
    assert event["pathParameters"] == {"sensor": "a b%2F"}  # decoded once, as sent
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == "/api/sensors/a b%2F/occupancy"
    assert event["queryStringParameters"] == {"atInstant": "2024-01-01T00:00:00Z"}
    assert event["rawQueryString"] == "atInstant=2024-01-01T00%3A00%3A00Z"


def test_it_is_the_gateway_event_plus_the_grant() -> None:
    event = api_event("POST", "/api/webhook", {"sensor": "s", "in": 1})
    built = build_event(
        Route("POST", "/api/webhook", "OccupancyWriteFunction"),
        {},
        "POST",
        "/api/webhook",
        {"content-type": "application/json", "host": "localhost", "user-agent": "sitepulse-tests"},
        json.dumps({"sensor": "s", "in": 1}).encode(),
        "127.0.0.1",
    )
    for volatile in ("requestId", "time", "timeEpoch", "authorizer"):
        event["requestContext"].pop(volatile)
        built["requestContext"].pop(volatile, None)
    assert event == built


def test_authorizer_defaults_to_every_scope_and_can_be_left_out() -> None:
    assert api_event("GET", "/api/sensors")["requestContext"]["authorizer"] == every_scope_grant()
    assert "authorizer" not in api_event("GET", "/api/sensors", authorizer={})["requestContext"]
    scopes = every_scope_grant()["lambda"]
    assert scopes  # the grant the authorizer would pass: not empty


def test_overrides_and_bodies() -> None:
    event = api_event("GET", "/x", route_key="$default", path_parameters={"p": "1"})
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "$default"
    assert event["pathParameters"] == {"p": "1"}
    assert api_event("POST", "/api/webhook", "not json")["body"] == "not json"
    assert api_event("POST", "/api/webhook", "")["body"] == ""
    binary = api_event(
        "POST", "/api/webhook", b"\xff\x00", headers={"content-type": "application/octet-stream"}
    )
    assert binary["isBase64Encoded"] is True
    assert "body" not in api_event("GET", "/api/sensors")
