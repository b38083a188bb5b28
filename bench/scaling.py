"""Capacity and monthly cost at 1k, 100k and 1M sensors, from the per-call costs `make bench` measures.

    python -m bench.scaling              # print the tables (Markdown)
    python -m bench.scaling --check FILE # exit 1 if FILE's generated block is not the current output
    python -m bench.scaling --write FILE # replace FILE's generated block with the current output

The model is deliberately small and explicit: a fleet (sensors and everything at fixed ratios to
them), the traffic each device or dashboard sends, what one call of each route costs (DynamoDB
requests and capacity, Lambda milliseconds; the `bench/api_*.py` figures), what alert evaluation
costs per stream record and per transition (under two stated assumptions), and list prices.
Everything else is arithmetic, unit-tested in tests/unit/test_scaling.py.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from local.demo.store_data import FULL_SCALE

SECONDS_PER_MONTH = 30 * 86_400
AUTHORIZER_TTL_SECONDS = 300  # template: AuthorizerCacheTtlSeconds
ROUTE_RATE_LIMIT = 100  # template default ThrottlingRateLimit (requests/s per route)
PARTITION_WCU = 1_000  # per partition key, per second
PARTITION_RCU = 3_000
TABLE_WCU_QUOTA = 40_000  # default per-table on-demand maximum (soft quota, can be raised)
TABLE_RCU_QUOTA = 40_000
ON_DEMAND_START_WCU = 4_000  # a new on-demand table serves this at once, then doubles its peak
ACCOUNT_LAMBDA_CONCURRENCY = 1_000  # default regional quota (soft)
ACCOUNT_API_RPS = 10_000  # API Gateway default regional throttle, all APIs of the account (soft)
LOG_BYTES_PER_INVOCATION = 1_000  # START/END/REPORT lines + one JSON access line (Powertools)

# Alerts: the two assumptions (stated in docs/scaling.md), then the template's event sources.
ALERT_WATCHED_SHARE = 0.10  # of the sensors and of the rooms: one rule each
ALERT_TRANSITION_SHARE = 0.01  # of a watched target's stream records: a transition (FIRING or RESOLVED)
RULE_PAGE = 100  # GET /api/alerts default page size
BANNER_PAGES = 3  # the console's firing banner reads at most 3 pages
RULE_ITEM_BYTES = 500  # a rule item as the listing index (ALL projection) holds it
STREAM_BATCH_SIZE = 100  # template: the evaluator's and the outbox's BatchSize
DELIVERY_BATCH_SIZE = 10  # template: the delivery function's SQS BatchSize
PARALLELIZATION_FACTOR = 10  # the evaluator's stream sources in template.yaml (a test holds them equal)
STREAM_POLLS_PER_SECOND = 4  # Lambda reads each stream shard about 4 times a second
ALERTS_API_TIMEOUT_SECONDS = 15  # template Globals Timeout

# --------------------------------------------------------------------------- the fleet


@dataclass(frozen=True)
class Fleet:
    """Everything at fixed ratios to the number of occupancy sensors."""

    sensors: int
    ROOMS_PER_SENSOR = 1.0  # one thermometer in each room that has a door counter
    ROOMS_PER_BUILDING = 50
    SENSORS_PER_HOTEL = 100
    # 100k sensors ≙ the full-scale store data set the report figures are measured on
    # (`make bench-report`): the generator's FULL_SCALE, not a copy of its figure.
    STORES_PER_SENSOR = FULL_SCALE.stores / 100_000

    @property
    def rooms(self) -> int:
        return round(self.sensors * self.ROOMS_PER_SENSOR)

    @property
    def buildings(self) -> int:
        return max(1, math.ceil(self.rooms / self.ROOMS_PER_BUILDING))

    @property
    def hotels(self) -> int:
        return max(1, math.ceil(self.sensors / self.SENSORS_PER_HOTEL))

    @property
    def stores(self) -> int:
        return max(1, round(self.sensors * self.STORES_PER_SENSOR))

    @property
    def alert_rules(self) -> int:
        """One rule per watched sensor and per watched room (ALERT_WATCHED_SHARE of each)."""
        return round((self.sensors + self.rooms) * ALERT_WATCHED_SHARE)

    @property
    def rule_listing_pages(self) -> int:
        """Listing pages the console's firing banners read: up to 3 pages of 100 rules per
        building dashboard (functions/console/static/app.js, `firingBanner`)."""
        return self.buildings * min(BANNER_PAGES, max(1, math.ceil(self.alert_rules / RULE_PAGE)))


# --------------------------------------------------------------------------- what one call costs


@dataclass(frozen=True)
class CallCost:
    """One call of a route, as `make bench` measures it (requests, capacity) plus the Lambda time
    it takes on AWS: the handler's own time (bench "own ms") + DynamoDB latency per request."""

    requests: int
    rcu: float
    wcu: float
    lambda_ms: float
    memory_mb: int
    source: str


