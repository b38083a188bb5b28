"""Two containers of the write function serving requests at the same time in one process (as the
local stack runs them) each see their own request (local/powertools_patches.py)."""

from __future__ import annotations

import json
import threading
from typing import Any

from tests.unit.conftest import http_event, lambda_context

PATH = "/api/v1/buildings/b1/rooms/r1/temperatures"


def test_concurrent_containers_keep_their_own_request(load_function: Any) -> None:
    first, second = load_function("TemperatureWriteFunction"), load_function("TemperatureWriteFunction")
    inside, release = threading.Event(), threading.Event()
    seen: dict[str, Any] = {}

    class Blocking:
        def record(self, building: str, room: str, reading: Any) -> Any:
            inside.set()
            release.wait(10)
            # What the handler layer reads after another container has resolved a request meanwhile.
            seen["body"] = first.app.current_event.json_body
            seen["path"] = first.app.current_event.path
            raise RuntimeError("stop here")

    first.service = Blocking()
    results: dict[str, Any] = {}

    def run_first() -> None:
        body = {"temperature": 1.5, "recorded_at": "2024-12-10T16:45:00"}
        try:
            first.handler(http_event("POST", PATH, body), lambda_context())
        except RuntimeError as error:
            results["first"] = str(error)

    thread = threading.Thread(target=run_first)
    thread.start()
    assert inside.wait(10)
    other = http_event(
        "POST", PATH.replace("r1", "r2"), {"temperature": 2.5, "recorded_at": "2024-12-10T16:46:00"}
    )
    response = second.handler(other, lambda_context())
    release.set()
    thread.join(10)

    assert response["statusCode"] == 201 and json.loads(response["body"])["room"] == "r2"
    assert results == {"first": "stop here"}
    assert seen == {"body": {"temperature": 1.5, "recorded_at": "2024-12-10T16:45:00"}, "path": PATH}
