"""Listings show only what a limited key may see, and paginate exactly over that."""

import base64
import json
import random
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from sitepulse.access.models import Limits
from tests.unit.access.test_edge import context_for
from tests.unit.conftest import http_event, lambda_context

SENSORS = ["a", "a-1", "a-2", "ab", "abc", "b", "b.1", "room-1", "room-10", "room-2", "roomy", "z:9"]


@pytest.fixture
def occupancy(load_function: Callable[[str], ModuleType]) -> tuple[ModuleType, ModuleType]:
    write, read = load_function("OccupancyWriteFunction"), load_function("OccupancyReadFunction")
    for sensor in SENSORS:
        event = http_event(
            "POST", "/api/webhook", {"sensor": sensor, "ts": "2024-01-01T00:00:00Z", "in": 1, "out": 0}
        )
        assert write.handler(event, lambda_context())["statusCode"] == 201
    return write, read


def list_all(read: ModuleType, prefixes: list[str] | None, limit: int) -> list[str]:
    authorizer = context_for(["occupancy:read"], Limits(sensors=prefixes) if prefixes else None)
    names: list[str] = []
    token = None
    for _ in range(100):
        query = {"limit": str(limit), **({"next_token": token} if token else {})}
        result = read.handler(
            http_event("GET", "/api/sensors", query=query, authorizer=authorizer), lambda_context()
        )
        assert result["statusCode"] == 200, result
        page: dict[str, Any] = json.loads(result["body"])
        assert len(page["sensors"]) <= limit
        names.extend(page["sensors"])
        token = page["next_token"]
        if not token:
            return names
    raise AssertionError("pagination did not end")


def test_prefix_limited_listing_is_exact_and_ordered_for_any_page_size(
    occupancy: tuple[ModuleType, ModuleType],
) -> None:
    _, read = occupancy
    rng = random.Random(7)
    cases = [None, ["room-"], ["a", "ab"], ["abc", "a-", "z"], ["nothing"], ["b", "room-1", "a-2"]]
    cases += [rng.sample(["a", "ab", "b", "room", "room-1", "z", "x"], k=rng.randint(1, 4)) for _ in range(4)]
    for prefixes in cases:
        expected = sorted(s for s in SENSORS if not prefixes or any(s.startswith(p) for p in prefixes))
        for limit in (1, 2, 3, 5, 100):
            assert list_all(read, prefixes, limit) == expected, (prefixes, limit)


def test_a_token_from_an_unlimited_listing_reveals_nothing_outside_the_prefixes(
    occupancy: tuple[ModuleType, ModuleType],
) -> None:
    _, read = occupancy
    result = read.handler(http_event("GET", "/api/sensors", query={"limit": "1"}), lambda_context())
    token = json.loads(result["body"])["next_token"]  # after "a", from the admin's listing
    authorizer = context_for(["occupancy:read"], Limits(sensors=["room-"]))
    event = http_event(
        "GET", "/api/sensors", query={"limit": "100", "next_token": token}, authorizer=authorizer
    )
    answer = read.handler(event, lambda_context())
    # A key's limits filter its listing: a token issued for another filter set is refused.
    assert answer["statusCode"] == 422
    assert [e["field"] for e in json.loads(answer["body"])["errors"]] == ["next_token"]
    assert "room-" not in answer["body"] and '"a"' not in answer["body"]


def test_limited_key_reading_a_sensor_outside_its_prefixes_is_403(
    occupancy: tuple[ModuleType, ModuleType],
) -> None:
    _, read = occupancy
    authorizer = context_for(["occupancy:read"], Limits(sensors=["room-"]))
    event = http_event("GET", "/api/sensors/abc/occupancy", authorizer=authorizer)
    assert read.handler(event, lambda_context())["statusCode"] == 403
    event = http_event("GET", "/api/sensors/room-1/occupancy", authorizer=authorizer)
    assert read.handler(event, lambda_context())["statusCode"] == 200


def test_limited_writes_outside_the_limits_store_nothing(
    load_function: Callable[[str], ModuleType], occupancy: tuple[ModuleType, ModuleType]
) -> None:
    write, read = occupancy
    authorizer = context_for(["occupancy:write"], Limits(sensors=["room-"]))
    body = {"sensor": "hall-1", "ts": "2024-01-01T00:00:00Z", "in": 5, "out": 0}
    assert (
        write.handler(http_event("POST", "/api/webhook", body, authorizer=authorizer), lambda_context())[
            "statusCode"
        ]
        == 403
    )
    assert (
        read.handler(http_event("GET", "/api/sensors/hall-1/occupancy"), lambda_context())["statusCode"]
        == 404
    )
    bookings = load_function("BookingsWriteFunction")
    authorizer = context_for(["bookings:write"], Limits(hotels=[1]))
    event = {
        "id": 1,
        "hotel_id": 2,
        "timestamp": "2024-03-01T10:00:00Z",
        "rpg_status": 1,
        "room_id": "r1",
        "night_of_stay": "2024-05-01",
    }
    assert (
        bookings.handler(http_event("POST", "/api/events", event, authorizer=authorizer), lambda_context())[
            "statusCode"
        ]
        == 403
    )
    reader = load_function("BookingsReadFunction")
    page = json.loads(
        reader.handler(http_event("GET", "/api/events", query={"hotel_id": "2"}), lambda_context())["body"]
    )
    assert page["events"] == []