# Per-request DynamoDB latency on AWS (the figures make bench-report uses): GetItem 5 ms,
# Query 10 ms, a transaction 15 ms.
COSTS: dict[str, CallCost] = {
    # 1 TransactWriteItems, 5 items (event + summary, month, day, hour-of-minutes) x 2 WCU.
    "POST /api/webhook": CallCost(1, 0.0, 10.0, 3 + 15, 512, "bench/api_occupancy.py"),
    "GET /api/sensors/{sensor}/occupancy": CallCost(1, 0.5, 0.0, 2 + 5, 512, "bench/api_occupancy.py"),
    # keys-only GSI page of 100 sensors (< 4 KB, eventually consistent)
    "GET /api/sensors": CallCost(1, 0.5, 0.0, 3 + 10, 512, "bench/api_console.py"),
    # 1 TransactWriteItems, 4 items (reading, hour bucket, room summary, building marker) x 2 WCU.
    "POST /api/v1/buildings/{b}/rooms/{r}/temperatures": CallCost(
        1, 0.0, 8.0, 3 + 15, 512, "bench/api_temperature.py"
    ),
    "GET /api/v1/buildings/{b}/rooms/{r}/temperatures/average": CallCost(
        1, 1.0, 0.0, 3 + 10, 512, "bench/api_temperature.py"
    ),
    # 1 Query of up to 100 room summaries (strongly consistent, < 8 KB)
    "GET /api/v1/buildings/{b}/rooms": CallCost(1, 2.0, 0.0, 3 + 10, 512, "bench/api_temperature.py"),
    # 1 GetItem + 1 TransactWriteItems of 4 items (event, reservation-night, day counter, hotel
    # marker): 1 RCU + 8 WCU, + 1 WCU for the event's copy in the (all-attributes) index.
    "POST /api/events": CallCost(2, 1.0, 9.0, 3 + 5 + 15, 512, "bench/api_bookings.py"),
    "GET /api/dashboard": CallCost(1, 3.0, 0.0, 4 + 10, 512, "bench/api_bookings.py"),
    # Lambda authorizer, uncached: 1 GetItem on the keys table, eventually consistent (the
    # repository sends no ConsistentRead; the unit test checks it), item < 4 KB: 0.5 RCU.
    "authorizer": CallCost(1, 0.5, 0.0, 3 + 5, 256, "bench/api_authorizer.py"),
    # Alert rules. Create: 1 PutItem of the rule (1 WCU) + its copies in gsi1 and gsi2 (ALL).
    "POST /api/alerts": CallCost(1, 0.0, 3.0, 3 + 5, 512, "functions/alerts_api"),
    # 1 Query of gsi1 (`gsi1pk = ALERTS`, eventually consistent): 101 rules of ~500 B = 13 × 4 KB.
    "GET /api/alerts": CallCost(
        1, math.ceil((RULE_PAGE + 1) * RULE_ITEM_BYTES / 4096) / 2, 0.0, 3 + 10, 512, "functions/alerts_api"
    ),
    # 1 consistent GetItem of the rule + 2 Queries (20 transitions, 20 deliveries of < 1 KB).
    "GET /api/alerts/{alert_id}": CallCost(3, 1.0 + 0.5 + 2.5, 0.0, 3 + 5 + 20, 512, "functions/alerts_api"),
    # 1 consistent GetItem (the key's limits) + 1 DeleteItem (the rule and its two index copies).
    "DELETE /api/alerts/{alert_id}": CallCost(2, 1.0, 3.0, 3 + 5 + 6, 512, "functions/alerts_api"),
}

# What the alert functions pay per stream record or notification (bench/api_alerts.py counts
# them; tests/unit/test_scaling.py checks the requests against the real handlers).
ALERT_COSTS: dict[str, CallCost] = {
    # Every summary record: 1 Query of gsi2 for the target's rules (eventually consistent).
    "evaluate a record": CallCost(1, 0.5, 0.0, 1 + 10, 512, "bench/api_alerts.py"),
    # A watched room, in addition: its readings of the rule's window and the one before it,
    # 2 consistent Queries of TemperatureTable (a 15-minute window: 1 RCU each).
    "temperature window": CallCost(2, 2.0, 0.0, 1 + 20, 512, "bench/api_alerts.py"),
    # A transition, in addition: the rule re-read (consistent GetItem) and 1 TransactWriteItems of
    # 3 items (rule, transition, delivery: 6 WCU) + the rule's copies in gsi1 and gsi2 (2 WCU).
    "transition": CallCost(2, 1.0, 8.0, 2 + 5 + 15, 512, "bench/api_alerts.py"),
    # Outbox relay, per delivery record: SendMessage, then the e-mail: the delivery and the rule
    # (2 consistent GetItems), the mailed mark (1 UpdateItem), 1 SNS Publish.
    "outbox": CallCost(3, 2.0, 1.0, 2 + 10 + 10 + 6 + 10, 256, "functions/alert_outbox"),
    # Delivery, per notification: the delivery and the rule (2 consistent GetItems), the claim and
    # the outcome (2 UpdateItems), the POST (a receiver answering in ~100 ms, assumed).
    "delivery": CallCost(4, 2.0, 2.0, 2 + 10 + 12 + 100, 256, "functions/alert_delivery"),
}

# --------------------------------------------------------------------------- traffic


@dataclass(frozen=True)
class Route:
    name: str
    table: str
    unit: str  # which fleet count sends it: sensors, rooms, buildings, hotels
    per_unit_per_second: float
    why: str
    clients: str = ""  # which fleet count holds the keys (each its own), when not `unit`

    def rate(self, fleet: Fleet) -> float:
        return getattr(fleet, self.unit) * self.per_unit_per_second


