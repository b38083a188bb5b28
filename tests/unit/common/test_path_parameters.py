"""Every path segment reaches its route, whose parameter pattern judges it: 422 naming the
parameter, never a 404 "no route" because the segment held a character Powertools' own route
grammar leaves out (control characters, non-word symbols)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler.openapi.params import Path

from sitepulse.common.http import create_app

ROOM = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.:\-]{1,128}$")]


def _get(path: str) -> dict[str, Any]:
    app = create_app()

    @app.get("/rooms/<room>/temperatures")
    def temperatures(room: ROOM) -> dict[str, Any]:
        return {"room": room}

    @app.get("/rooms/<room>/temperatures/series")
    def series(room: ROOM) -> dict[str, Any]:
        return {"series": room}

    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {},
        "requestContext": {"http": {"method": "GET", "path": path}, "stage": "$default"},
        "isBase64Encoded": False,
    }
    return app.resolve(event, None)  # type: ignore[arg-type]


@pytest.mark.parametrize("segment", ["\x84", "\n", "a\x7fb", "é", "a b", "a#b", '"', "\u2028"])
def test_any_segment_reaches_the_route_and_its_pattern_refuses_it(segment: str) -> None:
    answer = _get(f"/rooms/{segment}/temperatures")
    assert answer["statusCode"] == 422, answer
    assert [e["field"] for e in json.loads(answer["body"])["errors"]] == ["room"]


@pytest.mark.parametrize("room", ["r1", "r:1"])
def test_valid_segments_still_route(room: str) -> None:
    answer = _get(f"/rooms/{room}/temperatures")
    assert answer["statusCode"] == 200, answer
    assert json.loads(answer["body"])["room"] == room


def test_the_path_the_gateway_decoded_is_not_decoded_again() -> None:
    """A client's `r%253A1` reaches the function as `r%3A1` (HTTP API decodes once): that is
    the room's text, which the pattern refuses, not `r:1`."""
    answer = _get("/rooms/r%3A1/temperatures")
    assert answer["statusCode"] == 422, answer
    assert [e["field"] for e in json.loads(answer["body"])["errors"]] == ["room"]


def test_a_parameter_never_spans_segments() -> None:
    assert json.loads(_get("/rooms/r1/temperatures/series")["body"]) == {"series": "r1"}
    assert _get("/rooms/a/b/temperatures")["statusCode"] == 404
    assert _get("/rooms//temperatures")["statusCode"] == 404
