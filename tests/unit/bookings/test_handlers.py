"""The two booking functions driven with API Gateway v2 events: status codes, every filter,
pagination, and hostile input (always 4xx naming the field, never 5xx)."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from sitepulse.common.timestamps import parse_instant
from tests.unit.bookings.conftest import Api
from tests.unit.bookings.reference import expected_values, random_stream
from tests.unit.conftest import http_event, lambda_context

EXAMPLE = {
    "id": 17,
    "hotel_id": 1,
    "timestamp": "2024-03-01T10:00:00Z",
    "rpg_status": 1,
    "room_id": "0013e338-0158-4d5c-8698-aebe00cba360",
    "night_of_stay": "2024-05-01",
}


def all_pages(api: Api, limit: int, **query: Any) -> tuple[list[dict[str, Any]], int]:
    events: list[dict[str, Any]] = []
    token = None
    pages = 0
    while True:
        status, body = api.get("/api/events", limit=limit, next_token=token, **query)
        assert status == 200, body
        events += body["events"]
        pages += 1
        token = body["next_token"]
        if token is None:
            return events, pages


def in_api_order(events: list[dict[str, Any]]) -> list[int]:
    return [e["id"] for e in sorted(events, key=lambda e: (parse_instant(e["timestamp"]), e["id"]))]


def test_post_201_then_200_then_409(api: Api) -> None:
    assert api.post(EXAMPLE) == (201, EXAMPLE)
    assert api.post(EXAMPLE) == (200, EXAMPLE)
    status, body = api.post({**EXAMPLE, "rpg_status": 2})
    assert status == 409
    assert "17" in body["message"]


def test_post_with_aliases_answers_in_canonical_names(api: Api) -> None:
    posted = {
        "id": "skip",
        "hotel_id": 1,
        "event_timestamp": "2024-03-01T12:00:00+02:00",
        "status": 2,
        "room_reservation_id": "r-9",
        "night_of_stay": "2024-05-01",
    }
    del posted["id"]
    status, body = api.post(posted)
    assert status == 201
    assert body == {
        "id": body["id"],
        "hotel_id": 1,
        "timestamp": "2024-03-01T10:00:00Z",
        "rpg_status": 2,
        "room_id": "r-9",
        "night_of_stay": "2024-05-01",
    }
    assert api.post(posted) == (200, body)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"hotel_id": "1"}, "hotel_id"),
        ({"hotel_id": -1}, "hotel_id"),
        ({"id": 1.5}, "id"),
        ({"id": 2**53}, "id"),
        ({"id": 10**400}, "id"),
        ({"rpg_status": 3}, "rpg_status"),
        ({"status": 2}, "rpg_status"),
        ({"room_id": "x" * 500}, "room_id"),
        ({"room_id": "a\u0000b"}, "room_id"),
        ({"room_id": ["a"]}, "room_id"),
        ({"timestamp": "2024-13-01T00:00:00Z"}, "timestamp"),
        ({"timestamp": "0001-01-01T00:00:00+01:00"}, "timestamp"),
        ({"timestamp": None}, "timestamp"),
        ({"night_of_stay": "01/05/2024"}, "night_of_stay"),
        ({"night_of_stay": {"deep": [[[[1]]]]}}, "night_of_stay"),
    ],
)
def test_bad_bodies_are_422_naming_the_field(api: Api, changes: dict[str, Any], field: str) -> None:
    status, body = api.post({**EXAMPLE, **changes})
    assert status == 422, body
    assert [error["field"] for error in body["errors"]] == [field]
    assert field in body["message"]


@pytest.mark.parametrize("body", [[EXAMPLE], "event", 17, None, {}])
def test_bodies_that_are_not_an_event_object_are_422(api: Api, body: Any) -> None:
    status, answer = api.post(json.dumps(body))
    assert status == 422
    assert answer["message"].startswith("Validation failed")


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ('{"id": 1,', 400),
        ('{"id": NaN, "hotel_id": 1}', 400),
        ('{"hotel_id": Infinity}', 400),
        ("[" * 100_000 + "]" * 100_000, 400),
        ('{"room_id": "' + "x" * 300_000 + '"}', 413),
        ('{"a":' * 5000 + "1" + "}" * 5000, 422),  # deep but valid JSON: parsed, then not an event
    ],
)
def test_malformed_json_is_4xx(load_function: Any, raw: str, status: int) -> None:
    response = load_function("BookingsWriteFunction").handler(
        http_event("POST", "/api/events", body=raw), lambda_context()
    )
    assert response["statusCode"] == status
    assert "message" in json.loads(response["body"])


def seed_events(api: Api) -> list[dict[str, Any]]:
    rng = random.Random(7)
    distinct, arrivals = random_stream(
        rng, hotel_id=3, events=80, rooms=4, nights=["2024-01-31", "2024-02-01", "2024-02-02"], instants=40
    )
    _, other = random_stream(rng, hotel_id=4, events=20, rooms=2, nights=["2024-02-01"], first_id=1000)
    for body in arrivals + other:
        assert api.post(body)[0] in (200, 201)
    return distinct


def test_events_are_sorted_and_paginated_across_pages(api: Api) -> None:
    events = seed_events(api)
    listed, pages = all_pages(api, limit=7, hotel_id=3)
    assert [e["id"] for e in listed] == in_api_order(events)
    assert pages >= 80 // 7
    assert listed[0] == next(e for e in events if e["id"] == listed[0]["id"])  # full event, canonical names


def test_every_filter(api: Api) -> None:
    events = seed_events(api)
    stamps = sorted({e["timestamp"] for e in events})
    low, high = stamps[5], stamps[25]
    room = events[0]["room_id"]
    cases: list[tuple[dict[str, Any], Any]] = [
        ({"updated__gte": low}, lambda e: e["timestamp"] >= low),
        ({"updated__lte": high}, lambda e: e["timestamp"] <= high),
        ({"updated__gte": low, "updated__lte": high}, lambda e: low <= e["timestamp"] <= high),
        ({"updated__gte": low, "updated__lte": low}, lambda e: e["timestamp"] == low),
        ({"rpg_status": 2}, lambda e: e["rpg_status"] == 2),
        ({"room_id": room}, lambda e: e["room_id"] == room),
        ({"night_of_stay__gte": "2024-02-01"}, lambda e: e["night_of_stay"] >= "2024-02-01"),
        ({"night_of_stay__lte": "2024-02-01"}, lambda e: e["night_of_stay"] <= "2024-02-01"),
        (
            {
                "updated__gte": low,
                "updated__lte": high,
                "rpg_status": 1,
                "room_id": room,
                "night_of_stay__gte": "2024-02-01",
                "night_of_stay__lte": "2024-02-01",
            },
            lambda e: (
                low <= e["timestamp"] <= high
                and e["rpg_status"] == 1
                and e["room_id"] == room
                and e["night_of_stay"] == "2024-02-01"
            ),
        ),
    ]
    for query, keep in cases:
        expected = in_api_order([e for e in events if keep(e)])
        assert expected, query  # every case selects something
        for limit in (1000, 9):
            listed, _ = all_pages(api, limit=limit, hotel_id=3, **query)
            assert [e["id"] for e in listed] == expected, (query, limit)


def test_instant_filters_compare_instants_not_text(api: Api) -> None:
    api.post(EXAMPLE)  # 10:00Z
    _, body = api.get("/api/events", hotel_id=1, updated__gte="2024-03-01T11:00:00+01:00")
    assert [e["id"] for e in body["events"]] == [17]
    _, body = api.get("/api/events", hotel_id=1, updated__lte="2024-03-01T10:59:59+01:00")
    assert body["events"] == []


def test_selective_filter_pages_can_be_short_but_the_token_continues(api: Api) -> None:
    for n in range(1, 41):
        api.post({**EXAMPLE, "id": n, "room_id": "needle" if n in (2, 39) else f"hay-{n}"})
    status, first = api.get("/api/events", hotel_id=1, room_id="needle", limit=3)
    assert status == 200
    assert [e["id"] for e in first["events"]] == [2]  # 5 index reads of 3 events: found one so far
    assert first["next_token"]
    listed, _ = all_pages(api, limit=3, hotel_id=1, room_id="needle")
    assert [e["id"] for e in listed] == [2, 39]


def test_unknown_hotel_has_no_events_and_a_zero_dashboard(api: Api) -> None:
    assert api.get("/api/events", hotel_id=999) == (200, {"events": [], "next_token": None})
    status, body = api.get("/api/dashboard", hotel_id=999, year=2024, period="year")
    assert (status, body["values"]) == (200, [{"period": "2024", "bookings": 0}])


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/events", {}, "hotel_id"),
        ("/api/events", {"hotel_id": "one"}, "hotel_id"),
        ("/api/events", {"hotel_id": "0"}, "hotel_id"),
        ("/api/events", {"hotel_id": "1", "updated__gte": "yesterday"}, "updated__gte"),
        ("/api/events", {"hotel_id": "1", "updated__lte": "1900-01-01T00:00:00Z"}, "updated__lte"),
        ("/api/events", {"hotel_id": "1", "updated__gte": "0001-01-01T00:00:00+01:00"}, "updated__gte"),
        (
            "/api/events",
            {"hotel_id": "1", "updated__gte": "2024-02-01T00:00:00Z", "updated__lte": "2024-01-01T00:00:00Z"},
            "updated__gte",
        ),
        ("/api/events", {"hotel_id": "1", "rpg_status": "3"}, "rpg_status"),
        ("/api/events", {"hotel_id": "1", "room_id": "a b"}, "room_id"),
        ("/api/events", {"hotel_id": "1", "night_of_stay__gte": "2024-02-30"}, "night_of_stay__gte"),
        ("/api/events", {"hotel_id": "1", "night_of_stay__lte": "tomorrow"}, "night_of_stay__lte"),
        (
            "/api/events",
            {"hotel_id": "1", "night_of_stay__gte": "2024-02-02", "night_of_stay__lte": "2024-02-01"},
            "night_of_stay__gte",
        ),
        ("/api/events", {"hotel_id": "1", "limit": "0"}, "limit"),
        ("/api/events", {"hotel_id": "1", "limit": "1001"}, "limit"),
        ("/api/events", {"hotel_id": "1", "next_token": "not-a-token"}, "next_token"),
        ("/api/events", {"hotel_id": "1", "next_token": "x" * 3000}, "next_token"),
        ("/api/dashboard", {"year": "2024"}, "hotel_id"),
        ("/api/dashboard", {"hotel_id": "1"}, "year"),
        ("/api/dashboard", {"hotel_id": "1", "year": "24"}, "year"),
        ("/api/dashboard", {"hotel_id": "1", "year": "2024", "period": "week"}, "period"),
    ],
)
def test_bad_queries_are_422_naming_the_parameter(
    api: Api, path: str, query: dict[str, str], field: str
) -> None:
    status, body = api.get(path, **query)
    assert status == 422, body
    assert field in [error["field"] for error in body["errors"]]


def test_next_token_only_continues_its_own_query(api: Api) -> None:
    for n in range(1, 4):
        api.post({**EXAMPLE, "id": n, "timestamp": f"2024-03-0{n}T10:00:00Z"})
    _, page = api.get("/api/events", hotel_id=1, limit=1)
    token = page["next_token"]
    assert api.get("/api/events", hotel_id=2, next_token=token)[0] == 422
    assert api.get("/api/events", hotel_id=1, next_token=token, updated__gte="2024-03-02T00:00:00Z")[0] == 422
    status, rest = api.get("/api/events", hotel_id=1, next_token=token)
    assert (status, [e["id"] for e in rest["events"]]) == (200, [2, 3])


def test_dashboard_lists_every_period_and_matches_the_oracle(api: Api) -> None:
    events = seed_events(api)
    for period, count in (("day", 366), ("month", 12), ("year", 1)):
        status, body = api.get("/api/dashboard", hotel_id=3, year=2024, period=period)
        assert status == 200
        assert (body["hotel_id"], body["year"], body["period"]) == (3, 2024, period)
        assert len(body["values"]) == count
        assert body["values"] == expected_values(events, 3, 2024, period)
    _, default = api.get("/api/dashboard", hotel_id=3, year=2024)
    assert default["period"] == "month"
    assert sum(v["bookings"] for v in default["values"]) > 0


def test_hotels_with_events_listed_in_id_order_over_pages(api: Api) -> None:
    assert api.get("/api/hotels") == (200, {"hotels": [], "next_token": None})
    hotels = [12, 3, 2_147_483_647, 100, 7]
    for index, hotel in enumerate(hotels * 2):  # two events per hotel: one entry each
        body = {
            "id": index + 1,
            "hotel_id": hotel,
            "timestamp": f"2024-03-01T10:00:{index:02d}Z",
            "rpg_status": 1 + index // len(hotels),
            "room_id": "r1",
            "night_of_stay": "2024-05-01",
        }
        assert api.post(body)[0] == 201
    seen, token = [], None
    while True:
        status, page = api.get("/api/hotels", limit=2, next_token=token)
        assert status == 200 and len(page["hotels"]) <= 2
        seen += page["hotels"]
        token = page["next_token"]
        if token is None:
            break
    assert seen == sorted(hotels)
    events_token = api.get("/api/events", hotel_id=3, limit=1)[1]["next_token"]
    assert events_token and api.get("/api/hotels", next_token=events_token)[0] == 422
    assert api.get("/api/hotels", next_token="bad")[0] == 422
    assert api.get("/api/hotels", limit=0)[0] == 422
