"""Temperature cost per call: averages over 15m … 30d windows of a room holding 31 days of
one-reading-per-minute history, and writes (in order, late, replayed).

The history is seeded straight into DynamoDB (moto, in-process) with
`TemperatureRepository.bulk_load`, which builds the same raw, hour-bucket and
summary items as the write path (a unit test pins that equivalence). Then the
real handlers run and every DynamoDB call they make is counted.

moto reports a flat capacity per call whatever the size read, so the RCU
column is also estimated from DynamoDB's rules: a Query costs the summed size
of the items it reads, rounded up to 4 KB, one unit per 4 KB (strongly
consistent reads, as the repository uses).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
from moto import mock_aws

from bench.cost import CostMeter, median_ms
from bench.harness import CONTEXT, api_event, bench_environment, item_size
from local.aws.provision import create_table
from local.lambdas.inprocess import load_handler_module
from local.stack import ROOT
from local.template import load_stack

WINDOWS = ["15m", "1h", "1d", "7d", "30d"]
HISTORY_DAYS = 31
END = datetime(2024, 12, 10, 16, 45, 30, 250000, tzinfo=UTC)  # odd offset: both edges cut hours


class Sizer:
    """Estimated capacity from DynamoDB's sizing rules (the time inside DynamoDB calls: `CostMeter`).

    Reads: a Query costs the summed size of the items it returns rounded up to 4 KB (strongly
    consistent: 1 unit per 4 KB). Writes: a transaction costs 2 units per item per KB (all < 1 KB).
    """

    def __init__(self, client: Any) -> None:
        self.reset()
        events = client.meta.events
        events.register("after-call.dynamodb.Query", self._query)
        events.register("after-call.dynamodb.GetItem", self._get)
        events.register("provide-client-params.dynamodb.TransactWriteItems", self._transaction)

    def reset(self) -> None:
        self.read_units = 0.0
        self.write_units = 0.0

    def _query(self, parsed: dict[str, Any], **_: Any) -> None:
        self.read_units += math.ceil(sum(map(item_size, parsed.get("Items", []))) / 4096) or 1

    def _get(self, parsed: dict[str, Any], **_: Any) -> None:
        self.read_units += math.ceil(item_size(parsed.get("Item", {})) / 4096) or 1

    def _transaction(self, params: dict[str, Any], **_: Any) -> None:
        self.write_units += 2 * len(params.get("TransactItems", []))


@dataclass
class Figures:
    requests: int
    moto_capacity: float
    read_units: float
    write_units: float
    median_ms: float
    own_ms: float  # median handler time outside DynamoDB calls
    result: Any


def _measure(meter: CostMeter, sizer: Sizer, call: Any, repeat: int) -> Figures:
    meter.reset()
    sizer.reset()
    result = call()
    figures = Figures(
        meter.total_requests, meter.capacity, sizer.read_units, sizer.write_units, 0.0, 0.0, result
    )
    if repeat:
        figures.median_ms, figures.own_ms = median_ms(meter, call, repeat)
    return figures


def run() -> None:
    stack = load_stack(ROOT / "template.yaml")
    bench_environment(stack)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        table = stack.tables["TemperatureTable"]
        create_table(client, table)
        layers = [stack.root / "layers"]
        write = load_handler_module(stack.functions["TemperatureWriteFunction"], layers)
        read = load_handler_module(stack.functions["TemperatureReadFunction"], layers)
        from sitepulse.temperature.repository import (
            TemperatureRepository,
        )  # importable once layers are on the path

        shared = read.service._repository._client  # the handlers' (cached, shared) client
        meter, sizer = CostMeter(shared), Sizer(shared)

        columns = ("requests", "moto cap", "est. RCU", "est. WCU")
        print(f"{'call':<32} " + " ".join(f"{c:>8}" for c in columns) + f" {'ms':>7} {'own ms':>7}  result")

        def row(name: str, f: Figures, shown: str) -> None:
            timing = f"{f.median_ms:>7.1f} {f.own_ms:>7.1f}" if f.median_ms else f"{'-':>7} {'-':>7}"
            units = f"{f.moto_capacity:>8.1f} {f.read_units:>8.1f} {f.write_units:>8.1f}"
            print(f"{name:<32} {f.requests:>8} {units} {timing}  {shown}")

        # Writes first, on a small table: moto copies the whole table per transaction.
        path = "/api/v1/buildings/bench/rooms/writes/temperatures"
        writes = [
            ("write (new reading, in order)", {"temperature": 21.5, "recorded_at": "2024-12-10T16:45:00"}),
            ("write (late: older than latest)", {"temperature": 20.5, "recorded_at": "2024-12-10T16:40:00"}),
            ("write (replay of the same)", {"temperature": 20.5, "recorded_at": "2024-12-10T16:40:00"}),
        ]
        for name, body in writes:
            f = _measure(
                meter, sizer, lambda b=body: write.handler(api_event("POST", path, b), CONTEXT), repeat=0
            )
            row(name, f, f"HTTP {f.result['statusCode']}")

        began = time.perf_counter()
        repository = TemperatureRepository(client, table.name)
        first = END - timedelta(days=HISTORY_DAYS)
        count = repository.bulk_load(
            "bench",
            "busy",
            (
                (first + timedelta(minutes=i), Decimal(1800 + (i * 37) % 700) / 100)
                for i in range(1, HISTORY_DAYS * 1440 + 1)
            ),
        )
        seconds = time.perf_counter() - began
        print(f"(seeded {count} readings, one per minute over {HISTORY_DAYS} days, in {seconds:.1f}s)")

        average_path = "/api/v1/buildings/bench/rooms/busy/temperatures/average"
        for window in [*WINDOWS, "30d (empty window)"]:
            duration = window.split()[0]
            end = END + timedelta(days=90) if "empty" in window else END
            event = api_event("GET", average_path, query={"duration": duration, "end": end.isoformat()})
            f = _measure(meter, sizer, lambda e=event: read.handler(e, CONTEXT), repeat=3)
            body = json.loads(f.result["body"])
            row(f"average {window}", f, f"avg {body['average_temperature']} of {body['readings']} readings")

        listing = api_event("GET", "/api/v1/buildings/bench/rooms", query={"limit": "100"})
        f = _measure(meter, sizer, lambda: read.handler(listing, CONTEXT), repeat=3)
        row("rooms list", f, f"{len(json.loads(f.result['body'])['rooms'])} rooms")
        print(
            "moto cap = capacity moto reports (flat per call, none for transactions);\n"
            "est. RCU/WCU = DynamoDB's sizing of the items read/written (strongly consistent reads);\n"
            "ms = handler in-process against moto, median of 3, dominated by moto's Query walking the\n"
            "whole 45k-item partition on every call (real DynamoDB reads only the key range);\n"
            "own ms = the same minus the time spent inside DynamoDB calls."
        )


if __name__ == "__main__":
    run()