ROUTES: tuple[Route, ...] = (
    Route("POST /api/webhook", "OccupancyTable", "sensors", 1 / 60, "each sensor reports once a minute"),
    Route(
        "GET /api/sensors/{sensor}/occupancy",
        "OccupancyTable",
        "sensors",
        1 / 60,
        "a room display polls its sensor once a minute",
    ),
    Route("GET /api/sensors", "OccupancyTable", "buildings", 1 / 60, "a building dashboard, once a minute"),
    Route(
        "POST /api/v1/buildings/{b}/rooms/{r}/temperatures",
        "TemperatureTable",
        "rooms",
        1 / 300,
        "a thermometer reading every 5 minutes",
    ),
    Route(
        "GET /api/v1/buildings/{b}/rooms/{r}/temperatures/average",
        "TemperatureTable",
        "rooms",
        1 / 300,
        "the room display's 15-minute average, every 5 minutes",
    ),
    Route(
        "GET /api/v1/buildings/{b}/rooms",
        "TemperatureTable",
        "buildings",
        1 / 60,
        "a building dashboard, once a minute",
    ),
    Route("POST /api/events", "BookingsTable", "hotels", 200 / 86_400, "200 booking events per hotel a day"),
    Route("GET /api/dashboard", "BookingsTable", "hotels", 1 / 60, "a hotel dashboard, once a minute"),
    Route(
        "GET /api/alerts",
        "AlertsTable",
        "rule_listing_pages",
        1 / 60,
        "a building dashboard's firing banner, up to 3 pages of rules, once a minute",
        clients="buildings",
    ),
    Route(
        "GET /api/alerts/{alert_id}",
        "AlertsTable",
        "alert_rules",
        1 / 86_400,
        "each rule looked at once a day",
    ),
    Route(
        "POST /api/alerts", "AlertsTable", "alert_rules", 1 / (30 * 86_400), "each rule replaced once a month"
    ),
    Route(
        "DELETE /api/alerts/{alert_id}",
        "AlertsTable",
        "alert_rules",
        1 / (30 * 86_400),
        "each rule replaced once a month",
    ),
)


def authorizer_rate(fleet: Fleet) -> float:
    """Uncached authorizer calls: every client has its own key and the decision is cached per
    (key, route) for the TTL, so each client costs at most one call per TTL and route."""
    return sum(
        min(route.rate(fleet), getattr(fleet, route.clients or route.unit) / AUTHORIZER_TTL_SECONDS)
        for route in ROUTES
    )


# --------------------------------------------------------------------------- prices


@dataclass(frozen=True)
class Prices:
    """On-demand list prices (US East, N. Virginia) assumed for 2026; Europe (Ireland), the
    samconfig region, lists about 10 % higher. Free tiers ignored."""

    api_per_million: float = 1.00  # HTTP API, first 300 M requests a month
    api_per_million_after_300m: float = 0.90
    lambda_per_million: float = 0.20
    lambda_per_gb_second: float = 0.0000166667  # x86
    dynamodb_per_million_wru: float = 0.625
    dynamodb_per_million_rru: float = 0.125
    dynamodb_gb_month: float = 0.25
    step_functions_per_1000_transitions: float = 0.025
    sqs_per_million: float = 0.40  # standard queue requests
    sns_per_million: float = 0.50  # publishes (e-mail deliveries to subscribers not counted)
    logs_per_gb: float = 0.50


PRICES = Prices()


def api_gateway_cost(requests: float, prices: Prices = PRICES) -> float:
    first = min(requests, 300e6)
    return first / 1e6 * prices.api_per_million + (requests - first) / 1e6 * prices.api_per_million_after_300m


# --------------------------------------------------------------------------- the store reports

BUCKETS = 64  # sitepulse.store_uptime.storage.keys.BUCKETS: at most one shard per bucket
STORES_PER_SHARD = 1_000  # report_stores_per_shard
MIN_SHARDS = 4
MAP_MAX_CONCURRENCY = 16  # statemachine/report.asl.json
INLINE_MAP_CONCURRENCY_LIMIT = 40
SHARD_TIMEOUT_SECONDS = 300
SHARD_MEMORY_MB = 1_024
# Measured per shard of ~1,000 stores (make bench-report): compute up to 0.51 s, 44-55 Queries
# (10 ms each), up to 13.4 MiB peak memory, 1.4 MiB read; the CSV is ~60 bytes per store.
SECONDS_PER_1000_STORES = 0.51 + 55 * 0.010
MIB_PER_1000_STORES = 13.4
READ_MIB_PER_1000_STORES = 1.4
CSV_BYTES_PER_STORE = 60
S3_MB_PER_SECOND = 60
PART_BYTES = 160  # one Map result: {"shard", "key", "rows"} in JSON
STATE_PAYLOAD_LIMIT = 256 * 1024
HISTORY_LIMIT = 25_000
EVENTS_PER_ITERATION = 7
REFERENCE_STORES = FULL_SCALE.stores


@dataclass(frozen=True)
class ReportPlan:
    stores: int

    @property
    def shards(self) -> int:
        wanted = max(math.ceil(self.stores / STORES_PER_SHARD), MIN_SHARDS)
        return min(wanted, BUCKETS, self.stores)

    @property
    def stores_per_shard(self) -> float:
        return self.stores / self.shards

    @property
    def shard_seconds(self) -> float:
        return self.stores_per_shard / 1000 * SECONDS_PER_1000_STORES

    @property
    def shard_memory_mib(self) -> float:
        return self.stores_per_shard / 1000 * MIB_PER_1000_STORES

    @property
    def waves(self) -> int:
        return math.ceil(self.shards / MAP_MAX_CONCURRENCY)

    @property
    def latency_seconds(self) -> float:
        finalize = self.stores * CSV_BYTES_PER_STORE / (S3_MB_PER_SECOND * 1e6)
        return 1 + self.waves * self.shard_seconds + finalize

    @property
    def map_result_bytes(self) -> int:
        return self.shards * PART_BYTES

    @property
    def history_events(self) -> int:
        return 10 + self.shards * EVENTS_PER_ITERATION

    @property
    def read_rru(self) -> float:
        return self.stores / 1000 * READ_MIB_PER_1000_STORES * 1024 / 4 / 2  # eventually consistent

    @property
    def lambda_gb_seconds(self) -> float:
        return self.shards * self.shard_seconds * SHARD_MEMORY_MB / 1024 + 0.5

    @property
    def transitions(self) -> int:
        return 4 + self.shards * 2

    def limits(self) -> list[str]:
        """What is near or over a limit, in words (empty: nothing)."""
        found = []
        if self.shard_seconds > SHARD_TIMEOUT_SECONDS * 0.5:
            found.append(f"shard time {self.shard_seconds:.0f} s of the {SHARD_TIMEOUT_SECONDS} s timeout")
        if self.shard_memory_mib > SHARD_MEMORY_MB * 0.5:
            found.append(f"shard memory {self.shard_memory_mib:.0f} MiB of {SHARD_MEMORY_MB}")
        if self.map_result_bytes > STATE_PAYLOAD_LIMIT * 0.5:
            found.append("Map result near the 256 KB state payload limit")
        if self.history_events > HISTORY_LIMIT * 0.5:
            found.append("execution history near 25,000 events")
        return found