class CallRecorder:
    """Every DynamoDB request a function makes (operation and keys asked), for "reads only"."""

    def __init__(self, module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
        from sitepulse.common.aws import dynamodb

        self.calls: list[tuple[str, dict[str, Any]]] = []
        client = dynamodb()
        for operation in ("query", "scan", "get_item", "batch_get_item"):
            original = getattr(client, operation)

            def record(*args: Any, _op: str = operation, _original: Any = original, **kwargs: Any) -> Any:
                self.calls.append((_op, kwargs))
                return _original(*args, **kwargs)

            monkeypatch.setattr(client, operation, record)


def page_through(
    read: ModuleType, path: str, field: str, authorizer: dict[str, Any], limit: int
) -> tuple[list[Any], list[str]]:
    items: list[Any] = []
    tokens: list[str] = []
    token = None
    for _ in range(60):
        query = {"limit": str(limit), **({"next_token": token} if token else {})}
        result = read.handler(http_event("GET", path, query=query, authorizer=authorizer), lambda_context())
        assert result["statusCode"] == 200, result
        page = json.loads(result["body"])
        items.extend(page[field])
        token = page["next_token"]
        if not token:
            return items, tokens
        tokens.append(token)
    raise AssertionError("pagination did not end")


def test_a_building_limited_listing_reads_only_its_buildings(
    load_function: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    write = load_function("TemperatureWriteFunction")
    for building in ("hq", "annex", "viboo", "zeta", "b-2"):
        path = f"/api/v1/buildings/{building}/rooms/r1/temperatures"
        body = {"temperature": 21.5, "recorded_at": "2024-01-01T00:00:00Z"}
        assert write.handler(http_event("POST", path, body), lambda_context())["statusCode"] in (200, 201)
    read = load_function("TemperatureReadFunction")
    recorder = CallRecorder(read, monkeypatch)
    authorizer = context_for(["temperature:read"], Limits(buildings=["viboo", "zeta", "missing", "annex"]))
    names, tokens = page_through(read, "/api/v1/buildings", "buildings", authorizer, 1)
    assert names == ["annex", "viboo", "zeta"]
    # Nothing in clear: no building marker nor the name of one the key may not see (names long
    # enough not to appear by chance in the token's random-looking bytes).
    assert len(tokens) == 2
    for token in tokens:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert b"BLDG#" not in raw and b"BUILDING" not in raw and "BLDG" not in token
    assert {op for op, _ in recorder.calls} == {"batch_get_item"}  # never the index of every building
    for _, request in recorder.calls:
        asked = [key["pk"]["S"] for table in request["RequestItems"].values() for key in table["Keys"]]
        assert sorted(asked) == ["BLDG#annex", "BLDG#missing", "BLDG#viboo", "BLDG#zeta"]
    # Same page asked twice: the same token (deterministic, for ETags).
    _, again_tokens = page_through(read, "/api/v1/buildings", "buildings", authorizer, 1)
    assert again_tokens == tokens
    # A token of this key under other limits, or of another key, is refused.
    other = context_for(["temperature:read"], Limits(buildings=["viboo", "hq"]))
    event = http_event("GET", "/api/v1/buildings", query={"next_token": tokens[0]}, authorizer=other)
    assert read.handler(event, lambda_context())["statusCode"] == 422


def test_a_hotel_limited_listing_reads_only_its_hotels(
    load_function: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    write = load_function("BookingsWriteFunction")
    for event_id, hotel in enumerate((1, 2, 3, 10, 20), start=1):
        body = {
            "id": event_id,
            "hotel_id": hotel,
            "timestamp": "2024-03-01T10:00:00Z",
            "rpg_status": 1,
            "room_id": "r1",
            "night_of_stay": "2024-05-01",
        }
        assert write.handler(http_event("POST", "/api/events", body), lambda_context())["statusCode"] == 201
    read = load_function("BookingsReadFunction")
    recorder = CallRecorder(read, monkeypatch)
    authorizer = context_for(["bookings:read"], Limits(hotels=[20, 2, 10, 99]))
    hotels, tokens = page_through(read, "/api/hotels", "hotels", authorizer, 2)
    assert hotels == [2, 10, 20] and len(tokens) == 1
    assert {op for op, _ in recorder.calls} == {"batch_get_item"}


def test_the_key_listing_is_in_one_order_across_pages(load_function: Callable[[str], ModuleType]) -> None:
    keys_api = load_function("KeysApiFunction")
    created = []
    for number in range(7):
        body = {"name": f"key {number}", "scopes": ["occupancy:read"]}
        result = keys_api.handler(http_event("POST", "/api/keys", body), lambda_context())
        assert result["statusCode"] == 201
        created.append(json.loads(result["body"]))
    listed, tokens = page_through(keys_api, "/api/keys", "keys", {"lambda": _admin()}, 2)
    assert [key["key_id"] for key in listed] == [
        key["key_id"] for key in sorted(created, key=lambda k: (k["created_at"], k["key_id"]))
    ]
    assert len(tokens) == 3 and all("secret" not in key and "secret_hash" not in key for key in listed)
    whole, _ = page_through(keys_api, "/api/keys", "keys", {"lambda": _admin()}, 100)
    assert whole == listed


def _admin() -> dict[str, str]:
    from local.front.api_events import every_scope_grant

    return every_scope_grant()["lambda"]
