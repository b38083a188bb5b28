"""Occupancy cost per call, for sensors with 1 day, 1 month and 1 year of one-event-per-minute history.

Histories are seeded straight into DynamoDB (moto, in-process) with exactly the
items the write path produces: each event's real write transaction (the event and
its summary / month / day / hour-of-minutes aggregates), folded and batch-written
(`seed`). Then the real handlers run and every DynamoDB call they make is counted.

    python -m bench.api_occupancy ["1 day" "1 month"]     (default: every history)
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto import mock_aws

from bench.cost import CostMeter, median_ms
from bench.harness import CONTEXT, api_event, bench_environment
from local.aws import moto_safe_writes
from local.aws.provision import create_table
from local.lambdas.inprocess import load_handler_module
from local.stack import ROOT
from local.template import load_stack

HISTORIES = {"1 day": 1, "1 month": 30, "1 year": 365}
START = datetime(2023, 1, 1, tzinfo=UTC)


def history(sensor: str, minutes: int, start: datetime = START) -> Iterator[Any]:
    """One event per minute from `start`, with varying counts (the bench's sensor history)."""
    from sitepulse.occupancy.repository import StoredEvent

    for minute in range(minutes):
        ts = start + timedelta(minutes=minute)
        yield StoredEvent(sensor, ts, (minute * 7) % 5, (minute * 3) % 5)


def seed(repository: Any, events: Iterable[Any], *, raw_events: bool = True) -> None:
    """Store `events` exactly as the write path does, at bulk speed (`raw_events=False`: only
    the aggregates, for reads that never touch raw events, such as series).

    Each event's write transaction is the real one (`OccupancyRepository._record_items`: the
    event Put and the ADDs / SETs into its summary, month, day and hour-of-minutes items);
    its actions are applied here as DynamoDB would, the aggregates summed in memory, and
    everything written with BatchWriteItem (a year is 525,600 transactions otherwise). An
    action this fold does not know fails the bench instead of seeding something else.
    """
    client, table = repository._client, repository._table
    aggregates: dict[tuple[str, str], dict[str, Any]] = {}
    requests: list[dict[str, Any]] = []

    def put(item: dict[str, Any]) -> None:
        requests.append({"PutRequest": {"Item": item}})
        if len(requests) == 25:
            _batch_write(client, table, requests)

    for event in events:
        for action in repository._record_items(event):
            if set(action) == {"Put"} and action["Put"]["ConditionExpression"] == "attribute_not_exists(pk)":
                if raw_events:  # a new event: every seeded instant is distinct
                    put(action["Put"]["Item"])
            elif set(action) == {"Update"}:
                _apply_update(aggregates, action["Update"])
            else:
                raise ValueError(f"the seed does not know this write action: {action}")
    for item in aggregates.values():
        put(item)
    if requests:
        _batch_write(client, table, requests)


_UPDATE_FIELDS = {
    "TableName",
    "Key",
    "UpdateExpression",
    "ExpressionAttributeNames",
    "ExpressionAttributeValues",
}
_CLAUSES = re.compile(r"(ADD|SET|REMOVE|DELETE)\s+(.*?)(?=\s+(?:ADD|SET|REMOVE|DELETE)\s|$)")


def _apply_update(items: dict[tuple[str, str], dict[str, Any]], update: dict[str, Any]) -> None:
    """`ADD #a :n` (numbers) and `SET #a = :v`, the only forms the occupancy write uses."""
    if not set(update) <= _UPDATE_FIELDS:
        raise ValueError(f"the seed does not know this update: {sorted(set(update) - _UPDATE_FIELDS)}")
    key = update["Key"]
    item = items.setdefault((key["pk"]["S"], key["sk"]["S"]), dict(key))
    names = update.get("ExpressionAttributeNames", {})
    values = update["ExpressionAttributeValues"]
    for verb, clauses in _CLAUSES.findall(update["UpdateExpression"].strip()):
        for clause in clauses.split(","):
            if verb == "ADD":
                name, value = clause.split()
                before = int(item.get(names.get(name, name), {"N": "0"})["N"])
                item[names.get(name, name)] = {"N": str(before + int(values[value]["N"]))}
            elif verb == "SET" and clause.count("=") == 1:
                name, value = (part.strip() for part in clause.split("="))
                item[names.get(name, name)] = values[value]
            else:
                raise ValueError(f"the seed does not know this update: {verb} {clause}")


def _batch_write(client: Any, table: str, requests: list[dict[str, Any]]) -> None:
    from sitepulse.common import dynamo  # the layer is on sys.path once the bench environment is set

    dynamo.batch_write(client, {table: requests[:]})
    requests.clear()


def _measure(meter: CostMeter, call: Any, repeat: int = 10) -> tuple[int, float, float, float]:
    """Requests and capacity of one call; median total and handler-only (minus moto) milliseconds."""
    meter.reset()
    call()
    return meter.total_requests, meter.capacity, *median_ms(meter, call, repeat)


def _calls(read: Any, write: Any, sensor: str, probe: datetime, read_meter: CostMeter,
           write_meter: CostMeter) -> list[tuple[str, Any, CostMeter]]:  # fmt: skip
    path = f"/api/sensors/{sensor}/occupancy"
    route = "GET /api/sensors/{sensor}/occupancy"
    params = {"sensor": sensor}
    now_event = api_event("GET", path, route_key=route, path_parameters=params)
    at = probe.strftime("%Y-%m-%dT%H:%M:%SZ")
    at_event = api_event("GET", path, query={"atInstant": at}, route_key=route, path_parameters=params)
    offsets = iter(range(10**9))

    def post_new_event() -> Any:
        ts = probe + timedelta(seconds=next(offsets) + 0.5)
        body = {"sensor": sensor, "ts": ts.isoformat(), "in": 1, "out": 0}
        return write.handler(api_event("POST", "/api/webhook", body), CONTEXT)

    return [
        ("occupancy now", lambda: read.handler(now_event, CONTEXT), read_meter),
        ("occupancy atInstant", lambda: read.handler(at_event, CONTEXT), read_meter),
        ("webhook write", post_new_event, write_meter),
    ]


def run(histories: Iterable[str] = HISTORIES) -> None:
    stack = load_stack(ROOT / "template.yaml")
    bench_environment(stack)
    with mock_aws():
        # Item-level transaction rollback: moto otherwise copies the table per write.
        moto_safe_writes.install()
        client = boto3.client("dynamodb", region_name="us-east-1")
        table = stack.tables["OccupancyTable"]
        create_table(client, table)
        layers = [stack.root / "layers"]
        write = load_handler_module(stack.functions["OccupancyWriteFunction"], layers)
        read = load_handler_module(stack.functions["OccupancyReadFunction"], layers)
        read_meter = CostMeter(read.service._repository._client)
        write_meter = CostMeter(write.service._repository._client)

        print(
            f"{'history':<9} {'events':>7}  {'call':<20} {'requests':>8} {'capacity':>8} "
            f"{'total ms':>9} {'own ms':>7}"
        )
        for label in histories:
            days = HISTORIES[label]
            sensor = f"bench-{days}d"
            began = time.perf_counter()
            seed(write.service._repository, history(sensor, days * 1440))
            seeded = time.perf_counter() - began
            probe = START + timedelta(days=days - 1, hours=13, minutes=37, seconds=30)
            for name, call, meter in _calls(read, write, sensor, probe, read_meter, write_meter):
                requests, capacity, total, own = _measure(meter, call)
                print(
                    f"{label:<9} {days * 1440:>7}  {name:<20} {requests:>8} {capacity:>8.1f} "
                    f"{total:>9.1f} {own:>7.2f}"
                )
            print(f"{'':<9} (seeded in {seeded:.1f}s)")
        print(
            "capacity: units moto reports with ReturnConsumedCapacity=TOTAL (moto reports none for "
            "transactions: a 5-item TransactWriteItems of items < 1 KB costs 10 WCU on DynamoDB).\n"
            "total ms: handler in-process against moto, median of 10 (moto's latency is not DynamoDB's)."
            "\nown ms: the same minus the time "
            "spent inside DynamoDB calls: the handler's own cost; on AWS add ~5-10 ms per request."
        )


if __name__ == "__main__":
    run(sys.argv[1:] or HISTORIES)
