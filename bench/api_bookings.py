"""Bookings cost per call: writes by kind, and the dashboard of a hotel with 100k events.

A hotel-year of 100,000 random events (400 rooms, every night of 2024) is seeded straight
into DynamoDB (moto, in-process) with BatchWriteItem: the event items, the reservation-night
states and the day counters, built with the production item code from the latest event of
each reservation-night. Then the real handlers run and every DynamoDB call they make is
counted. Writes are measured through the real write path, one row per kind of transition.

Two capacity columns: what moto reports (placeholders: 1 per call, 0.5 per GetItem, nothing
for transactions) and what DynamoDB would charge for the same requests (`DynamoDBUnits`:
4 KB read units, half for eventually consistent reads; 1 KB write units, doubled inside a
transaction; +1 WCU for the index copy of every event item written).
"""

from __future__ import annotations

import contextlib
import io
import math
import random
import statistics
import time
import warnings
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
from moto import mock_aws

from bench.cost import CostMeter
from bench.harness import CONTEXT, api_event, bench_environment, item_size
from local.aws import moto_safe_writes
from local.aws.provision import create_secret, create_table
from local.lambdas.inprocess import load_handler_module
from local.stack import ROOT
from local.template import load_stack

HOTEL = 1
EVENTS = 100_000
ROOMS = 400
YEAR = 2024


