"""Hourly ingestion (IngestFunction) on moto: every object exactly once, whatever happens."""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sitepulse.common.aws import dynamodb
from sitepulse.ingest.ledger import IngestionLedger
from sitepulse.ingest.objects import IncomingObject
from sitepulse.store_uptime.csv_input.csv_rows import read_polls_by_store
from sitepulse.store_uptime.storage.poll_blocks import unpack_block
from sitepulse.store_uptime.storage.writer import decode_hours
from tests.unit.store_uptime.conftest import (
    Clock,
    bucket_objects,
    fail_after,
    long_context,
    make_runner,
    polls_csv,
    put,
    table_items,
    wipe,
    wipe_bucket,
)

START = datetime(2023, 1, 18, tzinfo=UTC)


def status_rows(count: int, *, stores: int = 30, seed: int = 1, days: int = 8) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    ids = [str(rng.getrandbits(62)) for _ in range(stores)]
    rows = []
    for _ in range(count):
        moment = START + timedelta(seconds=rng.uniform(0, days * 86400))
        stamp = moment.strftime("%Y-%m-%d %H:%M:%S.%f")[: 20 + rng.randrange(7)].rstrip(".") + " UTC"
        rows.append((rng.choice(ids), "active" if rng.random() < 0.8 else "inactive", stamp))
    return rows


def stored_polls(ddb: Any, table: str) -> dict[str, list[int]]:
    polls: defaultdict[str, list[int]] = defaultdict(list)
    for item in table_items(ddb, table):
        if item["pk"]["S"].startswith("P#"):
            for store_id, values in unpack_block(item["b"]["B"]):
                polls[store_id].extend(values)
    return {store: sorted(values) for store, values in polls.items()}


def ledger_item(ddb: Any, env: dict[str, str], key: str) -> dict[str, Any]:
    items = [i for i in table_items(ddb, env["INGESTION_TABLE"]) if i["pk"]["S"] == key]
    assert len(items) == 1
    return {name: next(iter(value.values())) for name, value in items[0].items()}


def state(ddb: Any, s3: Any, env: dict[str, str]) -> tuple[Any, ...]:
    """Everything ingestion produces, except run-specific ledger fields (owners, times, attempts)."""
    ledger = [
        {
            k: v
            for k, v in item.items()
            if k in ("pk", "sk", "status", "accepted", "rejected", "kind", "rejected_key")
        }
        for item in table_items(ddb, env["INGESTION_TABLE"])
    ]
    return (
        table_items(ddb, env["STORES_TABLE"]),
        bucket_objects(s3, env["DATA_BUCKET"], "rejected/"),
        bucket_objects(s3, env["DATA_BUCKET"], "ingest-work/"),
        ledger,
    )


def reset(ddb: Any, s3: Any, env: dict[str, str]) -> None:
    wipe(ddb, env["STORES_TABLE"])
    wipe(ddb, env["INGESTION_TABLE"])
    wipe_bucket(s3, env["DATA_BUCKET"], "rejected/")
    wipe_bucket(s3, env["DATA_BUCKET"], "ingest-work/")


def big_status_file() -> str:
    rows = status_rows(3_000, stores=12, seed=7, days=2)
    for index in (10, 1_500, 2_990):  # bad rows in several segments
        store, _, stamp = rows[index]
        rows[index] = (store, "unknown", stamp)
    return polls_csv(rows)


def test_status_file_is_stored_and_recorded(
    load_function: Any, s3: Any, ddb: Any, env: dict[str, str]
) -> None:
    text = polls_csv(status_rows(500))
    put(s3, env["DATA_BUCKET"], "incoming/store_status/2023-01-25T18.csv", text)
    result = load_function("IngestFunction").handler({}, long_context())

    [outcome] = result["objects"]
    assert (outcome["status"], outcome["accepted"], outcome["rejected"]) == ("Done", 500, 0)
    expected = read_polls_by_store(io.BytesIO(text.encode()))
    assert stored_polls(ddb, env["STORES_TABLE"]) == {k: sorted(v) for k, v in expected.items()}
    entry = ledger_item(ddb, env, "incoming/store_status/2023-01-25T18.csv")
    assert entry["status"] == "Done" and int(entry["accepted"]) == 500 and "lease_owner" not in entry
    assert int(entry["duration_ms"]) >= 0 and entry["finished_at"].endswith("Z")
    latest = max(v >> 1 for polls in expected.values() for v in polls)
    [marker] = [i for i in table_items(ddb, env["STORES_TABLE"]) if i["pk"]["S"] == "LATEST"]
    assert int(marker["ts_us"]["N"]) == latest