# --------------------------------------------------------------------------- the whole picture


@dataclass(frozen=True)
class RouteLoad:
    route: str
    table: str
    rps: float  # API requests, or records / notifications handled, per second
    rcu: float
    wcu: float
    concurrency: float
    kind: str = "api"  # api, authorizer, alerts (stream and queue work behind no request)
    invocations: float = -1.0  # Lambda invocations per second; -1: one per request
    memory_mb: int = 512

    @property
    def lambda_invocations(self) -> float:
        return self.rps if self.invocations < 0 else self.invocations


def _load(name: str, table: str, rps: float, cost: CallCost, kind: str = "api") -> RouteLoad:
    return RouteLoad(
        name,
        table,
        rps,
        rps * cost.rcu,
        rps * cost.wcu,
        rps * cost.lambda_ms / 1000,
        kind,
        memory_mb=cost.memory_mb,
    )


def route_loads(fleet: Fleet) -> list[RouteLoad]:
    loads = [_load(route.name, route.table, route.rate(fleet), COSTS[route.name]) for route in ROUTES]
    loads.append(
        _load(
            "authorizer (uncached)", "ApiKeysTable", authorizer_rate(fleet), COSTS["authorizer"], "authorizer"
        )
    )
    return loads + alert_loads(fleet)


def api_loads(loads: Iterable[RouteLoad]) -> list[RouteLoad]:
    return [load for load in loads if load.kind == "api"]


# --------------------------------------------------------------------------- alert evaluation


@dataclass(frozen=True)
class StreamPlan:
    """One table's stream and the evaluator reading it. Lambda runs one batch at a time per shard
    (times the ParallelizationFactor), so the evaluator keeps up only while a shard's records
    take less than a second per second to evaluate, one Query after another."""

    table: str
    records: float  # summary records per second (one per stored write)
    shards: int  # the table's partitions (a stream has one shard per partition)
    ms_per_record: float

    @property
    def records_per_shard(self) -> float:
        return self.records / self.shards

    @property
    def busy(self) -> float:
        """Share of each shard's second its one evaluator is busy (over 1: it falls behind)."""
        return self.records_per_shard * self.ms_per_record / 1000 / PARALLELIZATION_FACTOR

    @property
    def invocations(self) -> float:
        """Batches per second: each poll takes what has arrived, up to the batch size."""
        return max(self.records / STREAM_BATCH_SIZE, min(self.records, self.shards * STREAM_POLLS_PER_SECOND))


def partitions(wcu: float, rcu: float) -> int:
    """The fewest partitions a table can have for its load (1,000 WCU / 3,000 RCU each), and
    at least the ones a new on-demand table starts with (it serves 4,000 WCU at once). DynamoDB
    may hold more (after a peak, or as the data grows), which only spreads the records further."""
    start = ON_DEMAND_START_WCU // PARTITION_WCU
    return max(start, math.ceil(wcu / PARTITION_WCU), math.ceil(rcu / PARTITION_RCU))


def _base_loads(fleet: Fleet) -> dict[str, RouteLoad]:
    return {
        route.name: _load(route.name, route.table, route.rate(fleet), COSTS[route.name]) for route in ROUTES
    }


def stream_plans(fleet: Fleet) -> list[StreamPlan]:
    base = _base_loads(fleet)
    plans = []
    for table, write, window in (
        ("OccupancyTable", "POST /api/webhook", 0.0),
        (
            "TemperatureTable",
            "POST /api/v1/buildings/{b}/rooms/{r}/temperatures",
            ALERT_WATCHED_SHARE * ALERT_COSTS["temperature window"].lambda_ms,
        ),
    ):
        loads = [load for load in base.values() if load.table == table]
        wcu, rcu = sum(load.wcu for load in loads), sum(load.rcu for load in loads)
        per_record = (
            ALERT_COSTS["evaluate a record"].lambda_ms
            + window
            + ALERT_WATCHED_SHARE * ALERT_TRANSITION_SHARE * ALERT_COSTS["transition"].lambda_ms
        )
        plans.append(StreamPlan(table, base[write].rps, partitions(wcu, rcu), per_record))
    return plans


def transitions_per_second(fleet: Fleet) -> float:
    return sum(plan.records for plan in stream_plans(fleet)) * ALERT_WATCHED_SHARE * ALERT_TRANSITION_SHARE


