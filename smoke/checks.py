"""The smoke checks: public routes, the gateway's refusals, one read per domain and, only when
asked, one idempotent write per domain on dedicated `smoke` resources plus a report that runs to
completion. Each check returns a short detail for its PASS line or raises CheckFailedError.

Writes always send the same payloads under the same idempotency keys (fixed instants in 2000, a
fixed booking id, a fixed report `Idempotency-Key`), so the first run creates them and every
later run is a replay that changes nothing; each write is also sent twice to prove it."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from smoke.client import Response, SmokeClient

SMOKE_SENSOR = "smoke-sensor"
SMOKE_BUILDING = "smoke"
SMOKE_ROOM = "smoke-room"
# Hotel and booking ids are numbers: the largest allowed ones, which no real system hands out
# first. Overridable if a deployment's hotel system really uses them.
SMOKE_HOTEL_ID = int(os.environ.get("SMOKE_HOTEL_ID", "2147483647"))
SMOKE_BOOKING_ID = int(os.environ.get("SMOKE_BOOKING_ID", "9007199254740991"))
SMOKE_INSTANT = "2000-01-01T00:00:00Z"
# A report whose instant precedes every poll: it completes with a header-only CSV whatever the
# stack holds, and it never reads real store data.
SMOKE_REPORT_NOW = "1970-01-02T00:00:00Z"
SMOKE_REPORT_IDEMPOTENCY_KEY = "smoke-report-1970-01-02"
# Not a key any stack issued: the authorizer must refuse it before any function runs.
BAD_KEY = "smoke-not-a-valid-key"
REPORT_POLL_SECONDS = 1.0
REPORT_TIMEOUT_SECONDS = 90.0
REPORT_FINAL_STATES = frozenset({"Complete", "Failed"})


class CheckFailedError(Exception):
    pass


@dataclass(frozen=True)
class Check:
    group: str
    name: str
    run: Callable[[SmokeClient], str]
    writes: bool = False


# ------------------------------------------------------------------ helpers


def expect_status(response: Response, *statuses: int) -> None:
    if response.status not in statuses:
        wanted = " or ".join(str(status) for status in statuses)
        raise CheckFailedError(f"expected {wanted}, got {response.status} {_excerpt(response.body)}")


def expect_json(response: Response, *statuses: int) -> Any:
    expect_status(response, *statuses)
    if response.content_type != "application/json":
        raise CheckFailedError(f"expected application/json, got {response.content_type or 'no content type'}")
    try:
        return response.json()
    except ValueError as error:
        raise CheckFailedError(f"body is not JSON: {error}") from None


def expect_fields(document: Any, fields: dict[str, type | tuple[type, ...]], what: str) -> None:
    if not isinstance(document, dict):
        raise CheckFailedError(f"{what}: expected an object, got {type(document).__name__}")
    for name, kinds in fields.items():
        if name not in document:
            raise CheckFailedError(f"{what}: no {name!r} in {sorted(document)}")
        if not isinstance(document[name], kinds):
            raise CheckFailedError(f"{what}: {name!r} is {type(document[name]).__name__}")


def expect_equal(actual: Any, expected: Any, what: str) -> None:
    if actual != expected:
        raise CheckFailedError(f"{what}: expected {expected!r}, got {actual!r}")


def _excerpt(body: bytes, limit: int = 160) -> str:
    text = body.decode("utf-8", "replace").strip().replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


_PAGE = {"next_token": (str, type(None))}

# ------------------------------------------------------------------ public routes


def openapi_document(client: SmokeClient) -> str:
    document = expect_json(client.request("GET", "/api/openapi.json", key=None), 200)
    expect_fields(document, {"openapi": str, "paths": dict}, "OpenAPI document")
    if not document["openapi"].startswith("3."):
        raise CheckFailedError(f"OpenAPI version {document['openapi']!r}")
    return f"OpenAPI {document['openapi']}, {len(document['paths'])} paths"


def _html_page(client: SmokeClient, path: str) -> str:
    response = client.request("GET", path, key=None, headers={"Accept": "text/html"})
    expect_status(response, 200)
    if response.content_type != "text/html" or b"<html" not in response.body.lower():
        raise CheckFailedError(f"expected an HTML page, got {response.content_type}")
    return f"{len(response.body)} bytes of HTML"


def api_docs(client: SmokeClient) -> str:
    return _html_page(client, "/api/docs")


def console(client: SmokeClient) -> str:
    return _html_page(client, "/")


# ------------------------------------------------------------------ refusals at the gateway


def missing_key(client: SmokeClient) -> str:
    document = expect_json(client.request("GET", "/api/sensors", key=None), 401)
    expect_equal(document, {"message": "Unauthorized"}, "body")
    return "401 Unauthorized"


def bad_key(client: SmokeClient) -> str:
    document = expect_json(client.request("GET", "/api/sensors", key=BAD_KEY), 403)
    expect_equal(document, {"message": "Forbidden"}, "body")
    return "403 Forbidden"


# ------------------------------------------------------------------ one read per domain


def occupancy_read(client: SmokeClient) -> str:
    document = expect_json(client.request("GET", "/api/sensors", query={"limit": 1}), 200)
    expect_fields(document, {"sensors": list, **_PAGE}, "sensor list")
    return f"{len(document['sensors'])} sensor(s) on the first page"


def temperature_read(client: SmokeClient) -> str:
    document = expect_json(client.request("GET", "/api/v1/buildings", query={"limit": 1}), 200)
    expect_fields(document, {"buildings": list, **_PAGE}, "building list")
    return f"{len(document['buildings'])} building(s) on the first page"


def bookings_read(client: SmokeClient) -> str:
    document = expect_json(client.request("GET", "/api/hotels", query={"limit": 1}), 200)
    expect_fields(document, {"hotels": list, **_PAGE}, "hotel list")
    return f"{len(document['hotels'])} hotel(s) on the first page"


def reports_read(client: SmokeClient) -> str:
    document = expect_json(client.request("GET", "/api/reports", query={"limit": 1}), 200)
    expect_fields(document, {"reports": list, **_PAGE}, "report list")
    return f"{len(document['reports'])} report(s) on the first page"


# ------------------------------------------------------------------ one idempotent write per domain


def _write_twice(client: SmokeClient, path: str, body: dict[str, Any]) -> Any:
    """The write, then the same write again: the second is always a replay (200, same body)."""
    first = expect_json(client.request("POST", path, body=body), 200, 201)
    replay = expect_json(client.request("POST", path, body=body), 200)
    expect_equal(replay, first, "replayed write")
    return first


def occupancy_write(client: SmokeClient) -> str:
    event = {"sensor": SMOKE_SENSOR, "ts": SMOKE_INSTANT, "in": 1, "out": 0}
    _write_twice(client, "/api/webhook", event)
    at = client.request("GET", f"/api/sensors/{SMOKE_SENSOR}/occupancy", query={"atInstant": SMOKE_INSTANT})
    document = expect_json(at, 200)
    # However often the suite ran, the one event was counted once.
    expect_equal(document.get("inside"), 1, f"people inside {SMOKE_SENSOR} at {SMOKE_INSTANT}")
    return f"{SMOKE_SENSOR}: written, replayed, counted once"


def temperature_write(client: SmokeClient) -> str:
    room = f"/api/v1/buildings/{SMOKE_BUILDING}/rooms/{SMOKE_ROOM}"
    _write_twice(client, f"{room}/temperatures", {"temperature": 21.5, "recorded_at": SMOKE_INSTANT})
    average = client.request(
        "GET", f"{room}/temperatures/average", query={"duration": "15m", "end": SMOKE_INSTANT}
    )
    document = expect_json(average, 200)
    expect_equal(
        (document.get("average_temperature"), document.get("readings")), (21.5, 1), "average, readings"
    )
    return f"{SMOKE_BUILDING}/{SMOKE_ROOM}: written, replayed, averaged once"


def bookings_write(client: SmokeClient) -> str:
    booking = {
        "id": SMOKE_BOOKING_ID,
        "hotel_id": SMOKE_HOTEL_ID,
        "timestamp": SMOKE_INSTANT,
        "rpg_status": 1,
        "room_id": SMOKE_ROOM,
        "night_of_stay": "2000-01-02",
    }
    _write_twice(client, "/api/events", booking)
    query = {"hotel_id": SMOKE_HOTEL_ID, "year": 2000, "period": "month"}
    document = expect_json(client.request("GET", "/api/dashboard", query=query), 200)
    expect_fields(document, {"values": list}, "dashboard")
    january = [value for value in document["values"] if value.get("period") == "2000-01"]
    expect_equal([value.get("bookings") for value in january], [1], "bookings in 2000-01")
    return f"hotel {SMOKE_HOTEL_ID}: written, replayed, one booking in 2000-01"


def report_run(client: SmokeClient) -> str:
    headers = {"Idempotency-Key": SMOKE_REPORT_IDEMPOTENCY_KEY}
    started = client.request("POST", "/api/reports", body={"now": SMOKE_REPORT_NOW}, headers=headers)
    accepted = expect_json(started, 200, 202)
    expect_fields(accepted, {"report_id": str, "status": str}, "accepted report")
    report_id = accepted["report_id"]
    waited_until = time.monotonic() + min(REPORT_TIMEOUT_SECONDS, client.deadline.remaining())
    while True:
        report = expect_json(client.request("GET", f"/api/reports/{report_id}"), 200)
        if report.get("status") in REPORT_FINAL_STATES or time.monotonic() >= waited_until:
            break
        time.sleep(REPORT_POLL_SECONDS)
    expect_equal(report.get("status"), "Complete", f"report {report_id} status")
    download = client.request("GET", f"/api/reports/{report_id}/csv")
    expect_status(download, 302)
    if not download.headers.get("location", "").startswith("https://" if _is_https(client) else "http"):
        raise CheckFailedError(f"download redirects to {download.headers.get('location')!r}")
    return f"report {report_id}: Complete, CSV download redirects"


def _is_https(client: SmokeClient) -> bool:
    return client.base_url.startswith("https://")


CHECKS: tuple[Check, ...] = (
    Check("public", "GET /api/openapi.json", openapi_document),
    Check("public", "GET /api/docs", api_docs),
    Check("public", "GET / (console)", console),
    Check("auth", "no key → 401", missing_key),
    Check("auth", "bad key → 403", bad_key),
    Check("occupancy", "GET /api/sensors", occupancy_read),
    Check("temperature", "GET /api/v1/buildings", temperature_read),
    Check("bookings", "GET /api/hotels", bookings_read),
    Check("reports", "GET /api/reports", reports_read),
    Check("occupancy", "POST /api/webhook (smoke sensor)", occupancy_write, writes=True),
    Check("temperature", "POST a reading (smoke room)", temperature_write, writes=True),
    Check("bookings", "POST /api/events (smoke hotel)", bookings_write, writes=True),
    Check("reports", "POST /api/reports → Complete", report_run, writes=True),
)
