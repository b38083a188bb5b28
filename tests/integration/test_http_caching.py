"""HTTP caching over real HTTP against the local stack: every read carries a strong ETag,
`Cache-Control: private, …` and `Vary: Authorization`; If-None-Match answers 304 until a write
changes the answer; a report's presigned URL keeps its ETag; the console's assets are
immutable under content-hashed names."""

from __future__ import annotations

import re
import urllib.request
import uuid
from typing import Any

import pytest

from sitepulse.common.timestamps import format_instant, utc_now
from sitepulse.store_uptime.report.repository import ReportRepository
from tests.integration.conftest import RunningStack
from tests.integration.http_client import ApiClient, ApiResponse

ETAG = re.compile(r'^"[A-Za-z0-9_-]+"$')
WEAK_ETAG = re.compile(r'^W/"[A-Za-z0-9_-]+"$')  # the average over a window ending now
RUN = uuid.uuid4().hex[:8]
SENSOR = f"cache-{RUN}"
BUILDING = f"cache-{RUN}"
ROOM = "room-1"
HOTEL = uuid.uuid4().int % (2**31 - 2) + 1
CSV = b"store_id,uptime_last_hour,uptime_last_day,uptime_last_week,downtime_last_hour\ncache-1,60,24,168,0\n"


def assert_cached_read(response: ApiResponse, *, weak: bool = False) -> str:
    assert response.status == 200, response.body
    tag = response.headers.get("etag", "")
    assert (WEAK_ETAG if weak else ETAG).match(tag), tag
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.headers["vary"] == "Authorization"
    return response.headers["etag"]


def conditional(api: ApiClient, path: str, tag: str) -> ApiResponse:
    return api.get(path, headers={"If-None-Match": tag})


def assert_not_modified(response: ApiResponse, tag: str) -> None:
    assert response.status == 304, (response.status, response.body)
    assert response.body == b"" and "content-length" not in response.headers
    assert response.headers["etag"] == tag and response.headers["vary"] == "Authorization"
    assert response.headers["cache-control"] == "private, no-cache"


@pytest.fixture(scope="module")
def seeded(api: ApiClient) -> dict[str, Any]:
    """Sensors, a room and a hotel with data, so that every read has something to say."""
    for sensor in (SENSOR, f"{SENSOR}-b"):  # two sensors: a page of one has a next_token
        reading = {"sensor": sensor, "ts": "2024-03-01T10:00:00Z", "in": 3, "out": 0}
        assert api.post("/api/webhook", reading).status == 201
    temperatures = f"/api/v1/buildings/{BUILDING}/rooms/{ROOM}/temperatures"
    assert api.post(temperatures, {"temperature": 21.5, "recorded_at": "2024-03-01T10:00:00Z"}).status == 201
    booking = {
        "id": uuid.uuid4().int % 2**40,
        "hotel_id": HOTEL,
        "timestamp": "2024-03-01T10:00:00Z",
        "rpg_status": 1,
        "room_id": "room-1",
        "night_of_stay": "2024-05-01",
    }
    assert api.post("/api/events", booking).status == 201
    return {"booking": booking}


@pytest.fixture(scope="module")
def complete_report(api: ApiClient, local_stack: RunningStack) -> dict[str, Any]:
    """A Complete report with its CSV, stored as the pipeline stores one (without running it:
    the data it would need would change the other report tests' reports)."""
    report_id = uuid.uuid4().hex
    key = f"reports/{report_id}.csv"
    bucket = local_stack.state["buckets"]["ReportsBucket"]
    local_stack.client("s3").put_object(Bucket=bucket, Key=key, Body=CSV)
    reports = ReportRepository(local_stack.client("dynamodb"), local_stack.state["tables"]["ReportsTable"])
    reports.create({"report_id": report_id, "status": "Running", "created_at": format_instant(utc_now())})
    reports.planned(report_id, "2023-01-25T18:13:22Z", 1674670402000000, 1, 1)
    reports.shard_done(report_id, 0, 1)
    reports.complete(report_id, format_instant(utc_now()), 1, key)
    report = api.get(f"/api/reports/{report_id}").json
    assert report["status"] == "Complete" and report["download_url"], report
    return dict(report)


def read_paths(report_id: str) -> list[str]:
    """One request for every GET route of the API that answers a body (200)."""
    series = "from=2024-03-01T00:00:00Z&to=2024-03-02T00:00:00Z"
    return [
        "/api/sensors",
        "/api/sensors?limit=1",
        f"/api/sensors/{SENSOR}/occupancy",
        f"/api/sensors/{SENSOR}/occupancy?atInstant=2024-03-01T12:00:00Z",
        f"/sensors/{SENSOR}/occupancy",
        f"/api/sensors/{SENSOR}/occupancy/series?{series}",
        "/api/v1/buildings",
        f"/api/v1/buildings/{BUILDING}/rooms",
        f"/api/v1/buildings/{BUILDING}/rooms/{ROOM}/temperatures/average",
        f"/api/v1/buildings/{BUILDING}/rooms/{ROOM}/temperatures/series?{series}",
        f"/api/events?hotel_id={HOTEL}",
        f"/api/dashboard?hotel_id={HOTEL}&year=2024",
        "/api/hotels",
        "/api/reports",
        f"/api/reports/{report_id}",
        f"/get_report?report_id={report_id}",
        "/api/keys",
        "/api/openapi.json",
    ]