def alert_loads(fleet: Fleet) -> list[RouteLoad]:
    """The evaluator, outbox and delivery work behind the writes: no API request, no authorizer."""
    plans = {plan.table: plan for plan in stream_plans(fleet)}
    occupancy, temperature = plans["OccupancyTable"], plans["TemperatureTable"]
    transitions = transitions_per_second(fleet)
    evaluate, window = ALERT_COSTS["evaluate a record"], ALERT_COSTS["temperature window"]
    loads = []
    for plan in (occupancy, temperature):
        loads.append(
            RouteLoad(
                f"evaluator: {plan.table} records",
                "AlertsTable",
                plan.records,
                plan.records * evaluate.rcu,
                0.0,
                plan.records * plan.ms_per_record / 1000,
                "alerts",
                plan.invocations,
                evaluate.memory_mb,
            )
        )
    watched_rooms = temperature.records * ALERT_WATCHED_SHARE
    # Its time is in the evaluator's per-record time above: no invocation, no concurrency of its own.
    loads.append(
        RouteLoad(
            "evaluator: watched rooms' windows",
            "TemperatureTable",
            watched_rooms,
            watched_rooms * window.rcu,
            0.0,
            0.0,
            "alerts",
            0.0,
        )
    )
    transition = ALERT_COSTS["transition"]
    loads.append(
        RouteLoad(
            "evaluator: transitions",
            "AlertsTable",
            transitions,
            transitions * transition.rcu,
            transitions * transition.wcu,
            0.0,
            "alerts",
            0.0,
        )
    )
    for name, batch in (("outbox", STREAM_BATCH_SIZE), ("delivery", DELIVERY_BATCH_SIZE)):
        cost = ALERT_COSTS[name]
        # The alerts table's stream and the queue carry one record / message per transition;
        # at these rates a poll finds one or a few: about one invocation per notification.
        invocations = max(transitions / batch, transitions)
        loads.append(
            RouteLoad(
                name,
                "AlertsTable",
                transitions,
                transitions * cost.rcu,
                transitions * cost.wcu,
                transitions * cost.lambda_ms / 1000,
                "alerts",
                invocations,
                cost.memory_mb,
            )
        )
    return loads


@dataclass(frozen=True)
class HotPartition:
    table: str
    key: str
    wcu: float
    rcu: float
    note: str


def hottest_partitions(fleet: Fleet) -> list[HotPartition]:
    """The busiest partition key of each table. Writes and reads of one sensor, room or hotel stay
    in that entity's partitions, so most of these do not grow with the fleet; the listing index
    partitions are read more as dashboards multiply (a keys-only GSI is written only when a new
    sensor or building first appears: re-setting an unchanged key writes nothing to the index)."""
    by_name = {load.route: load for load in route_loads(fleet)}
    sensor_write = by_name["POST /api/webhook"].wcu / fleet.sensors * 0.8  # 4 of the 5 items
    sensor_read = by_name["GET /api/sensors/{sensor}/occupancy"].rcu / fleet.sensors
    building_write = by_name["POST /api/v1/buildings/{b}/rooms/{r}/temperatures"].wcu / fleet.buildings / 2
    hotel_write = by_name["POST /api/events"].wcu / fleet.hotels * 4 / 9  # marker + day counter
    hotel_read = by_name["GET /api/dashboard"].rcu / fleet.hotels
    # Ingestion writes one hour of polls of a bucket-day partition in one burst, at ~80k rows/s.
    stores_burst = 80_000 / BUCKETS * 8.8 / 1024
    key_reads = COSTS["authorizer"].rcu / AUTHORIZER_TTL_SECONDS * len(ROUTES)
    return [
        HotPartition("OccupancyTable", "SENSOR#<sensor>", sensor_write, sensor_read, "one sensor"),
        HotPartition(
            "OccupancyTable gsi1",
            "SENSOR (sensor listing)",
            0.0,
            by_name["GET /api/sensors"].rcu,
            "all listings; grows with buildings",
        ),
        HotPartition(
            "TemperatureTable",
            "BLDG#<building>",
            building_write,
            by_name["GET /api/v1/buildings/{b}/rooms"].rcu / fleet.buildings,
            f"{Fleet.ROOMS_PER_BUILDING} rooms' summaries + the building marker",
        ),
        HotPartition(
            "BookingsTable", "C#<hotel>#<year>", hotel_write, hotel_read, "one hotel's year and marker"
        ),
        HotPartition("StoresTable", "P#<bucket>#<day>", stores_burst, 0.0, "ingestion burst, any fleet size"),
        HotPartition("ApiKeysTable", "<key id>", 0.0, key_reads, "one key, every route, once per cache TTL"),
        # Every rule is in the one `gsi1pk = ALERTS` partition: all listings read it, and every
        # transition, creation and deletion writes the rule's copy there.
        HotPartition(
            "AlertsTable gsi1",
            "ALERTS (rule listing)",
            transitions_per_second(fleet)
            + by_name["POST /api/alerts"].wcu / 3
            + by_name["DELETE /api/alerts/{alert_id}"].wcu / 3,
            by_name["GET /api/alerts"].rcu,
            "every rule; read by every listing",
        ),
    ]


@dataclass(frozen=True)
class MonthlyCost:
    api_gateway: float
    lambda_requests: float
    lambda_compute: float
    dynamodb_writes: float
    dynamodb_reads: float
    dynamodb_storage_added: float
    step_functions: float
    sqs_and_sns: float
    logs: float

    @property
    def total(self) -> float:
        return sum(vars(self).values())


REPORTS_PER_MONTH = 24 * 30  # one store report an hour
# Bytes a month adds per unit (items + DynamoDB's 100-byte per-item overhead):
# occupancy ~180 B per event, temperature ~150 B per reading, a booking ~600 B (with its GSI copy).
STORAGE_BYTES_PER_MONTH = {
    "sensors": 43_200 * 180,
    "rooms": 8_640 * 150,
    "hotels": 6_000 * 600,
    "stores": 720 * 9,
}
# An alert transition keeps its transition (~200 B) and delivery (~600 B, the test measures it)
# items, + DynamoDB's 100 B per item: nothing expires them.
TRANSITION_BYTES = 1_000
SQS_REQUESTS_PER_NOTIFICATION = 3  # send, receive, delete


