"""`events/Bookings*.json` are valid payload-v2 events their functions answer without error."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from tests.unit.conftest import lambda_context

EVENTS = Path(__file__).resolve().parents[3] / "events"


def invoke(load_function: Callable[[str], ModuleType], logical_id: str) -> tuple[int, dict[str, object]]:
    event = json.loads((EVENTS / f"{logical_id}.json").read_text(encoding="utf-8"))
    response = load_function(logical_id).handler(event, lambda_context())
    return response["statusCode"], json.loads(response["body"])


def test_write_event_stores_then_read_event_counts_it(load_function: Callable[[str], ModuleType]) -> None:
    assert invoke(load_function, "BookingsWriteFunction")[0] == 201
    assert invoke(load_function, "BookingsWriteFunction")[0] == 200  # `sam local invoke` twice: a replay
    status, dashboard = invoke(load_function, "BookingsReadFunction")
    assert status == 200
    assert dashboard["values"][4] == {"period": "2024-05", "bookings": 1}  # type: ignore[index]
