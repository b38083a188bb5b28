"""The project's store data generator (local demo and benchmarks): deterministic, every shape of
business hours the product handles, hourly polls with outages, files our own parsers accept."""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from local.demo.store_data import (
    DEMO,
    FULL_SCALE,
    HOURS_SHAPES,
    StoreDataSpec,
    cached_dataset,
    generate_polls,
    generate_stores,
    hourly_status_files,
    hours_csv,
    timezones_csv,
    write_dataset,
)
from sitepulse.ingest.csv_lines import RowError
from sitepulse.store_uptime.csv_input.csv_rows import (
    iter_business_hours,
    iter_status_polls,
    iter_timezones,
    read_hours_by_store,
    read_polls_by_store,
    read_timezones_by_store,
)
from tests.unit.store_uptime.engine.scalar_oracle import build_report

HOUR = timedelta(hours=1)


@pytest.fixture(scope="module")
def stores():
    return generate_stores(DEMO)


@pytest.fixture(scope="module")
def hourly(stores):
    return hourly_status_files(DEMO, stores)


def _parse_all(iterator) -> list:
    records = list(iterator)
    errors = [record for record in records if isinstance(record, RowError)]
    assert errors == []
    return records


def _polls(hourly) -> list:
    return [poll for _, text in hourly for poll in _parse_all(iter_status_polls(io.BytesIO(text.encode())))]


def _digest(spec: StoreDataSpec) -> str:
    stores = generate_stores(spec)
    digest = hashlib.sha256(hours_csv(stores).encode() + timezones_csv(stores).encode())
    for name, text in hourly_status_files(spec, stores):
        digest.update(name.encode() + text.encode())
    return digest.hexdigest()


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes() -> None:
    assert _digest(DEMO) == _digest(replace(DEMO))
    assert _digest(replace(DEMO, seed=DEMO.seed + 1)) != _digest(DEMO)


def test_the_full_file_is_byte_identical_across_runs(tmp_path: Path) -> None:
    spec = replace(FULL_SCALE, stores=40)
    first, second = write_dataset(tmp_path / "a", spec), write_dataset(tmp_path / "b", spec)
    for name in ("polls", "hours", "timezones"):
        assert getattr(first, name).read_bytes() == getattr(second, name).read_bytes()
    assert first.poll_count == len(first.polls.read_text().splitlines()) - 1


def test_a_store_is_the_same_whatever_the_number_of_stores() -> None:
    """So the demo is the first stores of the full-scale set, and a small set shows what a
    large one holds."""
    small, large = generate_stores(replace(DEMO, stores=20)), generate_stores(replace(DEMO, stores=60))
    assert large[:20] == small


def test_the_demo_has_300_distinct_numeric_store_ids(stores) -> None:
    ids = [store.store_id for store in stores]
    assert len(ids) == len(set(ids)) == 300
    assert all(store_id.isdigit() for store_id in ids)


def test_every_shape_of_business_hours_is_there(stores) -> None:
    shapes = Counter(store.shape for store in stores)
    assert set(shapes) == set(HOURS_SHAPES)
    rows = [row for store in stores for row in store.hours]
    assert any(row.end < row.start for row in rows)  # overnight in one row
    assert any(row.end == row.start for row in rows)  # 24 hours from start
    assert any(row.start == "00:00:00" and row.end.startswith("23:59") for row in rows)  # all day
    per_day = Counter((store.store_id, row.day) for store in stores for row in store.hours)
    assert max(per_day.values()) >= 2  # several intervals a day
    closed = [store for store in stores if store.hours and len({row.day for row in store.hours}) < 7]
    assert closed  # closed days: no rows for them
    no_hours = [store for store in stores if not store.hours]
    assert 0.1 < len(no_hours) / len(stores) < 0.3  # about a fifth, as in the public dataset


def test_stores_without_timezone_and_zones_with_and_without_dst(stores) -> None:
    zones = Counter(store.timezone for store in stores)
    assert zones[None] >= 1
    named = [ZoneInfo(zone) for zone in zones if zone is not None]
    january, july = datetime(2023, 1, 15, tzinfo=UTC), datetime(2023, 7, 15, tzinfo=UTC)
    with_dst = [
        zone for zone in named if january.astimezone(zone).utcoffset() != july.astimezone(zone).utcoffset()
    ]
    assert len(with_dst) >= 3
    assert len(with_dst) < len(named)  # Phoenix, Honolulu: no DST
    assert zones.most_common(1)[0][0] == "America/New_York"  # as in the public dataset
    # As there: a store without a timezone row has no business hours either.
    assert all(not store.hours for store in stores if store.timezone is None)


def test_every_file_parses_with_our_own_parsers_without_a_rejected_row(stores, hourly) -> None:
    hours = _parse_all(iter_business_hours(io.BytesIO(hours_csv(stores).encode())))
    zones = _parse_all(iter_timezones(io.BytesIO(timezones_csv(stores).encode())))
    assert len(hours) == sum(len(store.hours) for store in stores)
    assert len(zones) == sum(store.timezone is not None for store in stores)
    polls = _polls(hourly)
    assert {poll.store_id for poll in polls} == {store.store_id for store in stores}