def monthly_cost(fleet: Fleet, prices: Prices = PRICES) -> MonthlyCost:
    loads = route_loads(fleet)
    api_requests = sum(load.rps for load in api_loads(loads)) * SECONDS_PER_MONTH
    invocations = sum(load.lambda_invocations for load in loads) * SECONDS_PER_MONTH
    gb_seconds = sum(load.concurrency * SECONDS_PER_MONTH * load.memory_mb / 1024 for load in loads)
    notifications = transitions_per_second(fleet) * SECONDS_PER_MONTH
    report = ReportPlan(fleet.stores)
    gb_seconds += REPORTS_PER_MONTH * report.lambda_gb_seconds
    # Hourly ingestion: ~12 µs of a 1 GB function per poll row, ~0.01 WCU per row.
    ingest_rows = fleet.stores * 720
    gb_seconds += ingest_rows * 12e-6
    wru = sum(load.wcu for load in loads) * SECONDS_PER_MONTH + ingest_rows * 0.01
    rru = sum(load.rcu for load in loads) * SECONDS_PER_MONTH + REPORTS_PER_MONTH * report.read_rru
    stored = sum(getattr(fleet, unit) * size for unit, size in STORAGE_BYTES_PER_MONTH.items()) / 1e9
    stored += notifications * TRANSITION_BYTES / 1e9
    return MonthlyCost(
        api_gateway=api_gateway_cost(api_requests, prices),
        lambda_requests=invocations / 1e6 * prices.lambda_per_million,
        lambda_compute=gb_seconds * prices.lambda_per_gb_second,
        dynamodb_writes=wru / 1e6 * prices.dynamodb_per_million_wru,
        dynamodb_reads=rru / 1e6 * prices.dynamodb_per_million_rru,
        dynamodb_storage_added=stored * prices.dynamodb_gb_month,
        step_functions=REPORTS_PER_MONTH
        * report.transitions
        / 1000
        * prices.step_functions_per_1000_transitions,
        sqs_and_sns=notifications
        * (SQS_REQUESTS_PER_NOTIFICATION * prices.sqs_per_million + prices.sns_per_million)
        / 1e6,
        logs=invocations * LOG_BYTES_PER_INVOCATION / 1e9 * prices.logs_per_gb,
    )


def alerts_monthly_cost(fleet: Fleet, prices: Prices = PRICES) -> float:
    """What alerts add: the rules API (requests, functions, capacity), the evaluator, outbox and
    delivery (functions, capacity, logs), the queue and topic, and the transitions kept."""
    loads = [load for load in route_loads(fleet) if load.kind == "alerts" or load.table == "AlertsTable"]
    month = SECONDS_PER_MONTH
    api = sum(load.rps for load in api_loads(loads)) * month
    invocations = sum(load.lambda_invocations for load in loads) * month
    notifications = transitions_per_second(fleet) * month
    return (
        api / 1e6 * prices.api_per_million
        + invocations / 1e6 * prices.lambda_per_million
        + sum(load.concurrency * load.memory_mb / 1024 for load in loads)
        * month
        * prices.lambda_per_gb_second
        + sum(load.wcu for load in loads) * month / 1e6 * prices.dynamodb_per_million_wru
        + sum(load.rcu for load in loads) * month / 1e6 * prices.dynamodb_per_million_rru
        + notifications * TRANSITION_BYTES / 1e9 * prices.dynamodb_gb_month
        + notifications
        * (SQS_REQUESTS_PER_NOTIFICATION * prices.sqs_per_million + prices.sns_per_million)
        / 1e6
        + invocations * LOG_BYTES_PER_INVOCATION / 1e9 * prices.logs_per_gb
    )


def table_totals(fleet: Fleet) -> dict[str, tuple[float, float]]:
    totals: dict[str, tuple[float, float]] = {}
    for load in route_loads(fleet):
        rcu, wcu = totals.get(load.table, (0.0, 0.0))
        totals[load.table] = (rcu + load.rcu, wcu + load.wcu)
    return totals


def breaks(fleet: Fleet) -> list[str]:
    """Every limit the fleet reaches, most urgent first, each with the fix."""
    found = []
    loads = route_loads(fleet)
    busiest = max(api_loads(loads), key=lambda load: load.rps)
    total_rps = sum(load.rps for load in api_loads(loads))
    if busiest.rps > ROUTE_RATE_LIMIT:
        found.append(
            f"route throttling: {busiest.route} at {busiest.rps:,.0f} req/s > ThrottlingRateLimit "
            f"{ROUTE_RATE_LIMIT} → 429s; deploy with ThrottlingRateLimit ≈ 2 × the busiest route"
        )
    for table, (rcu, wcu) in table_totals(fleet).items():
        if wcu > TABLE_WCU_QUOTA or rcu > TABLE_RCU_QUOTA:
            found.append(
                f"{table}: {wcu:,.0f} WCU/s, {rcu:,.0f} RCU/s > the 40,000 per-table on-demand quota; "
                "raise the quota (soft) and cut WCU per event"
            )
        elif wcu > ON_DEMAND_START_WCU:
            found.append(
                f"{table}: {wcu:,.0f} WCU/s > the {ON_DEMAND_START_WCU:,} WCU/s a new on-demand table "
                "serves at once; "
                "pre-warm it (WarmThroughput) before onboarding"
            )
    if total_rps > ACCOUNT_API_RPS:
        found.append(
            f"API Gateway: {total_rps:,.0f} req/s > the account's {ACCOUNT_API_RPS:,} req/s regional quota; "
            "request an increase (soft)"
        )
    concurrency = sum(load.concurrency for load in loads)
    if concurrency > ACCOUNT_LAMBDA_CONCURRENCY * 0.5:
        found.append(
            f"Lambda: ~{concurrency:,.0f} concurrent executions on average (peaks 2-3×) against the "
            f"default {ACCOUNT_LAMBDA_CONCURRENCY:,}; request an increase (soft)"
        )
    for hot in hottest_partitions(fleet):
        if hot.wcu > PARTITION_WCU * 0.5 or hot.rcu > PARTITION_RCU * 0.5:
            found.append(f"{hot.table} partition {hot.key}: {hot.wcu:,.1f} WCU/s, {hot.rcu:,.1f} RCU/s")
    for plan in stream_plans(fleet):
        if plan.busy >= 1:
            found.append(
                f"alert evaluator behind on the {plan.table} stream: {plan.records_per_shard:,.0f} records/s "
                f"per shard × {plan.ms_per_record:.1f} ms = {plan.busy:.2f} s of work a second for its one "
                "batch at a time; set ParallelizationFactor on the event source"
            )
    return found


