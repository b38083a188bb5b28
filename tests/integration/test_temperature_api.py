"""Temperatures over real HTTP against the local stack, as a thermometer gateway or a dashboard calls it."""

from __future__ import annotations

import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from urllib.parse import quote, urlencode

from tests.integration.http_client import ApiClient, ApiResponse
from tests.unit.temperature.test_temperature_windows import exact_half_even


def building_name() -> str:
    return f"bldg-{uuid.uuid4().hex[:12]}"


def post_reading(api: ApiClient, building: str, room: str, temperature: object, at: str) -> ApiResponse:
    return api.post(
        f"/api/v1/buildings/{building}/rooms/{room}/temperatures",
        {"temperature": temperature, "recorded_at": at},
    )


def get_average(api: ApiClient, building: str, room: str, **query: str) -> ApiResponse:
    suffix = f"?{urlencode(query)}" if query else ""
    return api.get(f"/api/v1/buildings/{building}/rooms/{room}/temperatures/average{suffix}")


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_seed_example(api: ApiClient) -> None:
    created = api.post(
        "/api/v1/buildings/viboo/rooms/meeting-room-1/temperatures",
        {"temperature": 10.5, "recorded_at": "2024-12-10T16:45:00"},
    )
    assert created.status == 201, created.body
    assert created.json == {
        "building": "viboo",
        "room": "meeting-room-1",
        "temperature": 10.5,
        "recorded_at": "2024-12-10T16:45:00Z",
    }
    answer = api.get(
        "/api/v1/buildings/viboo/rooms/meeting-room-1/temperatures/average?duration=15m&end=2024-12-10T16:45:01Z"
    )
    assert answer.status == 200, answer.body
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json == {
        "building": "viboo",
        "room": "meeting-room-1",
        "duration": "15m",
        "from": "2024-12-10T16:30:01Z",
        "to": "2024-12-10T16:45:01Z",
        "average_temperature": 10.5,
        "readings": 1,
    }
    # Default duration, offset in `end` (percent-encoded '+'), and the retry of the same POST.
    shifted = api.get(
        "/api/v1/buildings/viboo/rooms/meeting-room-1/temperatures/average?end=2024-12-10T17:45:01%2B01:00"
    )
    assert shifted.json["average_temperature"] == 10.5 and shifted.json["to"] == "2024-12-10T16:45:01Z"
    replay = api.post(
        "/api/v1/buildings/viboo/rooms/meeting-room-1/temperatures",
        {"temperature": 10.5, "recorded_at": "2024-12-10T16:45:00"},
    )
    assert (replay.status, replay.json) == (200, created.json)
    conflict = api.post(
        "/api/v1/buildings/viboo/rooms/meeting-room-1/temperatures",
        {"temperature": 12, "recorded_at": "2024-12-10T16:45:00Z"},
    )
    assert conflict.status == 409 and "10.5" in conflict.json["message"]


def test_fifty_concurrent_writers_to_one_room(api: ApiClient) -> None:
    building, room = building_name(), "hot-room"
    rng = random.Random(50)
    start = datetime(2024, 12, 8, 9, 13, 7, 123456, tzinfo=UTC)
    readings = {
        start + timedelta(minutes=53 * i, microseconds=rng.randrange(10**6)): Decimal(
            rng.randrange(-500, 4000)
        )
        / 100
        for i in range(50)
    }
    jobs = list(readings.items())
    rng.shuffle(jobs)  # arrival order unrelated to time order: late readings race with newer ones

    def send(job: tuple[datetime, Decimal]) -> int:
        at, value = job
        return post_reading(api, building, room, float(value), iso(at)).status

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(send, jobs))
        # Every reading retried concurrently by a second client: nothing may be counted twice.
        retries = list(pool.map(send, jobs))
    assert statuses == [201] * 50
    assert retries == [200] * 50

    end = max(readings)
    exact = exact_half_even(sum(map(Fraction, readings.values()), Fraction(0)), 50)
    for duration in ("3d", "P2DT20H", "PT45H"):
        answer = get_average(api, building, room, duration=duration, end=iso(end))
        expected_values = [v for at, v in readings.items() if end - _length(duration) < at <= end]
        expected = exact_half_even(sum(map(Fraction, expected_values), Fraction(0)), len(expected_values))
        assert answer.status == 200, answer.body
        assert answer.json["readings"] == len(expected_values)
        assert answer.json["average_temperature"] == float(expected)
    assert get_average(api, building, room, duration="3d", end=iso(end)).json["average_temperature"] == float(
        exact
    )

    listing = api.get(f"/api/v1/buildings/{building}/rooms").json
    assert listing["rooms"] == [
        {
            "room": room,
            "readings": 50,
            "latest_temperature": float(readings[end]),
            "latest_recorded_at": iso(end),
        }
    ]


def _length(duration: str) -> timedelta:
    return {"3d": timedelta(days=3), "P2DT20H": timedelta(days=2, hours=20), "PT45H": timedelta(hours=45)}[
        duration
    ]


