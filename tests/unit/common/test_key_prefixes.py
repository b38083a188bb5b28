"""Every key prefix has one meaning across all tables (docs/architecture.md, "Key prefixes"), built by the
repositories' own key functions, so a new key that reuses a prefix for something else fails here."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from sitepulse.alerts import repository as alerts
from sitepulse.bookings import repository as bookings
from sitepulse.bookings.transitions import BookingEvent
from sitepulse.occupancy import repository as occupancy
from sitepulse.occupancy.buckets import buckets_of
from sitepulse.store_uptime.storage import keys as stores
from sitepulse.temperature import repository as temperature

AT = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
EVENT = BookingEvent(
    id=1, hotel_id=7, timestamp=AT, rpg_status=1, room_id="r1", night_of_stay=date(2024, 5, 1)
)


def keys_by_meaning() -> dict[str, list[str]]:
    names = buckets_of(AT)
    return {
        "occupancy sensor": [occupancy._sensor_pk("s1"), occupancy._events_pk("s1", AT)],
        "occupancy in/out report": [occupancy._event_sk(AT)],
        "occupancy month of days": [names.month_key],
        "occupancy day of hours": [names.day_key],
        "occupancy hour of minutes": [names.hour_key],
        "temperature room": [temperature.room_pk("b1", "r1"), temperature.summary_sk("r1")],
        "temperature building": [temperature.building_pk("b1")],
        "temperature reading": [temperature.reading_sk(AT)],
        "temperature hour bucket": [temperature.bucket_sk(AT)],
        "booking event": [bookings._event_pk(1)],
        "hotel": [bookings._hotel_pk(7)],
        "reservation-night": [bookings._state_key(EVENT)["pk"]["S"]],
        "hotel-year day counters": [bookings._counter_pk(7, 2024)],
        "store poll block": [stores.poll_block_pk(3, 19_000)],
        "store registry": [stores.registry_pk(3)],
        "registered store": [stores.registry_sk("st1", 19_000)],
        "poll-day index": [stores.poll_day_sk(19_000, "obj", 0)],
        "store business hours": [stores.hours_pk(3)],
        "store timezone": [stores.timezone_pk(3)],
        "alert rule": [alerts.alert_pk("al_0")],
        "alert transition": [alerts.transition_sk(1)],
        "alert delivery": [alerts.delivery_sk(1)],
        "alert create key": [alerts.create_key_pk("key", "digest")],
        "alert target": [alerts.target_key("occupancy_above", {"sensor": "s1"})],
    }


def test_each_prefix_has_one_meaning() -> None:
    meanings: defaultdict[str, set[str]] = defaultdict(set)
    for meaning, built in keys_by_meaning().items():
        for key in built:
            assert "#" in key, key
            meanings[key.split("#", 1)[0] + "#"].add(meaning)
    shared = {prefix: sorted(found) for prefix, found in meanings.items() if len(found) > 1}
    assert shared == {}
    assert "H#" not in meanings  # once hotel, hour bucket and business hours