def first_evaluator_backlog(largest: int = 1_000_000, step: int = 100) -> int | None:
    """The smallest fleet (to `step` sensors) at which a stream shard gives the evaluator more
    than a second of work a second (None: not up to `largest`). Not linear in the fleet: shards
    come with partitions."""
    for sensors in range(step, largest + 1, step):
        if any(plan.busy >= 1 for plan in stream_plans(Fleet(sensors))):
            return sensors
    return None


@dataclass(frozen=True)
class Threshold:
    limit: str
    sensors: int  # the fleet size at which the limit is reached (everything is linear in sensors)
    fix: str


def thresholds() -> list[Threshold]:
    """Where each fleet-wide limit is crossed, smallest fleet first. Every load is proportional
    to the fleet, so one fleet's figures give the crossing point of each limit."""
    unit = Fleet(1_000_000)
    scale = unit.sensors
    loads = route_loads(unit)
    api = api_loads(loads)
    busiest = max(api, key=lambda load: load.rps)
    totals = table_totals(unit)
    hottest_table = max(totals, key=lambda table: totals[table][1])
    concurrency = sum(load.concurrency for load in loads)

    def at(limit: float, load: float) -> int:
        return math.floor(round(limit / load * scale, 6))

    found = [
        Threshold(
            f"route throttling ({ROUTE_RATE_LIMIT} req/s per route, {busiest.route})",
            at(ROUTE_RATE_LIMIT, busiest.rps),
            "deploy with ThrottlingRateLimit / ThrottlingBurstLimit at 2× the busiest route's rate",
        ),
        Threshold(
            f"{hottest_table} above a new on-demand table's {ON_DEMAND_START_WCU:,} WCU/s",
            at(ON_DEMAND_START_WCU, totals[hottest_table][1]),
            "pre-warm the table (WarmThroughput) before onboarding a fleet that size",
        ),
        Threshold(
            f"Lambda concurrency at half the default {ACCOUNT_LAMBDA_CONCURRENCY:,} (peaks 2×)",
            at(ACCOUNT_LAMBDA_CONCURRENCY / 2, concurrency),
            "request a concurrency quota increase",
        ),
        Threshold(
            f"API Gateway regional quota ({ACCOUNT_API_RPS:,} req/s)",
            at(ACCOUNT_API_RPS, sum(load.rps for load in api)),
            "request a quota increase",
        ),
        Threshold(
            f"{hottest_table} per-table quota ({TABLE_WCU_QUOTA:,} WCU/s)",
            at(TABLE_WCU_QUOTA, totals[hottest_table][1]),
            "request a table quota increase; fewer WCU per event (below)",
        ),
        Threshold(
            f"AlertsTable `gsi1pk = ALERTS` partition at {PARTITION_RCU:,} RCU/s (rule listings)",
            at(PARTITION_RCU, next(h.rcu for h in hottest_partitions(unit) if h.key.startswith("ALERTS"))),
            "list rules by building / by state instead of all in one partition (alerts, below)",
        ),
    ]
    backlog = first_evaluator_backlog()
    if backlog is not None:  # with the template's ParallelizationFactor, not up to 1M sensors
        found.append(
            Threshold(
                f"alert evaluator: a stream shard's records take over a second a second "
                f"(ParallelizationFactor {PARALLELIZATION_FACTOR})",
                backlog,
                "a higher ParallelizationFactor (at most 10) on the evaluator's sources (alerts, below)",
            )
        )
    return sorted(found, key=lambda threshold: threshold.sensors)


# --------------------------------------------------------------------------- output

SCALES = (1_000, 100_000, 1_000_000)
REPORT_SCALES = (1, 10, 100)
BEGIN = "<!-- generated by python -m bench.scaling: begin -->"
END = "<!-- generated by python -m bench.scaling: end -->"


