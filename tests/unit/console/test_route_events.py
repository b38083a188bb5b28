"""`events/routes/<LogicalId>.<route>.json`: the payload-v2 events of the console's reads
(`events/<LogicalId>.json` holds one event per function; these cover the other routes).
Each one is answered by its function; with the data the event names, 200."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.unit.conftest import http_event, lambda_context

EVENTS = Path(__file__).resolve().parents[3] / "events" / "routes"
FILES = sorted(EVENTS.glob("*.json"))


def test_there_is_one_per_console_read() -> None:
    assert {path.name.split(".")[1] for path in FILES} >= {
        "series",
        "buildings",
        "list",
        "hotels",
        "deep-link",
    }


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_route_event_is_answered(path: Path, load_function: Any, template_stack: Any) -> None:
    event = json.loads(path.read_text())
    function = path.name.split(".")[0]
    route = template_stack.functions[function]
    assert any(
        r.route_key == event["routeKey"] for r in template_stack.routes if r.function == route.logical_id
    )
    # Data the events name: sensor abc, room hq-zurich/open-space-3 (their own events/ files).
    write = {
        "OccupancyReadFunction": "OccupancyWriteFunction",
        "TemperatureReadFunction": "TemperatureWriteFunction",
    }
    if function in write:
        seed = json.loads((EVENTS.parent / f"{write[function]}.json").read_text())
        load_function(write[function]).handler(seed, lambda_context())
    if function == "BookingsReadFunction":
        body = {
            "hotel_id": 1,
            "timestamp": "2024-03-01T10:00:00Z",
            "rpg_status": 1,
            "room_id": "r",
            "night_of_stay": "2024-05-01",
        }
        load_function("BookingsWriteFunction").handler(
            http_event("POST", "/api/events", body), lambda_context()
        )
    response = load_function(function).handler(event, lambda_context(function))
    assert response["statusCode"] == 200, response
