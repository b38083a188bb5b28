"""Bookings demo data: hotel 1's 2024, posted through `POST /api/events` as the hotel's
reservation system would, out of order and with one retry, so the dashboard has shape; and
hotel 1's current year with seasonal and weekend peaks, so the console opens on real bars."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from local.demo.client import Demo, statuses
from local.demo.parallel_post import post_parallel


def bookings_demo(demo: Demo) -> str:
    rng = random.Random(1)  # noqa: S311 — pseudo-random demo/benchmark data, not a secret
    events: list[dict[str, Any]] = [
        # The classic example, then its cancellation a day later, sent cancellation first.
        {"id": 18, "hotel_id": 1, "event_timestamp": "2024-03-02T09:00:00Z", "status": 2,
         "room_reservation_id": "0013e338-0158-4d5c-8698-aebe00cba360", "night_of_stay": "2024-05-01"},
        {"id": 17, "hotel_id": 1, "timestamp": "2024-03-01T10:00:00Z", "rpg_status": 1,
         "room_id": "0013e338-0158-4d5c-8698-aebe00cba360", "night_of_stay": "2024-05-01"},
    ]  # fmt: skip
    for event_id in range(100, 220):
        night = date(2024, 1, 1) + timedelta(days=rng.randrange(366))
        booked_at = datetime(2023, 12, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(300_000))
        events.append(
            {
                "id": event_id,
                "hotel_id": 1,
                "timestamp": booked_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "rpg_status": 1 if rng.random() < 0.8 else 2,
                "room_id": f"demo-room-{rng.randrange(12):02d}",
                "night_of_stay": night.isoformat(),
            }
        )
    events.append(events[5])  # a retry after a timeout: 200, counted once
    counts = demo.post_all("/api/events", events)
    year = datetime.now(UTC).year
    this_year = hotel_year(year, rng)  # a season's shape for the console's default year
    counts += post_parallel(demo, [("/api/events", event) for event in this_year])
    return (
        f"bookings: {len(events)} events of hotel 1 for 2024 (one a retry) and {len(this_year)} for {year} "
        f"[{statuses(counts)}]"
    )


def hotel_year(year: int, rng: random.Random, events: int = 300, rooms: int = 24) -> list[dict[str, Any]]:
    """Bookings for the nights of `year`, busier in summer and at weekends, 15 % later cancelled."""
    now = datetime.now(UTC).replace(microsecond=0)
    first = date(year, 1, 1)
    nights = [first + timedelta(days=d) for d in range((date(year + 1, 1, 1) - first).days)]
    weights = [
        1
        + 1.5 * math.exp(-(((night.timetuple().tm_yday - 200) / 45) ** 2))
        + (0.6 if night.weekday() >= 4 else 0)
        for night in nights
    ]
    out: list[dict[str, Any]] = []
    for night in rng.choices(nights, weights, k=events):
        midnight = datetime.combine(night, datetime.min.time(), UTC)
        # Booked up to 90 days ahead, never in the future (the API refuses that).
        booked_at = min(midnight - timedelta(minutes=rng.randrange(60, 130_000)), now - timedelta(hours=2))
        booking = {
            "id": 10_000 + len(out),
            "hotel_id": 1,
            "timestamp": booked_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "rpg_status": 1,
            "room_id": f"demo-room-{rng.randrange(rooms):02d}",
            "night_of_stay": night.isoformat(),
        }
        out.append(booking)
        if rng.random() < 0.15:
            cancelled_at = min(booked_at + timedelta(minutes=rng.randrange(1, 20_000)), now)
            out.append(
                booking
                | {
                    "id": 10_000 + len(out),
                    "rpg_status": 2,
                    "timestamp": cancelled_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
            )
    return out
