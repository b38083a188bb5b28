"""Mixed traffic of the four domains for `make load` (run by `python -m bench.load`).

* writers: occupancy webhooks, temperature readings, booking events — 5 % of the writes re-send
  a request already acknowledged (a client retry / duplicate delivery), all keys of this run
  are fresh (run id), arrival order is random;
* readers: occupancy now, temperature averages, the bookings dashboard and event listing;
* one report every minute (POST /api/reports, then polled at the end).

Clients behave as they should: on 429/503 they wait (Retry-After, capped) and resend. When the
run stops, every aggregate is asked of the API and compared with the brute-force answer from
what was acknowledged; reports must have left Running. The process exit code says whether all
matched; a latency table (requests/s, p50/p95/p99 per route, errors) is printed.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from locust import HttpUser, between, constant, events, task

from bench.load.report import latency_table
from bench.load.streams import RETRY_STATUSES, RetryingClient, Sent, auth_headers, load_state, verify

RUN = os.environ.get("LOAD_RUN_ID") or uuid.uuid4().hex[:8]
SEED = int(os.environ.get("LOAD_SEED", "7"))
STATE = load_state(Path(os.environ["LOAD_STATE_FILE"])) if os.environ.get("LOAD_STATE_FILE") else {}
HEADERS = {"Content-Type": "application/json", **auth_headers(STATE)}
DUPLICATES = 0.05
MAX_ATTEMPTS = 10

rng = random.Random(f"{SEED}/{RUN}")  # noqa: S311 — pseudo-random demo/benchmark data, not a secret
sent = Sent()
acked: list[tuple[str, str, dict[str, Any]]] = []  # (route name, path, payload) acknowledged writes
reports: list[str] = []
lost: list[str] = []
SENSORS = [f"load-{RUN}-s{i:02d}" for i in range(20)]
BUILDING = f"load-{RUN}"
ROOMS = [f"room-{i:02d}" for i in range(20)]
HOTELS = [rng.randrange(10_000, 2**31 - 1) for _ in range(3)]
_used: set[tuple[str, str]] = set()
_next_id = [rng.randrange(10**12, 10**13)]
_START = datetime(2024, 1, 1, tzinfo=UTC)


def _unique_instant(scope: str, span_s: int) -> str:
    while True:
        at = (_START + timedelta(seconds=rng.randrange(span_s))).strftime("%Y-%m-%dT%H:%M:%SZ")
        if (scope, at) not in _used:
            _used.add((scope, at))
            return at


def new_write() -> tuple[str, str, dict[str, Any]]:
    kind = rng.random()
    if kind < 0.34:
        sensor = rng.choice(SENSORS)
        event = {
            "sensor": sensor,
            "ts": _unique_instant(sensor, 300 * 86400),
            "in": rng.randrange(6),
            "out": rng.randrange(5),
        }
        return "POST /api/webhook", "/api/webhook", event
    if kind < 0.67:
        room = rng.choice(ROOMS)
        reading = {
            "temperature": rng.randrange(150, 300) / 10,
            "recorded_at": _unique_instant(room, 3 * 86400),
        }
        path = f"/api/v1/buildings/{BUILDING}/rooms/{room}/temperatures"
        return "POST /api/v1/buildings/{building}/rooms/{room}/temperatures", path, reading
    _next_id[0] += 1
    event = {
        "id": _next_id[0],
        "hotel_id": rng.choice(HOTELS),
        "timestamp": _unique_instant("bookings", 120 * 86400),
        "rpg_status": rng.choice((1, 1, 2)),
        "room_id": f"room-{rng.randrange(20):03d}",
        "night_of_stay": f"2024-06-{rng.randrange(1, 31):02d}",
    }
    return "POST /api/events", "/api/events", event


class _Client(HttpUser):
    abstract = True

    def send(
        self, method: str, name: str, path: str, payload: Any = None, headers: dict[str, str] | None = None
    ) -> Any:
        """One logical request: resent on 429/503 (each attempt is counted under its route)."""
        for _ in range(MAX_ATTEMPTS):
            with self.client.request(
                method, path, json=payload, name=name, headers={**HEADERS, **(headers or {})},
                catch_response=True, allow_redirects=False,
            ) as response:  # fmt: skip
                if response.status_code in RETRY_STATUSES or response.status_code == 0:
                    response.failure(f"{response.status_code}: retried")
                    retry_after = float(response.headers.get("Retry-After", "0.2") or 0.2)
                    time.sleep(min(retry_after, 1.0) * rng.uniform(0.5, 1.0))
                    continue
                if response.status_code >= 400 and response.status_code != 404:
                    response.failure(f"{response.status_code}: {response.text[:200]}")
                else:  # 404: a read of a sensor/room no write has reached yet is a right answer
                    response.success()
                return response
        lost.append(f"{method} {path}: retries exhausted")
        return None


class Writer(_Client):
    weight = 6
    wait_time = between(0.05, 0.2)

    @task
    def write(self) -> None:
        if acked and rng.random() < DUPLICATES:
            name, path, payload = rng.choice(acked)  # a duplicate delivery of an acknowledged write
        else:
            name, path, payload = new_write()
        response = self.send("POST", name, path, payload)
        if response is not None and response.status_code in (200, 201):
            sent.record(path, payload)
            acked.append((name, path, payload))
        elif response is not None:
            lost.append(f"POST {path} {payload}: {response.status_code} {response.text[:200]}")


class Reader(_Client):
    weight = 4
    wait_time = between(0.05, 0.2)

    @task(3)
    def occupancy(self) -> None:
        self.send(
            "GET", "GET /api/sensors/{sensor}/occupancy", f"/api/sensors/{rng.choice(SENSORS)}/occupancy"
        )

    @task(3)
    def average(self) -> None:
        path = f"/api/v1/buildings/{BUILDING}/rooms/{rng.choice(ROOMS)}/temperatures/average"
        duration = rng.choice(("15m", "1h", "1d", "P3D"))
        self.send(
            "GET", "GET .../temperatures/average", f"{path}?duration={duration}&end=2024-01-04T00:00:00Z"
        )

    @task(2)
    def dashboard(self) -> None:
        period = rng.choice(("day", "month", "year"))
        self.send(
            "GET",
            "GET /api/dashboard",
            f"/api/dashboard?hotel_id={rng.choice(HOTELS)}&year=2024&period={period}",
        )

    @task(1)
    def events(self) -> None:
        self.send("GET", "GET /api/events", f"/api/events?hotel_id={rng.choice(HOTELS)}&limit=50")


class Reporter(_Client):
    fixed_count = 1
    wait_time = constant(60)

    @task
    def report(self) -> None:
        response = self.send("POST", "POST /api/reports", "/api/reports", None)
        if response is not None and response.status_code == 202:
            reports.append(response.json()["report_id"])


def _reports_settled(client: RetryingClient, timeout_s: float = 300) -> list[str]:
    problems: list[str] = []
    deadline = time.monotonic() + timeout_s
    for report_id in reports:
        while (body := client.get(f"/api/reports/{report_id}").json).get("status") == "Running":
            if time.monotonic() > deadline:
                problems.append(f"report {report_id} still Running after {timeout_s:.0f} s")
                break
            time.sleep(1)
        status = body.get("status")
        print(f"report {report_id}: {status} {body.get('stores')} stores {body.get('error') or ''}")
        if status == "Failed" and "no store status polls" not in str(body.get("error")):
            problems.append(f"report {report_id} Failed: {body.get('error')}")
    return problems


@events.quitting.add_listener
def _check(environment: Any, **_: Any) -> None:
    print(latency_table(environment.stats), flush=True)
    client = RetryingClient(environment.host, auth_headers(STATE))
    writes = len(sent.occupancy) + sum(map(len, sent.temperature.values())) + len(sent.bookings)
    print(f"\nacknowledged writes: {writes} distinct, {len(acked)} incl. duplicates; reports: {len(reports)}")
    problems = lost + verify(client, sent) + _reports_settled(client)
    statuses = dict(sorted(client.statuses.items()))
    print(f"verification requests: {statuses}")
    if problems:
        print(f"\nVERIFICATION FAILED ({len(problems)}):\n" + "\n".join(problems[:50]), flush=True)
        environment.process_exit_code = 1
    else:
        print("\nverification: every aggregate equals the brute-force answer from what was sent", flush=True)
        environment.process_exit_code = 0
