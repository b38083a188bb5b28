"""The console's reads: DynamoDB requests per call against a short and a long history.

Occupancy series read only aggregate items (month / day / hour-of-minutes), by BatchGetItem:
bounded by the number of points, never by the history or the event rate. Temperature series
read the hour buckets of the range in one Query. The listings read one index page per call.
Histories are seeded straight into moto with the items the write paths produce.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
from moto import mock_aws

from bench.api_occupancy import seed
from bench.cost import CostMeter
from bench.harness import CONTEXT, api_event, bench_environment
from local.aws import moto_safe_writes
from local.aws.provision import create_secret, create_table
from local.lambdas.inprocess import load_handler_module
from local.stack import ROOT
from local.template import load_stack

NOW = datetime(2024, 12, 31, 12, 0, tzinfo=UTC)
HISTORIES = {"1 day": 1, "1 year": 365}
# Stated bounds (docs/console.md, "Bounded cost"): requests per call whatever the history.
OCCUPANCY_BOUND = "1 + ceil(keys/100), keys <= 3 per point: <= 31"
TEMPERATURE_BOUND = "1 Query page per ~3,000 buckets (+1 GetItem if empty): <= 4"
LISTING_BOUND = "1 Query"


def _occupancy_history(sensor: str, days: int) -> Iterator[Any]:
    """One event per 10 minutes (+2 in, +1 out) over `days` before NOW."""
    from sitepulse.occupancy.repository import StoredEvent

    at = NOW - timedelta(days=days)
    while at < NOW:
        yield StoredEvent(sensor, at, 2, 1)
        at += timedelta(minutes=10)


def _get(
    module: Any, path: str, route: str, query: dict[str, str], params: dict[str, str] | None = None
) -> Any:
    response = module.handler(
        api_event("GET", path, query=query, route_key=f"GET {route}", path_parameters=params), CONTEXT
    )
    assert response["statusCode"] == 200, response  # noqa: S101 — a development-tool invariant (never run in Lambda), not input validation
    return response


def run() -> None:
    stack = load_stack(ROOT / "template.yaml")
    bench_environment(stack)
    with mock_aws():
        moto_safe_writes.install()
        client = boto3.client("dynamodb", region_name="us-east-1")
        for name in ("OccupancyTable", "TemperatureTable", "ReportsTable", "BookingsTable"):
            create_table(client, stack.tables[name])
        secretsmanager = boto3.client("secretsmanager", region_name="us-east-1")
        for secret in stack.secrets.values():  # the page token key, as the stack generates it
            create_secret(secretsmanager, secret)
        layers = [stack.root / "layers"]
        names = ("OccupancyReadFunction", "TemperatureReadFunction", "ReportsApiReadFunction")
        names += ("BookingsReadFunction", "BookingsWriteFunction")
        load = {name: load_handler_module(stack.functions[name], layers) for name in names}
        from sitepulse.common.aws import dynamodb
        from sitepulse.occupancy.repository import OccupancyRepository
        from sitepulse.temperature.repository import TemperatureRepository

        meter = CostMeter(dynamodb())  # the handlers' shared, cached client
        print(f"{'history':<8} {'call':<44} {'points':>6} {'requests':>8} {'ms':>7}  bound")

        def measure(history: str, name: str, call: Any, points: int, bound: str) -> None:
            meter.reset()
            began = time.perf_counter()
            call()
            elapsed = (time.perf_counter() - began) * 1000
            print(f"{history:<8} {name:<44} {points:>6} {meter.total_requests:>8} {elapsed:>7.1f}  {bound}")

        occupancy = load["OccupancyReadFunction"]
        temperature = load["TemperatureReadFunction"]
        repository = TemperatureRepository(client, stack.tables["TemperatureTable"].name)
        occupancy_writes = OccupancyRepository(client, stack.tables["OccupancyTable"].name)
        for history, days in HISTORIES.items():
            sensor, room = f"bench-{days}d", f"room-{days}d"
            seed(occupancy_writes, _occupancy_history(sensor, days), raw_events=False)  # series read none
            hours = days * 24
            repository.bulk_load(
                "bench",
                room,
                ((NOW - timedelta(hours=h, minutes=20), Decimal(20 + h % 7)) for h in range(hours)),
            )
            path = f"/api/sensors/{sensor}/occupancy/series"
            route, params = "/api/sensors/{sensor}/occupancy/series", {"sensor": sensor}
            cases = [
                ("occupancy series 24 h, 1h, on the hour", "2024-12-30T12:00:00Z", "1h", 24),
                ("occupancy series 24 h, 5m, off the hour", "2024-12-30T12:07:00Z", "5m", 288),
                ("occupancy series 1000 d, 1d, off midnight", "2022-04-06T12:07:00Z", "1d", 1000),
            ]
            for name, start, step, points in cases:
                query = {"from": start, "to": "2024-12-31T12:00:00Z", "step": step}
                measure(
                    history,
                    name,
                    lambda q=query, p=path, r=route, a=params: _get(occupancy, p, r, q, a),
                    points,
                    OCCUPANCY_BOUND,
                )
            path = f"/api/v1/buildings/bench/rooms/{room}/temperatures/series"
            route = "/api/v1/buildings/{building}/rooms/{room}/temperatures/series"
            params = {"building": "bench", "room": room}
            for name, start, step, points in [
                ("temperature series 7 d, 1h", "2024-12-24T12:00:00Z", "1h", 168),
                ("temperature series 41 d, 1h", "2024-11-20T12:00:00Z", "1h", 984),
                ("temperature series 366 d, 1d", "2023-12-31T12:00:00Z", "1d", 366),
            ]:
                query = {"from": start, "to": "2024-12-31T12:00:00Z", "step": step}
                measure(
                    history,
                    name,
                    lambda q=query, p=path, r=route, a=params: _get(temperature, p, r, q, a),
                    points,
                    TEMPERATURE_BOUND,
                )
        for hotel in range(1, 4):
            body = {"hotel_id": hotel, "timestamp": "2024-03-01T10:00:00Z", "rpg_status": 1, "room_id": "r",
                    "night_of_stay": "2024-05-01"}  # fmt: skip
            load["BookingsWriteFunction"].handler(api_event("POST", "/api/events", body), CONTEXT)
        listings = [
            ("buildings list", temperature, "/api/v1/buildings"),
            ("hotels list", load["BookingsReadFunction"], "/api/hotels"),
            ("reports list (newest first)", load["ReportsApiReadFunction"], "/api/reports"),
        ]
        for name, module, path in listings:
            measure("-", name, lambda m=module, p=path: _get(m, p, p, {"limit": "100"}), 0, LISTING_BOUND)
        print(
            "requests: DynamoDB requests per call (BatchGetItem: 100 keys each; Query: 1 MB pages).\n"
            "ms: in-process against moto, one call (moto's latency is not DynamoDB's)."
        )


if __name__ == "__main__":
    run()