def test_a_second_run_does_nothing(load_function: Any, s3: Any, ddb: Any, env: dict[str, str]) -> None:
    put(s3, env["DATA_BUCKET"], "incoming/store_status/a.csv", polls_csv(status_rows(200)))
    handler = load_function("IngestFunction").handler
    handler({}, long_context())
    before = state(ddb, s3, env)
    writes: list[str] = []
    client = dynamodb()
    for operation in ("BatchWriteItem", "PutItem", "UpdateItem"):
        client.meta.events.register(
            f"before-call.dynamodb.{operation}", lambda **kw: writes.append("w"), "spy" + operation
        )
    try:
        again = handler({}, long_context())
    finally:
        for operation in ("BatchWriteItem", "PutItem", "UpdateItem"):
            client.meta.events.unregister(f"before-call.dynamodb.{operation}", unique_id="spy" + operation)
    assert again["objects"] == [] and again["waiting"] == 0
    assert writes == []
    assert state(ddb, s3, env) == before


def test_crash_after_some_batches_then_rerun_ends_in_the_clean_state(
    load_function: Any, s3: Any, ddb: Any, env: dict[str, str]
) -> None:
    key = "incoming/store_status/big.csv"
    put(s3, env["DATA_BUCKET"], key, big_status_file())
    module = load_function("IngestFunction")
    module.runner = make_runner(env, segment_bytes=8_192)
    with fail_after(dynamodb(), "BatchWriteItem", 10**9) as batches:
        clean = module.handler({}, long_context())
    assert clean["objects"][0]["segments"] > 5
    clean_state = state(ddb, s3, env)
    reset(ddb, s3, env)

    crashed = load_function("IngestFunction")
    crashed.runner = make_runner(env, segment_bytes=8_192)
    with (
        fail_after(dynamodb(), "BatchWriteItem", batches["calls"] // 2),
        pytest.raises(RuntimeError, match="injected"),
    ):
        crashed.handler({}, long_context())
    midway = ledger_item(ddb, env, key)
    assert midway["status"] == "Processing" and int(midway["lease_expires"]) == 0  # released for the next run
    assert 0 < int(midway["segments_done"]) < clean["objects"][0]["segments"]
    assert "injected crash" in midway["last_error"]

    rerun = load_function("IngestFunction")
    rerun.runner = make_runner(env, segment_bytes=8_192)
    result = rerun.handler({}, long_context())
    [outcome] = result["objects"]
    assert (outcome["accepted"], outcome["rejected"]) == (2_997, 3)
    assert state(ddb, s3, env) == clean_state


def test_a_hard_crash_is_taken_over_when_its_lease_expires(s3: Any, ddb: Any, env: dict[str, str]) -> None:
    key = "incoming/store_status/big.csv"
    put(s3, env["DATA_BUCKET"], key, big_status_file())
    make_runner(env, segment_bytes=8_192).run(lambda: 900_000)
    clean_state = state(ddb, s3, env)
    reset(ddb, s3, env)

    clock = Clock()
    dying = make_runner(env, segment_bytes=8_192, clock=clock)
    dying._ledger.release = lambda *args, **kwargs: None  # a killed process cannot give its lease back
    with fail_after(dynamodb(), "BatchWriteItem", 5), pytest.raises(RuntimeError):
        dying.run(lambda: 900_000)

    too_early = make_runner(env, segment_bytes=8_192, clock=clock).run(lambda: 900_000)
    assert too_early.objects == [] and too_early.waiting == 1

    clock.now += 961  # past the lease
    later = make_runner(env, segment_bytes=8_192, clock=clock).run(lambda: 900_000)
    assert [o.status for o in later.objects] == ["Done"]
    assert state(ddb, s3, env) == clean_state


def test_time_budget_pauses_between_segments_and_the_next_run_continues(
    s3: Any, ddb: Any, env: dict[str, str]
) -> None:
    key = "incoming/store_status/big.csv"
    put(s3, env["DATA_BUCKET"], key, big_status_file())
    put(s3, env["DATA_BUCKET"], "incoming/store_status/later.csv", polls_csv(status_rows(50, seed=9)))
    make_runner(env, segment_bytes=8_192).run(lambda: 900_000)
    clean_state = state(ddb, s3, env)
    reset(ddb, s3, env)

    budget = iter([900_000] + [10_000] * 100)  # enough to claim, then too little for another segment
    first = make_runner(env, segment_bytes=8_192).run(lambda: next(budget))
    assert [o.status for o in first.objects] == ["Paused"] and first.stopped_early and first.waiting == 2
    assert int(ledger_item(ddb, env, key)["segments_done"]) == 1

    nothing = make_runner(env, segment_bytes=8_192).run(lambda: 60_000)  # too little time to claim
    assert nothing.objects == [] and nothing.stopped_early

    second = make_runner(env, segment_bytes=8_192).run(lambda: 900_000)
    assert [o.status for o in second.objects] == ["Done", "Done"]
    assert state(ddb, s3, env) == clean_state


def test_bad_rows_go_to_the_errors_file_with_line_numbers(s3: Any, ddb: Any, env: dict[str, str]) -> None:
    text = (
        "store_id,status,timestamp_utc\n"
        "s1,active,2023-01-25 10:00:00 UTC\n"
        "s1,sleeping,2023-01-25 11:00:00 UTC\n"
        "\n"
        "s2,active,yesterday\n"
        ",active,2023-01-25 11:00:00 UTC\n"
        "s3,active\n"
        "s3,inactive,2023-01-25T12:00:00Z\n"
    )
    key = "incoming/store_status/mixed.csv"
    put(s3, env["DATA_BUCKET"], key, text)
    [outcome] = make_runner(env, segment_bytes=40).run(lambda: 900_000).objects  # one line per segment
    assert (outcome.status, outcome.accepted, outcome.rejected) == ("Done", 2, 4)
    errors = (
        s3.get_object(Bucket=env["DATA_BUCKET"], Key=f"rejected/{key}.errors.csv")["Body"].read().decode()
    )
    lines = errors.splitlines()
    assert lines[0] == "line,reason,raw"
    assert [line.split(",", 1)[0] for line in lines[1:]] == ["3", "5", "6", "7"]
    assert (
        "sleeping" in lines[1] and "timestamp" in lines[2] and "store_id" in lines[3] and "fields" in lines[4]
    )
    assert bucket_objects(s3, env["DATA_BUCKET"], "ingest-work/") == {}
    entry = ledger_item(ddb, env, key)
    assert (int(entry["accepted"]), int(entry["rejected"]), entry["rejected_key"]) == (
        2,
        4,
        f"rejected/{key}.errors.csv",
    )


def test_bom_crlf_and_any_column_order_are_read(s3: Any, ddb: Any, env: dict[str, str]) -> None:
    text = (
        "\ufeffTimestamp_UTC , STATUS,store_id\r\n"
        "2023-01-25 10:00:00.5 UTC,inactive,s9\r\n"
        "2023-01-25T11:00:00,active,s9\r\n"
    )
    put(s3, env["DATA_BUCKET"], "incoming/store_status/bom.csv", text.encode("utf-8"))
    [outcome] = make_runner(env).run(lambda: 900_000).objects
    assert (outcome.accepted, outcome.rejected) == (2, 0)
    stamp = int(datetime(2023, 1, 25, 10, tzinfo=UTC).timestamp()) * 1_000_000
    assert stored_polls(ddb, env["STORES_TABLE"]) == {
        "s9": [(stamp + 500_000) * 2, (stamp + 3_600_000_000) * 2 + 1]
    }


def test_a_file_without_the_required_columns_is_failed_with_the_reason(s3: Any, env: dict[str, str]) -> None:
    put(s3, env["DATA_BUCKET"], "incoming/store_status/wrong.csv", "store,state,when\ns1,active,2023-01-25\n")
    put(s3, env["DATA_BUCKET"], "incoming/store_status/empty.csv", "")
    outcomes = {o.key: o for o in make_runner(env).run(lambda: 900_000).objects}
    for key in ("incoming/store_status/wrong.csv", "incoming/store_status/empty.csv"):
        assert outcomes[key].status == "Failed" and "missing required column" in outcomes[key].error
        errors = (
            s3.get_object(Bucket=env["DATA_BUCKET"], Key=f"rejected/{key}.errors.csv")["Body"].read().decode()
        )
        [header, row] = list(csv.reader(io.StringIO(errors)))
        assert header == ["line", "reason", "raw"]
        assert row[0] == "1" and row[1].startswith("missing required column")
    assert make_runner(env).run(lambda: 900_000).objects == []  # not retried: a new upload gets a new ETag


def hours_csv(rows: list[tuple[str, int, str, str]], day_column: str = "day") -> str:
    return f"store_id,{day_column},start_time_local,end_time_local\n" + "".join(
        f"{store},{day},{start},{end}\n" for store, day, start, end in rows
    )


def stored_hours(ddb: Any, env: dict[str, str]) -> dict[str, list[tuple[int, int, int]]]:
    return {
        item["sk"]["S"]: [tuple(i) for i in decode_hours(item["iv"]["S"])]
        for item in table_items(ddb, env["STORES_TABLE"])
        if item["pk"]["S"].startswith("BH#")
    }


def test_a_business_hours_file_replaces_the_week_of_the_stores_it_mentions(
    s3: Any, ddb: Any, env: dict[str, str]
) -> None:
    bucket = env["DATA_BUCKET"]
    put(
        s3,
        bucket,
        "incoming/business_hours/a.csv",
        hours_csv([("A", 0, "09:00", "17:00"), ("A", 1, "09:00", "17:00"), ("B", 2, "10:00:00", "02:00:00")]),
    )
    make_runner(env).run(lambda: 900_000)
    put(
        s3,
        bucket,
        "incoming/business_hours/b.csv",
        hours_csv([("A", 4, "08:00", "12:00"), ("A", 4, "13:00", "18:00")], "dayOfWeek"),
    )
    make_runner(env).run(lambda: 900_000)
    assert stored_hours(ddb, env) == {
        "A": [(4, 28800, 43200), (4, 46800, 64800)],  # replaced: Monday and Tuesday are gone
        "B": [(2, 36000, 7200)],  # not mentioned: untouched
    }  # fmt: skip


def test_a_crash_while_replacing_hours_never_leaves_a_store_with_half_a_week(
    s3: Any, ddb: Any, env: dict[str, str]
) -> None:
    bucket = env["DATA_BUCKET"]
    stores = [f"store-{i:03d}" for i in range(120)]
    old = [(s, day, "09:00", "17:00") for s in stores for day in range(7)]
    new = [(s, day, "06:00", "23:00") for s in stores for day in (0, 2, 4)]
    put(s3, bucket, "incoming/business_hours/1.csv", hours_csv(old))
    make_runner(env).run(lambda: 900_000)
    put(s3, bucket, "incoming/business_hours/2.csv", hours_csv(new))
    with fail_after(dynamodb(), "BatchWriteItem", 2), pytest.raises(RuntimeError):
        make_runner(env).run(lambda: 900_000)
    old_week = [(day, 32400, 61200) for day in range(7)]
    new_week = [(day, 21600, 82800) for day in (0, 2, 4)]
    midway = stored_hours(ddb, env)
    assert set(midway) == set(stores)
    assert all(week in (old_week, new_week) for week in midway.values())
    assert 0 < sum(week == new_week for week in midway.values()) < len(stores)
    make_runner(env).run(lambda: 900_000)
    assert stored_hours(ddb, env) == dict.fromkeys(stores, new_week)


def test_replacing_files_wait_for_an_earlier_one_held_by_another_run(
    s3: Any, ddb: Any, env: dict[str, str]
) -> None:
    bucket = env["DATA_BUCKET"]
    put(s3, bucket, "incoming/business_hours/1-first.csv", hours_csv([("A", 0, "09:00", "17:00")]))
    put(s3, bucket, "incoming/business_hours/2-second.csv", hours_csv([("A", 3, "09:00", "17:00")]))
    first = s3.head_object(Bucket=bucket, Key="incoming/business_hours/1-first.csv")
    obj = IncomingObject(
        "incoming/business_hours/1-first.csv", first["ETag"].strip('"'), first["ContentLength"],
        first["LastModified"], "business_hours",
    )  # fmt: skip
    clock = Clock()
    IngestionLedger(dynamodb(), env["INGESTION_TABLE"]).claim(
        obj, "other-run", int(clock()), 960, 1 << 20, "t"
    )
    blocked = make_runner(env, clock=clock).run(lambda: 900_000)
    assert blocked.objects == [] and blocked.waiting == 2
    assert stored_hours(ddb, env) == {}
    clock.now += 961
    done = make_runner(env, clock=clock).run(lambda: 900_000)
    assert [o.key for o in done.objects] == [
        "incoming/business_hours/1-first.csv",
        "incoming/business_hours/2-second.csv",
    ]
    assert stored_hours(ddb, env) == {"A": [(3, 32400, 61200)]}


def test_a_timezones_file_upserts_the_stores_it_mentions(s3: Any, ddb: Any, env: dict[str, str]) -> None:
    bucket = env["DATA_BUCKET"]
    put(s3, bucket, "incoming/timezones/1.csv", "store_id,timezone_str\nA,America/Denver\nB,Asia/Beirut\n")
    make_runner(env).run(lambda: 900_000)
    put(s3, bucket, "incoming/timezones/2.csv", "timezone_str,store_id\nEurope/Paris,A\nMars/Olympus,C\n")
    [outcome] = make_runner(env).run(lambda: 900_000).objects
    assert (outcome.accepted, outcome.rejected) == (1, 1)
    zones = {
        item["sk"]["S"]: item["tz"]["S"]
        for item in table_items(ddb, env["STORES_TABLE"])
        if item["pk"]["S"].startswith("Z#")
    }
    assert zones == {"A": "Europe/Paris", "B": "Asia/Beirut"}


def test_a_large_file_is_streamed_in_segments(s3: Any, ddb: Any, env: dict[str, str]) -> None:
    rows = status_rows(40_000, stores=200, seed=3)
    text = polls_csv(rows)
    put(s3, env["DATA_BUCKET"], "incoming/store_status/large.csv", text)
    ranges: list[str] = []
    reads: list[int] = []
    client = make_runner(env)._s3

    def spy_get(params: dict[str, Any], **_: Any) -> None:
        ranges.append(params.get("Range", ""))

    def spy_body(parsed: dict[str, Any], **_: Any) -> None:
        body = parsed.get("Body")
        if len(ranges) > 1 and body is not None:  # the streamed body (the first GET is the header probe)
            original = body.read
            body.read = lambda size=-1: reads.append(size) or original(size)

    client.meta.events.register("provide-client-params.s3.GetObject", spy_get, "spy-get")
    client.meta.events.register("after-call.s3.GetObject", spy_body, "spy-body")
    try:
        [outcome] = make_runner(env, segment_bytes=256 * 1024).run(lambda: 900_000).objects
    finally:
        client.meta.events.unregister("provide-client-params.s3.GetObject", unique_id="spy-get")
        client.meta.events.unregister("after-call.s3.GetObject", unique_id="spy-body")
    assert outcome.accepted == 40_000 and outcome.segments == len(text) // (256 * 1024) + 1
    assert ranges[0] == "bytes=0-65535" and ranges[1].startswith("bytes=") and len(ranges) == 2
    assert reads and all(0 < size <= 1 << 20 for size in reads)  # never the whole object at once
    expected = read_polls_by_store(io.BytesIO(text.encode()))
    assert stored_polls(ddb, env["STORES_TABLE"]) == {k: sorted(v) for k, v in expected.items()}


def test_booking_event_files_go_through_the_bookings_module(s3: Any, ddb: Any, env: dict[str, str]) -> None:
    text = (
        "id,hotel_id,timestamp,rpg_status,room_id,night_of_stay\n"
        "1,7,2024-03-01 10:00:00 UTC,1,room-1,2024-05-01\n"
        "2,7,2024-03-01T11:00:00Z,2,room-1,2024-05-01\n"
        "3,7,not a time,1,room-2,2024-05-02\n"
        "4,7,2024-03-02T09:00:00Z,1\n"
    )
    put(s3, env["DATA_BUCKET"], "incoming/booking_events/day1.csv", text)
    [outcome] = make_runner(env).run(lambda: 900_000).objects
    assert (outcome.status, outcome.accepted, outcome.rejected) == ("Done", 2, 2)
    errors = (
        s3.get_object(Bucket=env["DATA_BUCKET"], Key="rejected/incoming/booking_events/day1.csv.errors.csv")[
            "Body"
        ]
        .read()
        .decode()
    )
    assert [line.split(",", 1)[0] for line in errors.splitlines()[1:]] == ["4", "5"]
    put(s3, env["DATA_BUCKET"], "incoming/booking_events/day1-again.csv", text)  # same events, other file
    [again] = make_runner(env).run(lambda: 900_000).objects
    assert (again.accepted, again.replayed, again.rejected) == (2, 2, 2)
