"""Seeded store-uptime input files for the chaos tests, and the brute-force report over them
(the offline engine, `python -m sitepulse.store_uptime.cli`, run on the very same bytes)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sitepulse.store_uptime.cli import main as offline_report

START = datetime(2023, 1, 18, tzinfo=UTC)
HEADER = "store_id,status,timestamp_utc\n"
TIMEZONES = ("America/Chicago", "America/New_York", "Asia/Tokyo", "Europe/Berlin", "America/Denver")


@dataclass(frozen=True)
class StoreFiles:
    polls: list[tuple[str, str]]  # (S3 key, CSV text)
    hours: tuple[str, str]
    timezones: tuple[str, str]
    now: str  # report instant

    def objects(self) -> list[tuple[str, str]]:
        return [*self.polls, self.hours, self.timezones]

    def reference_csv(self, workdir: Path, now: str | None = None) -> bytes:
        """The report the offline engine computes from these files (at `now`, default `self.now`)."""
        polls = workdir / "polls.csv"
        polls.write_text(
            "store_id,status,timestamp_utc\n" + "".join(text.split("\n", 1)[1] for _, text in self.polls),
            encoding="utf-8",
        )
        (workdir / "hours.csv").write_text(self.hours[1], encoding="utf-8")
        (workdir / "tz.csv").write_text(self.timezones[1], encoding="utf-8")
        out = workdir / "report.csv"
        args = ["--polls", str(polls), "--hours", str(workdir / "hours.csv"), "--tz", str(workdir / "tz.csv")]
        assert offline_report([*args, "--now", now or self.now, "--out", str(out)]) == 0
        return out.read_bytes()


def store_files(seed: int, stores: int, days: int, polls_per_hour: int, files: int) -> StoreFiles:
    """`stores` stores polled `polls_per_hour` times an hour for `days` days, split over `files`
    status files (hourly-poller style, in arbitrary order), with a few bad rows, duplicated polls
    across files, business hours for most stores and timezones for some."""
    rng = random.Random(seed)
    ids = [str(rng.randrange(10**17, 10**18)) for _ in range(stores)]
    rows: list[list[str]] = [[] for _ in range(files)]
    step = 3600 // polls_per_hour
    for store in ids:
        up = rng.random()
        for second in range(0, days * 86400, step):
            at = START + timedelta(seconds=second + rng.randrange(step))
            status = "active" if rng.random() < 0.6 + 0.4 * up else "inactive"
            line = f"{store},{status},{at.strftime('%Y-%m-%d %H:%M:%S.%f')} UTC\n"
            target = rng.randrange(files)
            rows[target].append(line)
            if rng.random() < 0.01:  # the poller sometimes delivers a poll twice
                rows[rng.randrange(files)].append(line)
    for part in rows:
        rng.shuffle(part)
        part.insert(rng.randrange(len(part) + 1), f"{ids[0]},sleeping,2023-01-19 00:00:00 UTC\n")  # rejected
    polls = [
        (
            f"incoming/store_status/2023-01-{18 + i:02d}T{i:02d}.csv",
            "store_id,status,timestamp_utc\n" + "".join(p),
        )
        for i, p in enumerate(rows)
    ]
    hours_lines = ["store_id,dayOfWeek,start_time_local,end_time_local\n"]
    for store in ids:
        if rng.random() < 0.2:
            continue  # open 24x7
        for day in range(7):
            if rng.random() < 0.85:
                start = rng.randrange(5, 12)
                hours_lines.append(
                    f"{store},{day},{start:02d}:00:00,{rng.randrange(start + 1, 24):02d}:30:00\n"
                )
    tz_lines = ["store_id,timezone_str\n"] + [
        f"{store},{rng.choice(TIMEZONES)}\n" for store in ids if rng.random() < 0.7
    ]
    end = START + timedelta(days=days)
    now = (end - timedelta(minutes=rng.randrange(1, 120))).strftime("%Y-%m-%dT%H:%M:%SZ")
    return StoreFiles(
        polls=polls,
        hours=("incoming/business_hours/menu_hours.csv", "".join(hours_lines)),
        timezones=("incoming/timezones/timezones.csv", "".join(tz_lines)),
        now=now,
    )
