"""A store-uptime data set with the awkward cases, as CSV files, and its offline report."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sitepulse.store_uptime.csv_input.csv_rows import (
    read_hours_by_store,
    read_polls_by_store,
    read_timezones_by_store,
)
from sitepulse.store_uptime.engine.timestamps import datetime_to_us
from sitepulse.store_uptime.report.rows import report_csv_bytes
from tests.unit.store_uptime.engine.scalar_oracle import build_report

END = datetime(2023, 1, 25, 18, 13, 22, tzinfo=UTC)
TIMEZONES = ("America/Chicago", "America/New_York", "Asia/Beirut", "Europe/Berlin", "America/Denver")


@dataclass
class Scenario:
    polls: str
    hours: str
    timezones: str

    def offline_report(self, now_us: int | None = None) -> bytes:
        """What the offline engine (`sitepulse.store_uptime.cli`) makes of the same files."""
        polls = read_polls_by_store(io.BytesIO(self.polls.encode()))
        hours = read_hours_by_store(io.BytesIO(self.hours.encode()))
        zones = read_timezones_by_store(io.BytesIO(self.timezones.encode()))
        return report_csv_bytes(build_report(polls, hours, zones, now_us))


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f") + " UTC"


def build_scenario(stores: int = 40, seed: int = 11, prefix: str = "") -> Scenario:
    """Hourly-ish polls over 30 days for most stores, plus stores that need the bounded
    look-back: a long gap before the week, only very old polls, only recent polls."""
    rng = random.Random(seed)
    start = END - timedelta(days=30)
    rows: list[str] = []
    ids = [f"{prefix}{rng.getrandbits(60)}" for _ in range(stores)]
    for store in ids:
        active = True
        moment = start + timedelta(minutes=rng.randrange(60))
        while moment <= END:
            if rng.random() < 0.1:
                active = not active
            if rng.random() > 0.2:
                rows.append(f"{store},{'active' if active else 'inactive'},{_stamp(moment)}")
            moment += timedelta(minutes=rng.randrange(40, 80))
    special = {
        f"{prefix}gap-before-week": [END - timedelta(days=12), END - timedelta(days=5)],
        f"{prefix}only-old-polls": [END - timedelta(days=25), END - timedelta(days=20, hours=3)],
        f"{prefix}only-new-polls": [END - timedelta(hours=30), END - timedelta(hours=2)],
        f"{prefix}at-window-start": [END - timedelta(days=7), END - timedelta(days=1)],
        f"{prefix}after-every-now": [END + timedelta(hours=1)],
    }
    for store, moments in special.items():
        for index, moment in enumerate(moments):
            rows.append(f"{store},{'inactive' if index % 2 else 'active'},{_stamp(moment)}")
    rows.append(f"{prefix}latest,active,{_stamp(END + timedelta(hours=1))}")
    rng.shuffle(rows)
    hours = ["store_id,day,start_time_local,end_time_local"]
    zones = ["store_id,timezone_str"]
    for index, store in enumerate(ids + list(special)):
        if index % 4 == 0:
            continue  # no hours: open 24x7
        for day in rng.sample(range(7), rng.randrange(3, 8)):
            opens = rng.randrange(0, 20)
            hours.append(f"{store},{day},{opens:02d}:00:00,{(opens + rng.randrange(2, 14)) % 24:02d}:30:00")
        if index % 3:
            zones.append(f"{store},{TIMEZONES[index % len(TIMEZONES)]}")
    return Scenario(
        "store_id,status,timestamp_utc\n" + "\n".join(rows) + "\n",
        "\n".join(hours) + "\n",
        "\n".join(zones) + "\n",
    )


def now_us_of(moment: datetime) -> int:
    return datetime_to_us(moment)