def _n(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:,.1f}"
    return f"{value:.2f}"


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render() -> str:
    fleets = [Fleet(n) for n in SCALES]
    heads = [f"{fleet.sensors:,} sensors" for fleet in fleets]
    out = ["#### Fleet", ""]
    out += _table(
        ["", *heads],
        [
            [kind, *(f"{getattr(fleet, kind):,}" for fleet in fleets)]
            for kind in ("sensors", "rooms", "buildings", "hotels", "stores")
        ],
    )
    out += ["", "#### Requests per second, by route", ""]
    per_fleet = [route_loads(fleet) for fleet in fleets]
    rows = []
    for index, load in enumerate(per_fleet[0]):
        if load.kind != "alerts":
            rows.append([f"`{load.route}`", *(_n(loads[index].rps) for loads in per_fleet)])
    api_totals = (sum(x.rps for x in api_loads(loads)) for loads in per_fleet)
    rows.append(["**API total**", *(_n(total) for total in api_totals)])
    out += _table(["route", *heads], rows)
    out += ["", "#### DynamoDB capacity per table (average units per second)", ""]
    totals = [table_totals(fleet) for fleet in fleets]
    out += _table(
        ["table", *heads],
        [[table, *(f"{_n(t[table][1])} WCU, {_n(t[table][0])} RCU" for t in totals)] for table in totals[0]],
    )
    out += ["", "#### Hottest partition per table (limit 1,000 WCU/s, 3,000 RCU/s per partition)", ""]
    hot = [hottest_partitions(fleet) for fleet in fleets]
    out += _table(
        ["table", "partition key", *heads, "what shares it"],
        [
            [h.table, f"`{h.key}`", *(f"{_n(x[i].wcu)} WCU, {_n(x[i].rcu)} RCU" for x in hot), h.note]
            for i, h in enumerate(hot[0])
        ],
    )
    out += ["", "#### Lambda concurrency (average; size quotas for 2-3× peaks)", ""]
    out += _table(
        ["", *heads],
        [["concurrent executions", *(_n(sum(x.concurrency for x in loads)) for loads in per_fleet)]],
    )
    out += [
        "",
        f"#### Alerts: stream evaluation and notifications ({ALERT_WATCHED_SHARE:.0%} of sensors and rooms "
        f"watched, {ALERT_TRANSITION_SHARE:.0%} of their records a transition)",
        "",
    ]
    plans = [{plan.table: plan for plan in stream_plans(fleet)} for fleet in fleets]
    rows = [["alert rules", *(f"{fleet.alert_rules:,}" for fleet in fleets)]]
    for table in ("OccupancyTable", "TemperatureTable"):
        rows += [
            [f"{table} stream: summary records/s", *(_n(p[table].records) for p in plans)],
            ["… stream shards (the table's fewest partitions)", *(f"{p[table].shards:,}" for p in plans)],
            ["… records/s per shard", *(_n(p[table].records_per_shard) for p in plans)],
            ["… evaluator ms per record", *(f"{p[table].ms_per_record:.1f}" for p in plans)],
            ["… evaluator busy per shard (≥ 1: behind)", *(f"{p[table].busy:.2f}" for p in plans)],
            ["… evaluator invocations/s", *(_n(p[table].invocations) for p in plans)],
        ]
    rows += [
        ["transitions = notifications/s", *(_n(transitions_per_second(fleet)) for fleet in fleets)],
        ["outbox + delivery invocations/s", *(_n(2 * transitions_per_second(fleet)) for fleet in fleets)],
        [
            "alerts' part of the monthly cost (USD)",
            *(f"{alerts_monthly_cost(fleet):,.0f}" for fleet in fleets),
        ],
    ]
    out += _table(["", *heads], rows)
    out += ["", "#### Monthly cost (USD, on-demand list prices, see below)", ""]
    costs = [monthly_cost(fleet) for fleet in fleets]
    out += _table(
        ["", *heads],
        [[name.replace("_", " "), *(f"{getattr(c, name):,.0f}" for c in costs)] for name in vars(costs[0])]
        + [["**total**", *(f"**{c.total:,.0f}**" for c in costs)]],
    )
    out += ["", "#### Where each fleet-wide limit is reached", ""]
    out += _table(
        ["limit", "reached at", "fix"],
        [[t.limit, f"{t.sensors:,} sensors", t.fix] for t in thresholds()],
    )
    out += ["", "#### What breaks first", ""]
    for fleet in fleets:
        found = breaks(fleet) or ["nothing: every figure is far below its limit"]
        out += [f"- **{fleet.sensors:,} sensors**: " + "; ".join(found)]
    out += ["", "#### Store report at 1×, 10× and 100× the measured stores", ""]
    plans = [ReportPlan(REFERENCE_STORES * factor) for factor in REPORT_SCALES]
    out += _table(
        [
            "",
            *(
                f"{factor}× ({plan.stores:,} stores)"
                for factor, plan in zip(REPORT_SCALES, plans, strict=True)
            ),
        ],
        [
            ["shards (≤ 64 buckets)", *(f"{p.shards}" for p in plans)],
            ["stores per shard", *(f"{p.stores_per_shard:,.0f}" for p in plans)],
            ["Map waves (MaxConcurrency 16)", *(f"{p.waves}" for p in plans)],
            ["shard time (s, timeout 300)", *(_n(p.shard_seconds) for p in plans)],
            ["shard memory (MiB of 1,024)", *(_n(p.shard_memory_mib) for p in plans)],
            ["report latency (s)", *(_n(p.latency_seconds) for p in plans)],
            ["Map result (bytes of 262,144)", *(f"{p.map_result_bytes:,}" for p in plans)],
            ["history events (of 25,000)", *(f"{p.history_events:,}" for p in plans)],
            ["near a limit", *("; ".join(p.limits()) or "no" for p in plans)],
        ],
    )
    return "\n".join(out) + "\n"


def replace_block(document: str, generated: str) -> str:
    start, end = document.index(BEGIN) + len(BEGIN), document.index(END)
    return document[:start] + "\n" + generated + document[end:]


def main(argv: list[str]) -> int:
    generated = render()
    if not argv:
        print(generated, end="")
        return 0
    if len(argv) == 2 and argv[0] in {"--check", "--write"}:
        path = Path(argv[1])
        document = path.read_text()
        updated = replace_block(document, generated)
        if argv[0] == "--write":
            path.write_text(updated)
            return 0
        if updated != document:
            print(f"{path} is out of date: python -m bench.scaling --write {path}", file=sys.stderr)
            return 1
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