def test_every_read_carries_an_etag_and_answers_304_to_it(
    api: ApiClient, seeded: dict[str, Any], complete_report: dict[str, Any]
) -> None:
    for path in read_paths(complete_report["report_id"]):
        tag = assert_cached_read(api.get(path), weak="/temperatures/average" in path)
        assert api.get(path).headers["etag"] == tag, f"{path}: the same answer twice, another ETag"
        assert_not_modified(conditional(api, path, tag), tag)
        assert_not_modified(conditional(api, path, f'"other", W/{tag.removeprefix("W/")}'), tag)
        assert_not_modified(conditional(api, path, "*"), tag)
        assert conditional(api, path, '"other"').status == 200


def test_a_page_with_a_next_token_keeps_its_etag(api: ApiClient, seeded: dict[str, Any]) -> None:
    first, second = api.get("/api/sensors?limit=1"), api.get("/api/sensors?limit=1")
    assert first.json["next_token"], first.body  # deterministic tokens: the same page, the same bytes
    assert first.body == second.body and first.headers["etag"] == second.headers["etag"]


def test_a_write_changes_the_answer_and_its_etag(api: ApiClient, seeded: dict[str, Any]) -> None:
    path = f"/api/sensors/{SENSOR}/occupancy"
    before = api.get(path)
    tag = assert_cached_read(before)
    assert_not_modified(conditional(api, path, tag), tag)
    assert (
        api.post("/api/webhook", {"sensor": SENSOR, "ts": "2024-03-01T11:00:00Z", "in": 2, "out": 0}).status
        == 201
    )
    after = conditional(api, path, tag)
    assert after.status == 200 and after.json["inside"] == before.json["inside"] + 2, after.body
    new_tag = assert_cached_read(after)
    assert new_tag != tag
    assert_not_modified(conditional(api, path, new_tag), new_tag)


def test_a_late_reading_changes_a_past_window(api: ApiClient, seeded: dict[str, Any]) -> None:
    window = "from=2024-03-01T00:00:00Z&to=2024-03-02T00:00:00Z"
    path = f"/api/v1/buildings/{BUILDING}/rooms/{ROOM}/temperatures/series?{window}"
    tag = assert_cached_read(api.get(path))
    late = {"temperature": 30.0, "recorded_at": "2024-03-01T08:30:00Z"}
    assert api.post(f"/api/v1/buildings/{BUILDING}/rooms/{ROOM}/temperatures", late).status == 201
    assert conditional(api, path, tag).status == 200


def test_every_key_gets_vary_and_the_etag_hashes_only_the_answer(
    api: ApiClient, local_stack: RunningStack, seeded: dict[str, Any]
) -> None:
    """`Vary: Authorization` keeps one key's copy from answering another key; the tag itself
    depends on the answer alone, so two keys allowed the same answer agree on it."""
    path = f"/api/sensors/{SENSOR}/occupancy"
    reader = local_stack.state["keys"]["reader"]
    assert assert_cached_read(api.get(path, key=reader)) == assert_cached_read(api.get(path))


def test_a_report_with_a_presigned_url_keeps_its_etag(
    api: ApiClient, complete_report: dict[str, Any]
) -> None:
    path = f"/api/reports/{complete_report['report_id']}"
    first, second = api.get(path), api.get(path)
    assert first.json["download_url"] and first.body == second.body
    assert assert_cached_read(first) == assert_cached_read(second)
    with urllib.request.urlopen(first.json["download_url"], timeout=60) as download:
        assert download.read() == CSV
    legacy = f"/get_report?report_id={complete_report['report_id']}"
    assert api.get(legacy).headers["etag"] == api.get(legacy).headers["etag"]


def test_the_csv_redirect_and_errors_are_not_stored(api: ApiClient, complete_report: dict[str, Any]) -> None:
    redirect = api.get(f"/api/reports/{complete_report['report_id']}/csv", headers={"If-None-Match": "*"})
    assert redirect.status == 302 and redirect.headers["cache-control"] == "no-store"
    assert "etag" not in redirect.headers
    for response in (
        api.get("/api/reports/nosuchreport", headers={"If-None-Match": "*"}),
        api.get("/api/sensors?limit=0", headers={"If-None-Match": "*"}),
    ):
        assert response.status in (404, 422), response.body
        assert response.headers.get("cache-control") == "no-store" and "etag" not in response.headers


def test_trigger_report_is_never_cached(api: ApiClient) -> None:
    started = api.get("/trigger_report", headers={"If-None-Match": "*"})
    assert started.status == 200 and started.json["report_id"], started.body
    assert started.headers["cache-control"] == "no-store" and "etag" not in started.headers
    again = api.get("/trigger_report", headers={"If-None-Match": "*"})
    assert again.status == 200 and again.json["report_id"] != started.json["report_id"]


def test_console_assets_are_immutable_under_hashed_names(api: ApiClient) -> None:
    index = api.get("/", key=None)
    assert index.status == 200 and index.headers["cache-control"] == "no-cache"
    tag = index.headers["etag"]
    again = api.get("/", key=None, headers={"If-None-Match": tag})
    assert again.status == 304 and again.body == b""
    assets = re.findall(r'(?:src|href)="(/console/assets/[^"]+)"', index.body.decode())
    assert len(assets) == 2
    for url in assets:
        assert re.fullmatch(r"/console/assets/\w+\.[0-9a-f]{12}\.(js|css)", url), url
        asset = api.get(url, key=None)
        assert asset.status == 200
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
