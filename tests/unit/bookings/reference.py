"""Brute-force oracle for the dashboard, and random event streams to feed it.

The oracle recomputes bookings from the raw events alone: per (hotel, room, night) keep the
event with the greatest (timestamp, id); it is a booking when that event has rpg_status 1.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sitepulse.common.timestamps import parse_instant


def _order_key(event: dict[str, Any]) -> tuple[datetime, int]:
    return parse_instant(event["timestamp"]), int(event["id"])


def latest_per_night(events: list[dict[str, Any]]) -> dict[tuple[int, str, str], dict[str, Any]]:
    latest: dict[tuple[int, str, str], dict[str, Any]] = {}
    for event in events:
        key = (event["hotel_id"], event["room_id"], event["night_of_stay"])
        if key not in latest or _order_key(event) > _order_key(latest[key]):
            latest[key] = event
    return latest


def expected_values(
    events: list[dict[str, Any]], hotel_id: int, year: int, period: str
) -> list[dict[str, Any]]:
    """The dashboard's `values` as the API defines them, computed from scratch."""
    booked: Counter[str] = Counter()
    for (hotel, _, night), event in latest_per_night(events).items():
        if hotel == hotel_id and event["rpg_status"] == 1 and night.startswith(f"{year:04d}-"):
            booked[night] += 1
    first = date(year, 1, 1)
    totals: dict[str, int] = {}
    for offset in range((date(year + 1, 1, 1) - first).days):
        night = (first + timedelta(days=offset)).isoformat()
        label = {"day": night, "month": night[:7], "year": night[:4]}[period]
        totals[label] = totals.get(label, 0) + booked[night]
    return [{"period": label, "bookings": count} for label, count in totals.items()]


def random_stream(
    rng: random.Random,
    *,
    hotel_id: int,
    events: int,
    rooms: int,
    nights: list[str],
    first_id: int = 1,
    instants: int = 50,
    duplicates: float = 0.1,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(distinct events, arrival order): few rooms, nights and instants so that events of one
    reservation-night collide, share timestamps (the id decides) and arrive out of order; a
    share of them is sent twice."""
    base = datetime(2024, 1, 1, tzinfo=UTC)
    stamps = [base + timedelta(minutes=rng.randrange(0, 60 * 24 * 200)) for _ in range(instants)]
    room_ids = [f"room-{hotel_id}-{n}" for n in range(rooms)]
    distinct = [
        {
            "id": first_id + n,
            "hotel_id": hotel_id,
            "timestamp": rng.choice(stamps).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "rpg_status": rng.choice((1, 2)),
            "room_id": rng.choice(room_ids),
            "night_of_stay": rng.choice(nights),
        }
        for n in range(events)
    ]
    arrivals = distinct + rng.sample(distinct, int(len(distinct) * duplicates))
    rng.shuffle(arrivals)
    return distinct, arrivals