class DynamoDBUnits:
    """Capacity units DynamoDB would charge for the calls made on one client (see module doc)."""

    def __init__(self, client: Any, indexed: Callable[[dict[str, Any]], bool]) -> None:
        self.units = 0.0
        self._indexed = indexed
        client.meta.events.register("provide-client-params.dynamodb.*", self._keep_params)
        client.meta.events.register("after-call.dynamodb.*", self._charge)

    def reset(self) -> None:
        self.units = 0.0

    @staticmethod
    def _keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["bench_params"] = dict(params)

    def _write_units(self, item: dict[str, Any], factor: int) -> float:
        units = factor * max(1, math.ceil(item_size(item) / 1024))
        return units + (max(1, math.ceil(item_size(item) / 1024)) if self._indexed(item) else 0)

    def _charge(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        params = context.get("bench_params", {})
        read_factor = 1.0 if params.get("ConsistentRead") else 0.5
        if model.name == "GetItem":
            self.units += read_factor * max(1, math.ceil(item_size(parsed.get("Item", {})) / 4096))
        elif model.name == "Query":
            items = parsed.get("Items", [])
            size = sum(item_size(item) for item in items)
            if parsed.get("ScannedCount", 0) > len(items):  # filtered out items are read (and paid) too
                size = parsed["ScannedCount"] * (size / len(items) if items else 200)
            self.units += read_factor * max(1, math.ceil(size / 4096))
        elif model.name == "PutItem" and "Error" not in parsed:
            self.units += self._write_units(params["Item"], 1)
        elif model.name == "PutItem":
            self.units += 1  # a failed condition still costs the write
        elif model.name == "TransactWriteItems":
            for entry in params["TransactItems"]:
                body = next(iter(entry.values()))
                self.units += self._write_units(body.get("Item", body.get("Key", {})), 2)


def _seed(client: Any, table: str) -> tuple[int, int]:
    """100k events of one hotel-year, stored as the write path would leave them."""
    from sitepulse.bookings.repository import counter_item, event_item
    from sitepulse.bookings.transitions import BookingEvent
    from sitepulse.common import dynamo
    from sitepulse.common.timestamps import sortable_instant

    rng = random.Random(2024)  # noqa: S311 — pseudo-random demo/benchmark data, not a secret
    start = datetime(YEAR - 1, 10, 1, tzinfo=UTC)
    latest: dict[tuple[str, date], BookingEvent] = {}
    requests: list[dict[str, Any]] = []

    def put(item: dict[str, Any]) -> None:
        requests.append({"PutRequest": {"Item": item}})
        if len(requests) == 25:
            flush()

    def flush() -> None:
        dynamo.batch_write(client, {table: requests[:]})
        requests.clear()

    for event_id in range(1, EVENTS + 1):
        event = BookingEvent(
            id=event_id,
            hotel_id=HOTEL,
            timestamp=start + timedelta(seconds=rng.randrange(365 * 86400)),
            rpg_status=rng.choice((1, 1, 2)),
            room_id=f"room-{rng.randrange(ROOMS):03d}",
            night_of_stay=date(YEAR, 1, 1) + timedelta(days=rng.randrange(366)),
        )
        put(event_item(event))
        key = (event.room_id, event.night_of_stay)
        if key not in latest or (event.timestamp, event.id) > (latest[key].timestamp, latest[key].id):
            latest[key] = event
    per_day: Counter[date] = Counter()
    for (room, night), event in latest.items():
        pk = f"N#{HOTEL}#{night.isoformat()}#{room}"
        state = {
            "ts": sortable_instant(event.timestamp),
            "event_id": event.id,
            "rpg_status": event.rpg_status,
        }
        put(dynamo.to_item({"pk": pk, "sk": "STATE", **state, "version": 1}))
        per_day[night] += event.rpg_status == 1
    for night, bookings in per_day.items():
        put(counter_item(HOTEL, night, bookings))
    if requests:
        flush()
    return len(latest), sum(per_day.values())


def _measure(
    meter: CostMeter,
    units: DynamoDBUnits,
    call: Callable[[Any], Any],
    repeat: int,
    prepare: Callable[[], Any] = lambda: None,
) -> dict[str, Any]:
    """Requests and capacity of `call(prepare())`; median milliseconds over `repeat` runs.

    `prepare` (not measured) sets up what the call needs, e.g. the stored history of a night.
    """
    figures: dict[str, Any] = {}
    totals, own = [], []
    for run in range(repeat):
        argument = prepare()
        meter.reset()
        units.reset()
        began = time.perf_counter()
        response = call(argument)
        elapsed = time.perf_counter() - began
        assert response["statusCode"] < 300, response  # noqa: S101 — a development-tool invariant (never run in Lambda), not input validation
        if run == 0:
            figures = {"requests": meter.total_requests, "ops": dict(meter.requests), "moto": meter.capacity}
            figures["units"] = units.units
        totals.append(elapsed * 1000)
        own.append((elapsed - meter.aws_seconds) * 1000)
    figures["ms"] = statistics.median(totals)
    figures["own_ms"] = statistics.median(own)
    return figures


def _row(name: str, figures: dict[str, Any]) -> str:
    ops = " + ".join(f"{count} {op}" for op, count in figures["ops"].items())
    return (
        f"  {name:<40} {figures['requests']:>3}  {figures['moto']:>5.1f} {figures['units']:>6.1f}  "
        f"{figures['ms']:>8.2f} {figures['own_ms']:>7.2f}   {ops}"
    )


def _write_cases(post: Callable[[dict[str, Any]], Any]) -> list[tuple[str, Callable[[], dict[str, Any]]]]:
    """(kind of write, prepare) — prepare stores a night's history and returns the event to post."""
    ids = iter(range(10**7, 10**8))
    rooms = iter(range(10**6))
    stored: list[dict[str, Any]] = []

    def body(room: str, minute: int, status: int, with_id: bool = True) -> dict[str, Any]:
        stamp = (datetime(YEAR, 6, 1, tzinfo=UTC) + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")
        posted = {"hotel_id": HOTEL, "timestamp": stamp, "rpg_status": status, "room_id": room}
        return {**posted, "night_of_stay": "2024-07-01", **({"id": next(ids)} if with_id else {})}

    def night(*history: tuple[int, int]) -> str:
        room = f"bench-{next(rooms)}"
        for minute, status in history:
            stored.append(body(room, minute, status))
            post(stored[-1])
        return room

    return [
        ("new booking (4-item transaction)", lambda: body(night(), 10, 1)),
        ("later cancellation: flips the counter", lambda: body(night((10, 1)), 20, 2)),
        ("later booking, already booked (3 items)", lambda: body(night((10, 1)), 20, 1)),
        ("older event, arriving late (PutItem)", lambda: body(night((20, 2)), 10, 1)),
        ("no id: derived from content", lambda: body(night(), 10, 1, with_id=False)),
        ("replay of the night's latest event", lambda: stored[-1] if night((10, 1)) else {}),
        ("replay of an older event", lambda: stored[-2] if night((10, 1), (20, 2)) else {}),
    ]


def _mixed_stream(count: int) -> list[dict[str, Any]]:
    """Random events into the seeded hotel: new nights, flips, late arrivals, as they come."""
    rng = random.Random(7)  # noqa: S311 — pseudo-random demo/benchmark data, not a secret
    return [
        {
            "id": 5 * 10**8 + n,
            "hotel_id": HOTEL,
            "timestamp": (
                datetime(YEAR, 6, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(10**6))
            ).isoformat(),
            "rpg_status": rng.choice((1, 1, 2)),
            "room_id": f"room-{rng.randrange(ROOMS):03d}",
            "night_of_stay": (date(YEAR, 1, 1) + timedelta(days=rng.randrange(366))).isoformat(),
        }
        for n in range(count)
    ]


HEADER = f"  {'call':<40} {'req':>3}  {'moto':>5} {'DDB cu':>6}  {'total ms':>8} {'own ms':>7}   operations"
NOTES = """
req: DynamoDB requests per call. moto: capacity moto reports. DDB cu: capacity DynamoDB would
charge (module doc). total ms: handler in-process against moto, median of 20 runs (event pages 1,
writes 10). moto evaluates a GSI Query by scanning the whole table, so event pages are slow here,
not on DynamoDB. own ms: the same minus time inside DynamoDB calls; on AWS add ~5-10 ms a request."""


def run() -> None:
    # Powertools warns on every read call: metrics are disabled here, so there are none to flush.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    stack = load_stack(ROOT / "template.yaml")
    bench_environment(stack)
    with mock_aws():
        # Item-level transaction rollback: moto otherwise copies the table per write.
        moto_safe_writes.install()
        client = boto3.client("dynamodb", region_name="us-east-1")
        table = stack.tables["BookingsTable"]
        create_table(client, table)
        secretsmanager = boto3.client("secretsmanager", region_name="us-east-1")
        for secret in stack.secrets.values():  # the page token key: an event page carries a next_token
            create_secret(secretsmanager, secret)
        layers = [stack.root / "layers"]
        write = load_handler_module(stack.functions["BookingsWriteFunction"], layers)
        read = load_handler_module(stack.functions["BookingsReadFunction"], layers)

        began = time.perf_counter()
        nights, booked = _seed(client, table.name)
        print(
            f"hotel {HOTEL}: {EVENTS:,} events over {nights:,} reservation-nights ({booked:,} booked) "
            f"in {YEAR}, seeded in {time.perf_counter() - began:.0f} s\n"
        )
        read_client = read.service._repository._client
        meter, units = CostMeter(read_client), DynamoDBUnits(read_client, lambda item: "gsi1pk" in item)
        print("dashboard: one ConsistentRead Query over the hotel-year's day counters")
        print(HEADER)
        for period in ("day", "month", "year"):
            query = {"hotel_id": str(HOTEL), "year": str(YEAR), "period": period}
            event = api_event("GET", "/api/dashboard", query=query)
            figures = _measure(meter, units, lambda _, e=event: read.handler(e, CONTEXT), 20)
            print(_row(f"GET /api/dashboard period={period}", figures))
        for name, query in (
            ("GET /api/events (first page of 100)", {"hotel_id": str(HOTEL)}),
            ("GET /api/events one day, room-007", {"hotel_id": str(HOTEL), "room_id": "room-007",
                                                   "updated__gte": "2024-03-01T00:00:00Z",
                                                   "updated__lte": "2024-03-01T23:59:59Z"}),
        ):  # fmt: skip
            event = api_event("GET", "/api/events", query=query)
            print(_row(name, _measure(meter, units, lambda _, e=event: read.handler(e, CONTEXT), 1)))

        write_client = write.service._repository._client
        meter, units = CostMeter(write_client), DynamoDBUnits(write_client, lambda item: "gsi1pk" in item)

        def post(payload: dict[str, Any]) -> Any:
            # Metrics disabled, Powertools still prints its buffer every 100 values: keep it off the table.
            with contextlib.redirect_stdout(io.StringIO()):
                return write.handler(api_event("POST", "/api/events", payload), CONTEXT)

        print("\nPOST /api/events, one row per kind of write")
        print(HEADER)
        for name, prepare in _write_cases(post):
            print(_row(name, _measure(meter, units, post, 10, prepare)))

        stream = _mixed_stream(1000)
        meter.reset()
        units.reset()
        began = time.perf_counter()
        created = sum(post(payload)["statusCode"] == 201 for payload in stream)
        each_ms = (time.perf_counter() - began) * 1000 / created
        ops = ", ".join(f"{op} {count / created:.2f}" for op, count in meter.requests.items())
        print(
            f"  mixed stream of {created} events into the seeded hotel, per event: "
            f"{meter.total_requests / created:.2f} requests ({ops}), {units.units / created:.2f} DDB cu, "
            f"{each_ms:.1f} ms"
        )
        print(NOTES)


if __name__ == "__main__":
    run()