def test_one_file_per_utc_hour_of_the_window_each_holding_only_its_hour(hourly) -> None:
    hours = int((DEMO.end - DEMO.start.replace(minute=0)) / HOUR) + 1
    assert len(hourly) == hours == 187  # the start-up ingestion reads these and two more files
    for name, text in hourly:
        hour = datetime.strptime(name, "store_status_%Y%m%dT%H00Z.csv").replace(tzinfo=UTC)
        stamps = [poll.epoch_us for poll in _parse_all(iter_status_polls(io.BytesIO(text.encode())))]
        assert stamps == sorted(stamps)
        assert hour.timestamp() * 1e6 <= stamps[0] and stamps[-1] < (hour + HOUR).timestamp() * 1e6


def test_polls_are_hourly_ish_within_the_window(hourly) -> None:
    polls = _polls(hourly)
    start_us, end_us = DEMO.start.timestamp() * 1e6, DEMO.end.timestamp() * 1e6
    assert all(start_us <= poll.epoch_us <= end_us for poll in polls)
    days = (DEMO.end - DEMO.start) / timedelta(days=1)
    per_store_per_day = len(polls) / 300 / days
    assert 17 < per_store_per_day < 23  # about 20, as in the public dataset's full file
    by_store: dict[str, list[int]] = {}
    for poll in polls:
        by_store.setdefault(poll.store_id, []).append(poll.epoch_us)
    gaps = sorted(b - a for times in by_store.values() for a, b in pairwise(times))
    median_gap_h = gaps[len(gaps) // 2] / 3.6e9
    assert 0.8 < median_gap_h < 1.2
    # Polls come early in the hour, as the public dataset's do.
    minutes = Counter(datetime.fromtimestamp(poll.epoch_us / 1e6, UTC).minute < 10 for poll in polls)
    assert 0.6 < minutes[True] / len(polls) < 0.85


def test_outages_exist_and_leave_some_stores_far_worse_than_others(stores, hourly) -> None:
    polls = _polls(hourly)
    inactive = sum(not poll.is_active for poll in polls)
    assert 0.02 < inactive / len(polls) < 0.1
    assert sum(bool(store.outages) for store in stores) > 150
    # A run of several inactive polls in a row: an outage, not a blip.
    by_store: dict[str, list[tuple[int, bool]]] = {}
    for poll in polls:
        by_store.setdefault(poll.store_id, []).append((poll.epoch_us, poll.is_active))
    longest = max(_longest_inactive_run(sorted(store_polls)) for store_polls in by_store.values())
    assert longest >= 12


def _longest_inactive_run(polls: list[tuple[int, bool]]) -> int:
    longest = run = 0
    for _, active in polls:
        run = 0 if active else run + 1
        longest = max(longest, run)
    return longest


def test_the_report_over_the_demo_ranks_stores_by_downtime(stores, hourly) -> None:
    """What the console's "most downtime" table shows: a spread, not 300 equal rows."""
    polls_text = "store_id,status,timestamp_utc\n" + "".join(text.split("\n", 1)[1] for _, text in hourly)
    rows = build_report(
        read_polls_by_store(io.BytesIO(polls_text.encode())),
        read_hours_by_store(io.BytesIO(hours_csv(stores).encode())),
        read_timezones_by_store(io.BytesIO(timezones_csv(stores).encode())),
    )
    assert len(rows) == 300
    weekly = sorted((row.downtime_last_week for row in rows), reverse=True)
    assert weekly[0] >= 24  # the worst store was down a day or more of its business hours
    assert weekly[150] < 5  # half of the stores lost less than a few hours
    assert sum(down > 0 for down in weekly) > 100


def test_the_benchmark_cache_is_generated_once_and_named_by_the_spec(tmp_path: Path) -> None:
    spec = replace(FULL_SCALE, stores=10)
    first = cached_dataset(tmp_path, spec)
    assert first.polls.parent.name == spec.cache_name and first.stores == 10
    stamp = first.polls.stat().st_mtime_ns
    assert cached_dataset(tmp_path, spec) == first
    assert first.polls.stat().st_mtime_ns == stamp  # not written again
    assert replace(spec, seed=1).cache_name != spec.cache_name


def test_full_scale_is_the_size_of_the_public_dataset() -> None:
    assert FULL_SCALE.stores == 13_600
    sample = replace(FULL_SCALE, stores=500)
    polls = generate_polls(sample, generate_stores(sample))
    assert 2.0e6 < len(polls) * FULL_SCALE.stores / 500 < 2.3e6  # about 2.15 M polls


@pytest.mark.parametrize(
    "bad",
    [
        {"stores": 0},
        {"stores": 70_000},
        {"end": DEMO.start},
        {"start": datetime(2023, 1, 18)},  # naive
    ],
)
def test_a_bad_spec_is_refused(bad) -> None:
    with pytest.raises(ValueError):
        replace(DEMO, **bad)


def test_a_window_across_a_dst_change_still_gives_hourly_utc_files() -> None:
    spec = StoreDataSpec(
        stores=5, start=datetime(2023, 3, 10, tzinfo=UTC), end=datetime(2023, 3, 14, 12, 30, tzinfo=UTC)
    )
    files = hourly_status_files(spec, generate_stores(spec))
    names = [name for name, _ in files]
    assert len(names) == len(set(names)) and names == sorted(names)
    assert names[0] == "store_status_20230310T0000Z.csv" and names[-1] == "store_status_20230314T1200Z.csv"
