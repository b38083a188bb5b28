"""Occupancy cost per call, for sensors with 1 day, 1 month and 1 year of one-event-per-minute history.

Histories are seeded straight into DynamoDB (moto, in-process) with the same
items the write path produces: raw events plus the summary / month / day
aggregates, built with the production bucket code. Then the real handlers run
and every DynamoDB call they make is counted.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto import mock_aws

from bench.cost import CostMeter
from bench.harness import CONTEXT, api_event, bench_environment
from local import moto_dynamodb
from local.inprocess import load_handler_module
from local.provision import create_table
from local.stack import ROOT
from local.template import load_stack

HISTORIES = {"1 day": 1, "1 month": 30, "1 year": 365}
START = datetime(2023, 1, 1, tzinfo=UTC)


def _seed(client: Any, table: str, sensor: str, days: int) -> None:
    from sitepulse.occupancy.buckets import buckets_of
    from sitepulse.occupancy.repository import _event_sk, _events_pk, _sensor_pk  # the write path's keys

    summary: dict[str, int] = defaultdict(int)
    months: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    hours: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    requests: list[dict[str, Any]] = []

    def flush() -> None:
        pending: dict[str, Any] = {table: requests[:]}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        requests.clear()

    for minute in range(days * 1440):
        ts = START + timedelta(minutes=minute)
        in_count, out_count = (minute * 7) % 5, (minute * 3) % 5
        names = buckets_of(ts)
        net = in_count - out_count
        summary["in"] += in_count
        summary["out"] += out_count
        summary["events"] += 1
        summary[names.year_attr] += net
        summary[names.month_attr] += net
        months[names.month_key][names.day_attr] += net
        hours[names.day_key][names.hour_attr] += net
        item = {"pk": {"S": _events_pk(sensor, ts)}, "sk": {"S": _event_sk(ts)},
                "in": {"N": str(in_count)}, "out": {"N": str(out_count)}}  # fmt: skip
        requests.append({"PutRequest": {"Item": item}})
        if len(requests) == 25:
            flush()
    aggregates = [("SUMMARY", dict(summary) | {"gsi1pk": "SENSOR", "gsi1sk": sensor})]
    aggregates += [(key, dict(values)) for key, values in {**months, **hours}.items()]
    for sk, values in aggregates:
        item = {"pk": {"S": _sensor_pk(sensor)}, "sk": {"S": sk}}
        item |= {k: {"S": v} if isinstance(v, str) else {"N": str(v)} for k, v in values.items()}
        requests.append({"PutRequest": {"Item": item}})
        if len(requests) == 25:
            flush()
    if requests:
        flush()


def _measure(meter: CostMeter, call: Any, repeat: int = 10) -> tuple[int, float, float, float]:
    """Requests and capacity of one call; median total and handler-only (minus moto) milliseconds."""
    meter.reset()
    call()
    requests, capacity = meter.total_requests, meter.capacity
    totals, own = [], []
    for _ in range(repeat):
        meter.reset()
        began = time.perf_counter()
        call()
        elapsed = time.perf_counter() - began
        totals.append(elapsed * 1000)
        own.append((elapsed - meter.aws_seconds) * 1000)
    return requests, capacity, statistics.median(totals), statistics.median(own)


def _calls(read: Any, write: Any, sensor: str, probe: datetime, read_meter: CostMeter,
           write_meter: CostMeter) -> list[tuple[str, Any, CostMeter]]:  # fmt: skip
    path = f"/api/sensors/{sensor}/occupancy"
    route = "GET /api/sensors/{sensor}/occupancy"
    params = {"sensor": sensor}
    now_event = api_event("GET", path, route=route, params=params)
    at = probe.strftime("%Y-%m-%dT%H:%M:%SZ")
    at_event = api_event("GET", path, query={"atInstant": at}, route=route, params=params)
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


def run() -> None:
    stack = load_stack(ROOT / "template.yaml")
    bench_environment(stack)
    with mock_aws():
        moto_dynamodb.install()  # item-level transaction rollback: moto otherwise copies the table per write
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
        for label, days in HISTORIES.items():
            sensor = f"bench-{days}d"
            began = time.perf_counter()
            _seed(client, table.name, sensor, days)
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
            "transactions: a 4-item TransactWriteItems of items < 1 KB costs 8 WCU on DynamoDB).\n"
            "total ms: handler in-process against moto, median of 10 (moto's latency is not DynamoDB's)."
            "\nown ms: the same minus the time "
            "spent inside DynamoDB calls: the handler's own cost; on AWS add ~5-10 ms per request."
        )


if __name__ == "__main__":
    run()