def test_fifty_concurrent_copies_of_one_reading_store_it_once(api: ApiClient) -> None:
    building = building_name()
    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(
            pool.map(
                lambda _: post_reading(api, building, "r", 19.75, "2024-12-10T08:00:00").status, range(50)
            )
        )
    assert sorted(statuses) == [200] * 49 + [201]
    answer = get_average(api, building, "r", duration="1h", end="2024-12-10T08:00:00Z").json
    assert (answer["readings"], answer["average_temperature"]) == (1, 19.75)
    assert api.get(f"/api/v1/buildings/{building}/rooms").json["rooms"][0]["readings"] == 1


def test_random_windows_match_brute_force(api: ApiClient) -> None:
    building, room = building_name(), "r"
    rng = random.Random(99)
    base = datetime(2024, 12, 1, 22, tzinfo=UTC)
    readings = {
        base + timedelta(seconds=rng.randrange(8 * 3600), microseconds=rng.randrange(10**6)): Decimal(
            rng.randrange(-90_000_000, 150_000_001)
        )
        / 1_000_000
        for _ in range(60)
    }
    for at, value in readings.items():
        assert post_reading(api, building, room, float(value), iso(at)).status == 201
    instants = sorted(readings)
    for _ in range(25):
        seconds = rng.choice([1, 59, 900, 3599, 3600, 3601, 4 * 3600 + 17, 7 * 3600, 9 * 3600])
        duration = timedelta(seconds=seconds, microseconds=rng.choice([0, 1, 999_999]))
        end = rng.choice(
            [
                rng.choice(instants),
                rng.choice(instants) + duration,
                base + timedelta(seconds=rng.randrange(9 * 3600)),
            ]
        )
        iso_duration = f"PT{seconds}.{duration.microseconds:06d}S"
        inside = [v for at, v in readings.items() if end - duration < at <= end]
        answer = get_average(api, building, room, duration=iso_duration, end=iso(end))
        assert answer.status == 200, answer.body
        assert answer.json["readings"] == len(inside)
        expected = (
            float(exact_half_even(sum(map(Fraction, inside), Fraction(0)), len(inside))) if inside else None
        )
        assert answer.json["average_temperature"] == expected


def test_rooms_listing_pages_over_http(api: ApiClient) -> None:
    building = building_name()
    names = sorted(f"room-{i:02d}" for i in range(11))
    for index, name in enumerate(names):
        assert post_reading(api, building, name, 20 + index, f"2024-12-10T16:{index:02d}:00").status == 201
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        query = {"limit": "4", **({"next_token": token} if token else {})}
        page = api.get(f"/api/v1/buildings/{building}/rooms?{urlencode(query)}")
        assert page.status == 200, page.body
        seen += [room["room"] for room in page.json["rooms"]]
        pages += 1
        token = page.json["next_token"]
        if token is None:
            break
    assert (seen, pages) == (names, 3)
    assert api.get(f"/api/v1/buildings/{building_name()}/rooms").status == 404


def test_hostile_input_never_5xx(api: ApiClient) -> None:
    building = building_name()
    base = f"/api/v1/buildings/{building}/rooms/r/temperatures"
    assert post_reading(api, building, "r", 20, "2024-12-10T16:45:00").status == 201
    raw_bodies = [
        b'{"temperature": NaN, "recorded_at": "2024-12-10T16:45:00"}',
        b'{"temperature": 1e999, "recorded_at": "2024-12-10T16:45:00"}',
        b'{"temperature": "hot", "recorded_at": "2024-12-10T16:45:00"}',
        b'{"temperature": false, "recorded_at": "2024-12-10T16:45:00"}',
        b'{"temperature": 20, "recorded_at": "2024-12-10T16:45:00\\u0000"}',
        b'{"temperature": 20, "recorded_at": "\\ud800"}',
        b"\xff\xfe\x00garbage",
        b"[" * 50_000,
        b'{"temperature": 20, "recorded_at": "' + b"9" * 400_000 + b'"}',
        b"",
    ]
    for raw in raw_bodies:
        response = api.request("POST", base, raw=raw)
        assert 400 <= response.status < 500, (raw[:60], response.status, response.body[:200])
        assert response.json["message"]
    paths = [
        f"{base}/average?duration=P1Y",
        f"{base}/average?duration=0s",
        f"{base}/average?duration={quote('PT15M ')}",
        f"{base}/average?end={quote('2024-12-10T16:45:00' + chr(1))}",
        f"{base}/average?end=0001-01-01T00:00:00%2B14:00",
        f"{base}/average?end=99999-01-01",
        f"/api/v1/buildings/{building}/rooms/r%00x/temperatures/average",
        f"/api/v1/buildings/{'x' * 300}/rooms",
        f"/api/v1/buildings/{building}/rooms?limit=-1",
        f"/api/v1/buildings/{building}/rooms?next_token=%F0%9F%94%A5",
    ]
    for path in paths:
        response = api.get(path)
        assert 400 <= response.status < 500, (path, response.status, response.body[:200])
        assert response.json["message"]
    assert get_average(api, building, "r", duration="1d", end="2024-12-10T16:45:00Z").json["readings"] == 1


def test_openapi_documents_the_routes(api: ApiClient) -> None:
    paths = api.get("/api/openapi.json").json["paths"]
    assert "post" in paths["/api/v1/buildings/{building}/rooms/{room}/temperatures"]
    assert "get" in paths["/api/v1/buildings/{building}/rooms/{room}/temperatures/average"]
    assert "get" in paths["/api/v1/buildings/{building}/rooms"]
