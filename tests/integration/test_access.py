"""Access control over HTTP on the local stack, for EVERY route of template.yaml:
no key 401, garbage, unknown, revoked, expired and wrong scope 403 (fail closed), right scope 2xx;
resource limits on path, query and body with nothing stored after a 403; the authorizer's
cache is keyed on the route; a revoked key stops within the TTL; secrets never in logs."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from local.template import load_stack
from sitepulse.access import tokens
from sitepulse.access.models import ApiKeyRecord
from sitepulse.access.repository import ApiKeyRepository
from sitepulse.access.scopes import ALL_SCOPES, PUBLIC_ROUTES, ROUTE_SCOPES
from sitepulse.store_uptime.engine.timestamps import parse_timestamp_us
from tests.integration.conftest import AUTH_TTL_SECONDS, ROOT, RunningStack
from tests.integration.http_client import ApiClient, ApiResponse
from tests.integration.test_reports_api import ingest_files
from tests.unit.store_uptime.scenario import END, build_scenario

RUN = uuid.uuid4().hex[:8]
SENSOR = f"acc-{RUN}"
BUILDING = f"acc-{RUN}"
HOTEL = int(RUN, 16) % 1_000_000 + 5_000_000
NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class Call:
    method: str
    path: str
    body: Any = None
    ok: set[int] = field(default_factory=lambda: {200, 201, 202, 204})


def template_routes() -> dict[str, str]:
    """Protected route key → scope, for every route of template.yaml with an authorizer."""
    stack = load_stack(ROOT / "template.yaml")
    return {r.route_key: ROUTE_SCOPES[r.route_key] for r in stack.routes if r.authorizer is not None}


@pytest.fixture(scope="module")
def seeded(api: ApiClient, local_stack: RunningStack) -> dict[str, str]:
    """Data every read route needs to answer 2xx, written with the admin key (store polls
    ingested so that a report completes and its CSV can be downloaded)."""
    scenario = build_scenario(stores=3, seed=5, prefix=f"acc{RUN}-")
    # Polls from days before the reports tests' files: the stack's "latest poll" stays theirs.
    cut_us = int((END - timedelta(days=3)).timestamp() * 1_000_000)
    header, *rows = scenario.polls.strip().split("\n")
    early = [row for row in rows if parse_timestamp_us(row.rsplit(",", 1)[1]) < cut_us]
    files = {
        f"incoming/business_hours/acc{RUN}-hours.csv": scenario.hours,
        f"incoming/timezones/acc{RUN}-tz.csv": scenario.timezones,
        f"incoming/store_status/acc{RUN}-2023-01-22T00.csv": "\n".join([header, *early]) + "\n",
    }
    ingest_files(local_stack, files)
    at = (NOW - timedelta(minutes=5)).isoformat()
    assert api.post("/api/webhook", {"sensor": SENSOR, "ts": at, "in": 2, "out": 0}).status in (200, 201)
    reading = {"temperature": 21.5, "recorded_at": at}
    assert api.post(f"/api/v1/buildings/{BUILDING}/rooms/r1/temperatures", reading).status in (200, 201)
    event = booking(1)
    assert api.post("/api/events", event).status in (200, 201)
    started = api.post("/api/reports", {})
    assert started.status in (200, 202), started.body
    report_id = started.json["report_id"]
    deadline = time.monotonic() + 180
    while api.get(f"/api/reports/{report_id}").json["status"] == "Running":
        assert time.monotonic() < deadline, "report did not finish"
        time.sleep(0.25)
    return {"report_id": report_id}


def booking(event_id: int, hotel: int = HOTEL) -> dict[str, Any]:
    return {
        "id": HOTEL * 100 + event_id,
        "hotel_id": hotel,
        "timestamp": "2024-03-01T10:00:00Z",
        "rpg_status": 1,
        "room_id": f"room-{RUN}-{event_id}",
        "night_of_stay": "2024-05-01",
    }


# Each request is derived from a route of template.yaml: its method, its path with the values of
# `calls`. Listed here per route is only what the template cannot say: a body, a query, a success
# other than 2xx. A new route is called without them, so one that needs them fails the test
# instead of being skipped.
ALERT_RULE = {
    "name": "made in a test",
    "kind": "occupancy_above",
    "sensor": SENSOR,
    "max": 5,
    "webhook_url": "http://127.0.0.1:9/hook",
}


def _bodies() -> dict[str, Any]:
    at = (NOW - timedelta(minutes=1)).isoformat()
    return {
        "POST /api/webhook": {"sensor": SENSOR, "ts": at, "in": 1, "out": 1},
        "POST /api/v1/buildings/{building}/rooms/{room}/temperatures": {
            "temperature": 20.0,
            "recorded_at": at,
        },
        "POST /api/events": booking(2),
        "POST /api/reports": {},
        "POST /trigger_report": {},
        "POST /api/keys": {"name": "made in a test", "scopes": ["reports:read"]},
        "POST /api/alerts": ALERT_RULE,
    }


def _queries() -> dict[str, str]:
    hour = NOW.replace(minute=0, second=0, microsecond=0)
    window = urlencode(
        {"from": (hour - timedelta(hours=3)).isoformat(), "to": hour.isoformat(), "step": "1h"}
    )
    return {
        "GET /api/v1/buildings/{building}/rooms/{room}/temperatures/average": "duration=1h",
        "GET /api/v1/buildings/{building}/rooms/{room}/temperatures/series": window,
        "GET /api/sensors/{sensor}/occupancy/series": window,
        "GET /api/events": f"hotel_id={HOTEL}",
        "GET /api/dashboard": f"hotel_id={HOTEL}&year=2024",
        "GET /get_report": "report_id={report_id}",
    }


REDIRECTS = {"GET /api/reports/{report_id}/csv"}  # 302 to the presigned S3 URL


def route_call(route_key: str, values: dict[str, str]) -> Call:
    """The request for a route of the template; a path parameter without a value is a KeyError."""
    method, path = route_key.split(" ", 1)
    query = _queries().get(route_key)
    url = re.sub(r"\{([^}]+)\}", lambda m: values[m.group(1)], path + (f"?{query}" if query else ""))
    call = Call(method, url, _bodies().get(route_key))
    if route_key in REDIRECTS:
        call.ok = {302}
    return call


def calls(seeded: dict[str, str], api: ApiClient) -> dict[str, Call]:
    """One request per protected route of template.yaml that the right key can make successfully."""
    throwaway = api.post("/api/keys", {"name": "to revoke", "scopes": ["occupancy:read"]}).json["key_id"]
    values = {
        "sensor": SENSOR,
        "building": BUILDING,
        "room": "r1",
        "report_id": seeded["report_id"],
        "key_id": throwaway,
        "alert_id": api.post("/api/alerts", ALERT_RULE).json["alert_id"],
    }
    return {route: route_call(route, values) for route in template_routes()}


def send(api: ApiClient, call: Call, key: Any = ..., headers: dict[str, str] | None = None) -> ApiResponse:
    return api.request(call.method, call.path, call.body, key=key, headers=headers)


def new_key(api: ApiClient, scopes: list[str], limits: dict[str, Any] | None = None) -> dict[str, Any]:
    body = {"name": f"test {len(scopes)} scopes", "scopes": scopes, "limits": limits}
    created = api.post("/api/keys", body)
    assert created.status == 201, created.body
    return created.json


def expired_key(stack: RunningStack, scopes: list[str]) -> str:
    """Written straight in the table: the API refuses to create an already expired key."""
    key_id, key = tokens.new_key()
    repository = ApiKeyRepository(stack.client("dynamodb"), stack.state["tables"]["ApiKeysTable"])
    repository.create(
        ApiKeyRecord(
            key_id=key_id,
            name="expired",
            scopes=scopes,
            secret_hash=tokens.hash_secret(tokens.parse_key(key)[1]),  # type: ignore[index]
            created_at=NOW - timedelta(days=2),
            expires_at=NOW - timedelta(days=1),
        )
    )
    return key


def test_the_per_route_details_name_only_routes_of_the_template() -> None:
    # Details left for a route that was renamed or removed would silently stop being used.
    routes = set(template_routes())
    assert set(_bodies()) | set(_queries()) | REDIRECTS <= routes
    # Every POST route is given a body (says so before a write without one answers 4xx to its key).
    assert {route for route in routes if route.startswith("POST ")} <= set(_bodies())


def test_every_route_refuses_without_a_valid_key_and_answers_the_right_scope(
    api: ApiClient, local_stack: RunningStack, seeded: dict[str, str]
) -> None:
    routes = template_routes()
    requests = calls(seeded, api)
    revoked = new_key(api, list(ALL_SCOPES))
    assert api.delete(f"/api/keys/{revoked['key_id']}").status == 204
    expired = expired_key(local_stack, list(ALL_SCOPES))
    _, unknown = tokens.new_key()
    for route, scope in routes.items():
        call = requests[route]
        missing = send(api, call, key=None)
        assert (missing.status, missing.json) == (401, {"message": "Unauthorized"}), route
        for key in ("garbage", unknown, revoked["secret"], expired):
            answer = send(api, call, key=key)
            assert (answer.status, answer.json) == (403, {"message": "Forbidden"}), (route, answer.body)
        basic = send(api, call, headers={"Authorization": "Basic dXNlcjpwYXNz"})
        assert (basic.status, basic.json) == (403, {"message": "Forbidden"}), route
        wrong = new_key(api, [s for s in ALL_SCOPES if s != scope][:1])
        refused = send(api, call, key=wrong["secret"])
        assert (refused.status, refused.json) == (403, {"message": "Forbidden"}), route
        right = new_key(api, [scope])
        answer = send(api, call, key=right["secret"])
        assert answer.status in call.ok, (route, answer.status, answer.body)


def test_public_routes_need_no_key(api: ApiClient) -> None:
    # The template's open routes are exactly the public routes (docs and console).
    stack = load_stack(ROOT / "template.yaml")
    public = {route.route_key for route in stack.routes if route.authorizer is None}
    assert public == PUBLIC_ROUTES
    for route in sorted(public):
        call = route_call(route, {"proxy+": "occupancy"})  # a console page (deep link)
        assert call.method == "GET", route
        answer = send(api, call, key=None)
        assert answer.status == 200, (route, answer.status, answer.body[:200])


def test_the_cache_is_keyed_on_the_route(api: ApiClient, seeded: dict[str, str]) -> None:
    reader = new_key(api, ["occupancy:read"])["secret"]
    assert api.get("/api/sensors", key=reader).status == 200  # cached: yes for GET /api/sensors
    for _ in range(2):
        posted = api.post(
            "/api/webhook", {"sensor": SENSOR, "ts": NOW.isoformat(), "in": 1, "out": 0}, key=reader
        )
        assert posted.status == 403
    assert api.get("/api/sensors", key=reader).status == 200


def test_a_revoked_key_stops_within_the_ttl(api: ApiClient) -> None:
    key = new_key(api, ["occupancy:read"])
    assert api.get("/api/sensors", key=key["secret"]).status == 200
    assert api.delete(f"/api/keys/{key['key_id']}").status == 204
    time.sleep(AUTH_TTL_SECONDS + 0.5)
    assert api.get("/api/sensors", key=key["secret"]).status == 403


def test_limits_on_path_query_and_body_store_nothing(api: ApiClient, seeded: dict[str, str]) -> None:
    device = new_key(api, ["temperature:write", "temperature:read"], {"buildings": [BUILDING]})["secret"]
    reading = {"temperature": 30.0, "recorded_at": NOW.isoformat()}
    other = f"other-{RUN}"
    assert api.post(f"/api/v1/buildings/{other}/rooms/r1/temperatures", reading, key=device).status == 403
    assert api.get(f"/api/v1/buildings/{other}/rooms").status == 404  # nothing stored
    assert api.get(f"/api/v1/buildings/{other}/rooms", key=device).status == 403
    assert api.get(f"/api/v1/buildings/{BUILDING}/rooms", key=device).status == 200
    assert api.post(f"/api/v1/buildings/{BUILDING}/rooms/r2/temperatures", reading, key=device).status == 201

    partner = new_key(api, ["bookings:write", "bookings:read"], {"hotels": [HOTEL]})["secret"]
    assert api.post("/api/events", booking(7, hotel=HOTEL + 1), key=partner).status == 403
    assert api.get(f"/api/events?hotel_id={HOTEL + 1}").json["events"] == []  # nothing stored
    assert api.get(f"/api/events?hotel_id={HOTEL + 1}", key=partner).status == 403
    assert api.get(f"/api/dashboard?hotel_id={HOTEL + 1}&year=2024", key=partner).status == 403
    assert api.post("/api/events", booking(8), key=partner).status == 201

    sensors = new_key(api, ["occupancy:read", "occupancy:write"], {"sensors": [SENSOR]})["secret"]
    listed = api.get("/api/sensors?limit=1000", key=sensors).json
    assert listed["sensors"] == [SENSOR] and listed["next_token"] is None
    elsewhere = {"sensor": f"x{SENSOR}", "ts": NOW.isoformat(), "in": 1, "out": 0}
    assert api.post("/api/webhook", elsewhere, key=sensors).status == 403
    assert api.get(f"/api/sensors/x{SENSOR}/occupancy").status == 404  # nothing stored


def test_the_demo_device_key_posts_for_viboo_and_nothing_else(
    api: ApiClient, local_stack: RunningStack
) -> None:
    device = local_stack.state["keys"]["device"]
    reading = {"temperature": 19.0, "recorded_at": NOW.isoformat()}
    assert api.post("/api/v1/buildings/viboo/rooms/lab/temperatures", reading, key=device).status == 201
    assert api.post(f"/api/v1/buildings/{BUILDING}/rooms/lab/temperatures", reading, key=device).status == 403
    assert api.get("/api/v1/buildings/viboo/rooms", key=device).status == 403
    assert api.get("/api/sensors", key=device).status == 403
    reader = local_stack.state["keys"]["reader"]
    assert api.get("/api/v1/buildings/viboo/rooms", key=reader).status == 200
    assert api.post("/api/v1/buildings/viboo/rooms/lab/temperatures", reading, key=reader).status == 403


def test_secrets_never_appear_in_logs(
    api: ApiClient, local_stack: RunningStack, seeded: dict[str, str]
) -> None:
    key = new_key(api, ["occupancy:read", "occupancy:write"])
    secret = key["secret"]
    assert api.get("/api/sensors", key=secret).status == 200
    assert api.post("/api/webhook", {"sensor": "x", "ts": "bad"}, key=secret).status == 422
    assert api.get("/api/sensors", key=secret + "x").status == 403
    time.sleep(0.5)
    # The terminal, and every log file the stack writes (its own and each function's).
    logs = [local_stack.log_file, *sorted(Path(local_stack.state["logs"]).rglob("*"))]
    text = "".join(Path(p).read_text(errors="replace") for p in logs if Path(p).is_file())
    # The banner shows the demo keys on purpose; everything else must not.
    names = "|".join(map(re.escape, local_stack.state["keys"]))
    text = re.sub(rf"(?m)^.*\b(?:{names})\s+sp_\S+\s*$", "", text)
    assert key["key_id"] in text, "key use is logged with the key id"
    for stack_key in local_stack.state["keys"].values():
        assert tokens.parse_key(stack_key)[1] not in text  # type: ignore[index]
    assert tokens.parse_key(secret)[1] not in text  # type: ignore[index]
    assert not re.search(r"sp_[a-z2-7]{16}_[A-Za-z0-9_\-]{43}", text)


def test_the_cli_creates_lists_and_revokes_keys_in_the_table(
    api: ApiClient, local_stack: RunningStack
) -> None:
    """`make key` (the bootstrap path) writes straight in the local stack's table."""
    import json
    import subprocess
    import sys

    def cli(*args: str) -> Any:
        command = [sys.executable, "-m", "sitepulse.access.cli", "--state-file", str(local_stack.state_file)]
        result = subprocess.run(
            [*command, *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
            env={**__import__("os").environ, "PYTHONPATH": "layers"},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    created = cli("create", "--name", "cli device", "--scopes", "temperature:write", "--buildings", BUILDING)
    assert created["limits"] == {"buildings": [BUILDING]}
    reading = {"temperature": 18.0, "recorded_at": NOW.isoformat()}
    path = f"/api/v1/buildings/{BUILDING}/rooms/cli/temperatures"
    assert api.post(path, reading, key=created["secret"]).status == 201
    assert created["key_id"] in {key["key_id"] for key in cli("list")}
    assert cli("revoke", created["key_id"])["revoked_at"]
    time.sleep(AUTH_TTL_SECONDS + 0.5)
    assert api.post(path, reading, key=created["secret"]).status == 403
