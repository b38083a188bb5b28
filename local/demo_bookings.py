"""Bookings demo data: hotel 1's 2024, posted through `POST /api/events` as the hotel's
reservation system would, out of order and with one retry, so the dashboard has shape."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from local.demo_client import Demo, statuses


def bookings_demo(demo: Demo) -> str:
    rng = random.Random(1)
    events: list[dict[str, Any]] = [
        # The SPEC's example, then its cancellation a day later, sent cancellation first.
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
    return f"bookings: {len(events)} events of hotel 1 for 2024, one a retry [{statuses(counts)}]"
