"""The write streams of the four domains, what was acknowledged, and the brute-force answers.

Shared by the chaos tests (`tests/chaos`) and the load test (`bench/load`): generators of
realistic writes (seeded), a thread-safe `Sent` ledger of what the API acknowledged (2xx), the
aggregates recomputed from it by brute force, and `verify()`, which asks the API for every
aggregate and lists each difference.
"""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

RETRY_STATUSES = {429, 502, 503, 504}


def auth_headers(state: dict[str, Any]) -> dict[str, str]:
    """`Authorization: Bearer <keys.admin>` when the stack's state file holds keys (access control)."""
    key = (state.get("keys") or {}).get("admin")
    return {"Authorization": f"Bearer {key}"} if key else {}


def load_state(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    attempts: int = 1

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class RetryingClient:
    """A client that behaves as real sensors and partners should: on 429/503 (and 502/504 or a
    lost connection) it waits (Retry-After, capped, jittered) and sends the same request again."""

    def __init__(
        self, base_url: str, headers: dict[str, str] | None = None, max_attempts: int = 12, cap_s: float = 1.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = headers or {}
        self.max_attempts = max_attempts
        self.cap_s = cap_s
        self.statuses: Counter[int] = Counter()  # every answer seen, retries included
        self._lock = threading.Lock()
        self._opener = urllib.request.build_opener(_NoRedirect)

    def _once(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310 — the URL is the local stack's or a presigned http(s) address built here
        try:
            with self._opener.open(request, timeout=60) as response:
                return Answer(
                    response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
                )
        except urllib.error.HTTPError as error:
            return Answer(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())

    def request(
        self, method: str, path_or_url: str, payload: Any = None, headers: dict[str, str] | None = None
    ) -> Answer:
        url = path_or_url if path_or_url.startswith("http") else self.base_url + path_or_url
        body = json.dumps(payload).encode() if payload is not None else None
        all_headers = {"Content-Type": "application/json", **self.headers, **(headers or {})}
        if not path_or_url.startswith(self.base_url) and path_or_url.startswith("http"):
            all_headers = dict(headers or {})  # a presigned URL carries its own authorisation
        answer = Answer(0, {}, b"")
        for attempt in range(1, self.max_attempts + 1):
            try:
                answer = self._once(method, url, body, all_headers)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                answer = Answer(-1, {}, b"")
            with self._lock:
                self.statuses[answer.status] += 1
            answer.attempts = attempt
            if answer.status not in RETRY_STATUSES and answer.status != -1:
                return answer
            retry_after = float(answer.headers.get("retry-after", "0.1") or 0.1)
            time.sleep(min(self.cap_s, retry_after) * random.uniform(0.5, 1.0))  # noqa: S311 — pseudo-random demo/benchmark data, not a secret
        return answer

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, payload: Any, headers: dict[str, str] | None = None) -> Answer:
        return self.request("POST", path, payload, headers)


# --------------------------------------------------------------------------- streams
def occupancy_events(rng: random.Random, sensors: list[str], per_sensor: int) -> list[dict[str, Any]]:
    start = datetime(2024, 5, 1, tzinfo=UTC)
    events = []
    for sensor in sensors:
        minutes = sorted(rng.sample(range(60 * 24 * 40), per_sensor))  # 40 days: years, months, hours
        for minute in minutes:
            at = start + timedelta(minutes=minute, seconds=rng.randrange(60))
            events.append(
                {
                    "sensor": sensor,
                    "ts": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "in": rng.randrange(6),
                    "out": rng.randrange(5),
                }
            )
    return events


def temperature_readings(
    rng: random.Random, building: str, rooms: list[str], per_room: int
) -> list[tuple[str, dict[str, Any]]]:
    start = datetime(2024, 11, 1, tzinfo=UTC)
    readings = []
    for room in rooms:
        for second in sorted(rng.sample(range(3 * 86400), per_room)):  # 3 days: raw and hour buckets
            at = start + timedelta(seconds=second)
            reading = {
                "temperature": rng.randrange(150, 300) / 10,
                "recorded_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            readings.append((f"/api/v1/buildings/{building}/rooms/{room}/temperatures", reading))
    return readings


def booking_events(rng: random.Random, hotel_id: int, count: int, first_id: int) -> list[dict[str, Any]]:
    rooms = [f"room-{i:03d}" for i in range(6)]
    nights = [f"2024-06-{d:02d}" for d in range(10, 16)]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        {
            "id": first_id + i,
            "hotel_id": hotel_id,
            "timestamp": (start + timedelta(minutes=rng.randrange(60 * 24 * 120))).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "rpg_status": rng.choice((1, 1, 2)),
            "room_id": rng.choice(rooms),
            "night_of_stay": rng.choice(nights),
        }
        for i in range(count)
    ]


def with_duplicates_shuffled(rng: random.Random, items: list[Any], share: float = 0.05) -> list[Any]:
    """Each item once, plus `share` of them again, all in random order (late and early arrivals)."""
    stream = list(items) + [item for item in items if rng.random() < share]
    rng.shuffle(stream)
    return stream


# --------------------------------------------------------------------------- brute force
def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Sent:
    """What the API acknowledged (2xx), keyed as each domain's idempotency key."""

    occupancy: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    temperature: dict[tuple[str, str], dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    bookings: dict[int, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, path: str, payload: dict[str, Any]) -> None:
        with self._lock:
            if path == "/api/webhook":
                self.occupancy[(payload["sensor"], payload["ts"])] = (payload["in"], payload["out"])
            elif path == "/api/events":
                self.bookings[payload["id"]] = payload
            else:
                parts = path.split("/")  # /api/v1/buildings/<b>/rooms/<r>/temperatures
                self.temperature[(parts[4], parts[6])][payload["recorded_at"]] = Decimal(
                    str(payload["temperature"])
                )

    def inside(self, sensor: str, at: datetime | None = None) -> int:
        """Net people through the door up to `at` (inclusive), never below zero (the API's rule)."""
        net = sum(
            i - o
            for (s, ts), (i, o) in self.occupancy.items()
            if s == sensor and (at is None or _instant(ts) <= at)
        )
        return max(0, net)

    def average(
        self, building: str, room: str, end: datetime, duration: timedelta
    ) -> tuple[Decimal | None, int]:
        values = [
            t for at, t in self.temperature[(building, room)].items() if end - duration < _instant(at) <= end
        ]
        if not values:
            return None, 0
        mean = (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
        return mean, len(values)

    def dashboard(self, hotel_id: int) -> dict[str, int]:
        latest: dict[tuple[str, str], tuple[str, int, int]] = {}
        for event in self.bookings.values():
            if event["hotel_id"] != hotel_id:
                continue
            night = (event["room_id"], event["night_of_stay"])
            candidate = (event["timestamp"], event["id"], event["rpg_status"])
            if night not in latest or candidate[:2] > latest[night][:2]:
                latest[night] = candidate
        per_day: Counter[str] = Counter()
        for (_, night), (_, _, status) in latest.items():
            per_day[night] += status == 1
        return {day: n for day, n in per_day.items() if n}


def verify(client: RetryingClient, sent: Sent) -> list[str]:
    """Every aggregate the API answers, compared with the brute-force one; the differences."""
    problems: list[str] = []

    def check(what: str, got: Any, expected: Any) -> None:
        if got != expected:
            problems.append(f"{what}: API {got!r} != expected {expected!r}")

    for sensor in sorted({s for s, _ in sent.occupancy}):
        quoted = urllib.parse.quote(sensor)
        check(
            f"occupancy {sensor}",
            client.get(f"/api/sensors/{quoted}/occupancy").json.get("inside"),
            sent.inside(sensor),
        )
        times = sorted(_instant(ts) for s, ts in sent.occupancy if s == sensor)
        for at in (times[len(times) // 3], times[len(times) // 2] + timedelta(seconds=1), times[-1]):
            instant = at.strftime("%Y-%m-%dT%H:%M:%SZ")
            answer = client.get(f"/api/sensors/{quoted}/occupancy?atInstant={instant}").json
            check(f"occupancy {sensor} at {instant}", answer.get("inside"), sent.inside(sensor, at))

    for (building, room), readings in sorted(sent.temperature.items()):
        last = max(_instant(at) for at in readings)
        for duration, delta in (
            ("15m", timedelta(minutes=15)),
            ("3h", timedelta(hours=3)),
            ("1d", timedelta(days=1)),
            ("P7D", timedelta(days=7)),
        ):
            end = last - timedelta(minutes=7) + timedelta(seconds=1)
            path = (
                f"/api/v1/buildings/{building}/rooms/{room}/temperatures/average"
                f"?duration={duration}&end={end.strftime('%Y-%m-%dT%H:%M:%SZ')}"
            )
            answer = client.get(path).json
            got = answer.get("average_temperature")
            mean, count = sent.average(building, room, end, delta)
            check(
                f"average {building}/{room} {duration}",
                (None if got is None else Decimal(str(got)), answer.get("readings")),
                (mean, count),
            )

    for hotel_id in sorted({e["hotel_id"] for e in sent.bookings.values()}):
        answer = client.get(f"/api/dashboard?hotel_id={hotel_id}&year=2024&period=day").json
        got = {row["period"]: row["bookings"] for row in answer.get("values", []) if row["bookings"]}
        check(f"dashboard hotel {hotel_id}", got, sent.dashboard(hotel_id))
    return problems
