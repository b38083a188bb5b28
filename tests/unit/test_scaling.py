"""bench/scaling.py: the capacity and cost model behind docs/scaling.md."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from botocore.client import BaseClient

from bench import scaling
from bench.harness import CONTEXT, api_event
from bench.scaling import (
    ALERT_COSTS,
    BEGIN,
    COSTS,
    END,
    PARTITION_RCU,
    PARTITION_WCU,
    PRICES,
    SCALES,
    SECONDS_PER_MONTH,
    Fleet,
    ReportPlan,
    api_gateway_cost,
    authorizer_rate,
    breaks,
    hottest_partitions,
    monthly_cost,
    replace_block,
    route_loads,
    thresholds,
)
from local.aws.provision import _provision_queues
from local.demo.store_data import FULL_SCALE
from local.demo.webhook_receiver import WebhookReceiver
from local.template import Stack, load_yaml
from sitepulse.alerts.sources import change_of
from tests.unit.alerts.test_flow import Flow

ROOT = Path(__file__).resolve().parents[2]


def by_route(fleet: Fleet) -> dict[str, scaling.RouteLoad]:
    return {load.route: load for load in route_loads(fleet)}


def test_fleet_ratios_put_the_generators_full_scale_store_set_at_100k_sensors() -> None:
    fleet = Fleet(100_000)
    assert (fleet.rooms, fleet.buildings, fleet.hotels) == (100_000, 2_000, 1_000)
    assert fleet.stores == FULL_SCALE.stores == 13_600
    assert FULL_SCALE.stores == scaling.REFERENCE_STORES
    assert Fleet(1).buildings == Fleet(1).hotels == Fleet(1).stores == 1


def test_webhook_load_is_one_event_a_minute_at_ten_wcu() -> None:
    webhook = by_route(Fleet(1_000))["POST /api/webhook"]
    assert webhook.rps == pytest.approx(1_000 / 60)
    assert webhook.wcu == pytest.approx(1_000 / 60 * 10)
    assert webhook.concurrency == pytest.approx(1_000 / 60 * COSTS["POST /api/webhook"].lambda_ms / 1000)


def test_every_load_is_proportional_to_the_fleet() -> None:
    small, large = by_route(Fleet(10_000)), by_route(Fleet(1_000_000))
    for route, load in small.items():
        assert large[route].rps == pytest.approx(load.rps * 100), route
        assert large[route].wcu == pytest.approx(load.wcu * 100), route


def test_every_route_of_the_model_has_a_measured_cost() -> None:
    assert {route.name for route in scaling.ROUTES} | {"authorizer"} == set(COSTS)


def test_authorizer_runs_once_per_client_and_route_per_ttl_at_most() -> None:
    fleet = Fleet(1_000)
    loads = by_route(fleet)
    calls = authorizer_rate(fleet)
    assert calls < sum(load.rps for name, load in loads.items() if not name.startswith("authorizer"))
    # A sensor posting every minute needs the authorizer once per 300 s; a thermometer posting
    # every 300 s misses the cache every time.
    expected_webhook = fleet.sensors / 300
    expected_temperature = loads["POST /api/v1/buildings/{b}/rooms/{r}/temperatures"].rps
    assert expected_webhook < loads["POST /api/webhook"].rps
    assert calls > expected_webhook + expected_temperature


@pytest.mark.parametrize("sensors", SCALES)
def test_no_partition_but_the_rule_listing_is_near_its_limit_at_any_modelled_scale(sensors: int) -> None:
    for hot in hottest_partitions(Fleet(sensors)):
        if hot.key.startswith("ALERTS"):
            continue
        assert hot.wcu < PARTITION_WCU / 2 and hot.rcu < PARTITION_RCU / 2, hot


def test_the_rule_listing_partition_is_over_its_read_limit_at_1m_sensors_and_breaks_says_so() -> None:
    listing = {hot.key: hot for hot in hottest_partitions(Fleet(1_000_000))}["ALERTS (rule listing)"]
    assert listing.rcu > PARTITION_RCU
    # Every building dashboard's banner: 3 pages of 100 rules a minute, each page 13 x 4 KB / 2.
    assert listing.rcu == pytest.approx(20_000 * 3 / 60 * 6.5)
    assert any("ALERTS" in found for found in breaks(Fleet(1_000_000)))
    assert not any("ALERTS" in found for found in breaks(Fleet(100_000)))


def test_per_entity_partitions_do_not_grow_with_the_fleet_but_listings_do() -> None:
    small = {hot.key: hot for hot in hottest_partitions(Fleet(1_000))}
    large = {hot.key: hot for hot in hottest_partitions(Fleet(1_000_000))}
    assert large["SENSOR#<sensor>"].wcu == pytest.approx(small["SENSOR#<sensor>"].wcu)
    assert large["BLDG#<building>"].wcu == pytest.approx(small["BLDG#<building>"].wcu)
    assert large["SENSOR (sensor listing)"].rcu == pytest.approx(small["SENSOR (sensor listing)"].rcu * 1000)


def test_api_gateway_price_tiers_after_300_million_requests() -> None:
    assert api_gateway_cost(300e6) == pytest.approx(300.0)
    assert api_gateway_cost(400e6) == pytest.approx(300.0 + 90.0)


def test_monthly_cost_adds_up_and_prices_the_webhook_writes() -> None:
    fleet = Fleet(1_000)
    cost = monthly_cost(fleet)
    assert cost.total == pytest.approx(sum(vars(cost).values()))
    webhook_wru = by_route(fleet)["POST /api/webhook"].wcu * SECONDS_PER_MONTH
    assert cost.dynamodb_writes > webhook_wru / 1e6 * PRICES.dynamodb_per_million_wru
    # Linear in the fleet, within the API Gateway price tier and the fixed report costs; alerts
    # are not (a small table's stream has the 4 shards a new table starts with, each polled).
    small = cost.total - scaling.alerts_monthly_cost(fleet)
    large = monthly_cost(Fleet(1_000_000)).total - scaling.alerts_monthly_cost(Fleet(1_000_000))
    assert large == pytest.approx(small * 1000, rel=0.05)


def test_report_plan_shards_are_capped_by_the_buckets() -> None:
    reference = ReportPlan(13_600)
    assert reference.shards == 14 and reference.waves == 1
    assert ReportPlan(10).shards == 4 and ReportPlan(2).shards == 2
    huge = ReportPlan(13_600 * 100)
    assert huge.shards == 64 and huge.waves == 4
    assert huge.stores_per_shard == pytest.approx(13_600 * 100 / 64)
    assert huge.limits() == []
    # Far beyond: one shard's work nears the Lambda timeout and its memory the function's.
    assert any("timeout" in found for found in ReportPlan(13_600 * 1_000).limits())


def test_thresholds_are_sorted_and_route_throttling_comes_first() -> None:
    found = thresholds()
    assert [t.sensors for t in found] == sorted(t.sensors for t in found)
    first = found[0]
    assert "route throttling" in first.limit
    # 100 req/s per route / one webhook a minute per sensor.
    assert first.sensors == 6_000
    warm = next(t for t in found if "new on-demand table" in t.limit)
    assert math.isclose(warm.sensors, 4_000 / 10 * 60, rel_tol=1e-9)
    # The evaluator with the template's ParallelizationFactor keeps up over the whole range.
    assert scaling.first_evaluator_backlog() is None
    assert not any("alert evaluator" in t.limit for t in found)


def test_one_batch_per_shard_would_leave_the_evaluator_behind_early(monkeypatch: pytest.MonkeyPatch) -> None:
    # 4 shards (a new table's) of 91 records/s at 11 ms a record: why the template sets the factor.
    monkeypatch.setattr(scaling, "PARALLELIZATION_FACTOR", 1)
    evaluator = next(t for t in thresholds() if "alert evaluator" in t.limit)
    assert evaluator.sensors == 21_800


def test_breaks_lists_nothing_small_and_the_fix_when_large() -> None:
    assert breaks(Fleet(1_000)) == []
    at_100k = breaks(Fleet(100_000))
    assert at_100k[0].startswith("route throttling") and "ThrottlingRateLimit" in at_100k[0]
    assert any("quota" in found for found in breaks(Fleet(1_000_000)))


def test_replace_block_keeps_the_prose_around_it() -> None:
    document = f"intro\n{BEGIN}\nold\n{END}\noutro\n"
    assert replace_block(document, "new\n") == f"intro\n{BEGIN}\nnew\n{END}\noutro\n"


def test_docs_scaling_holds_the_current_tables() -> None:
    assert scaling.main(["--check", str(ROOT / "docs" / "scaling.md")]) == 0


# ------------------------------------------------------------------ the model against the code


@pytest.fixture
def dynamodb_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Every DynamoDB call any client makes: (operation, parameters)."""
    calls: list[tuple[str, dict[str, Any]]] = []
    original = BaseClient._make_api_call

    def record(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            calls.append((operation, params))
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", record)
    return calls


def write_units(calls: list[tuple[str, dict[str, Any]]]) -> float:
    """Transactional writes of items under 1 KB: 2 units per item (DynamoDB's rule)."""
    return sum(2 * len(params["TransactItems"]) for op, params in calls if op == "TransactWriteItems")


OCCUPANCY_EVENT = {"sensor": "s1", "ts": "2024-01-01T00:00:00Z", "in": 2, "out": 1}
READING = {"temperature": 21.5, "recorded_at": "2024-01-01T00:00:00Z"}
BOOKING = {
    "id": 7,
    "hotel_id": 1,
    "timestamp": "2024-01-01T00:00:00Z",
    "rpg_status": 1,
    "room_id": "r1",
    "night_of_stay": "2024-01-02",
}
# function → (modelled route, path, body)
WRITES = {
    "OccupancyWriteFunction": ("POST /api/webhook", "/api/webhook", OCCUPANCY_EVENT),
    "TemperatureWriteFunction": (
        "POST /api/v1/buildings/{b}/rooms/{r}/temperatures",
        "/api/v1/buildings/b1/rooms/r1/temperatures",
        READING,
    ),
    "BookingsWriteFunction": ("POST /api/events", "/api/events", BOOKING),
}


@pytest.mark.parametrize("function", sorted(WRITES))
def test_modelled_write_costs_are_what_the_handlers_send(
    load_function: Callable[[str], ModuleType],
    dynamodb_calls: list[tuple[str, dict[str, Any]]],
    function: str,
) -> None:
    route, path, body = WRITES[function]
    module = load_function(function)
    dynamodb_calls.clear()  # the container's start-up reads are not the call's cost
    response = module.handler(api_event("POST", path, body), CONTEXT)
    assert response["statusCode"] == 201, response
    cost = COSTS[route]
    assert len(dynamodb_calls) == cost.requests, dynamodb_calls
    # Bookings: one more unit for the event's copy in its index, outside the transaction.
    index_units = 1 if function == "BookingsWriteFunction" else 0
    assert write_units(dynamodb_calls) + index_units == cost.wcu


AVERAGE_QUERY = {"duration": "15m", "end": "2024-01-01T00:05:00Z"}


@pytest.mark.parametrize(
    ("reader", "writer", "route", "path", "query"),
    [
        ("OccupancyReadFunction", "OccupancyWriteFunction", "GET /api/sensors/{sensor}/occupancy",
         "/api/sensors/s1/occupancy", None),
        ("OccupancyReadFunction", "OccupancyWriteFunction", "GET /api/sensors", "/api/sensors", None),
        ("TemperatureReadFunction", "TemperatureWriteFunction",
         "GET /api/v1/buildings/{b}/rooms/{r}/temperatures/average",
         "/api/v1/buildings/b1/rooms/r1/temperatures/average", AVERAGE_QUERY),
        ("TemperatureReadFunction", "TemperatureWriteFunction", "GET /api/v1/buildings/{b}/rooms",
         "/api/v1/buildings/b1/rooms", None),
        ("BookingsReadFunction", "BookingsWriteFunction", "GET /api/dashboard", "/api/dashboard",
         {"hotel_id": "1", "year": "2024"}),
    ],
)  # fmt: skip
def test_modelled_read_requests_are_what_the_handlers_send(
    load_function: Callable[[str], ModuleType],
    dynamodb_calls: list[tuple[str, dict[str, Any]]],
    reader: str,
    writer: str,
    route: str,
    path: str,
    query: dict[str, str] | None,
) -> None:
    _, write_path, body = WRITES[writer]
    assert load_function(writer).handler(api_event("POST", write_path, body), CONTEXT)["statusCode"] == 201
    module = load_function(reader)
    dynamodb_calls.clear()
    response = module.handler(api_event("GET", path, query=query), CONTEXT)
    assert response["statusCode"] == 200, response
    assert len(dynamodb_calls) == COSTS[route].requests, dynamodb_calls


def test_modelled_authorizer_read_is_the_consistency_the_authorizer_uses(
    load_function: Callable[[str], ModuleType],
    dynamodb_calls: list[tuple[str, dict[str, Any]]],
    tables: dict[str, str],
    aws: Any,
) -> None:
    """One GetItem of an item under 4 KB: 0.5 RCU eventually consistent, 1 RCU strongly. The
    model's figure follows from the flag the real authorizer sends, so neither can drift."""
    from sitepulse.access.models import ApiKeyIn
    from sitepulse.access.repository import ApiKeyRepository
    from sitepulse.access.service import KeyService

    repository = ApiKeyRepository(aws.client("dynamodb"), tables["ApiKeysTable"])
    key = KeyService(repository).create(ApiKeyIn(name="model", scopes=["occupancy:read"]))
    authorizer = load_function("AuthorizerFunction")
    header = f"Bearer {key.secret}"
    event = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": "arn:aws:execute-api:us-east-1:123456789012:api/$default/GET/api/sensors",
        "identitySource": [header, "GET /api/sensors"],
        "routeKey": "GET /api/sensors",
        "rawPath": "/api/sensors",
        "rawQueryString": "",
        "headers": {"authorization": header},
        "requestContext": api_event("GET", "/api/sensors")["requestContext"],
    }
    dynamodb_calls.clear()
    assert authorizer.handler(event, CONTEXT)["isAuthorized"] is True
    assert [op for op, _ in dynamodb_calls] == ["GetItem"] * COSTS["authorizer"].requests
    _, params = dynamodb_calls[0]
    assert params["TableName"] == tables["ApiKeysTable"]
    consistent = bool(params.get("ConsistentRead", False))
    assert COSTS["authorizer"].rcu == (1.0 if consistent else 0.5)


# ------------------------------------------------------------------ alerts against the code


@pytest.fixture
def flow(
    monkeypatch: pytest.MonkeyPatch,
    aws: Any,
    template_stack: Stack,
    tables: dict[str, str],
    load_function: Callable[[str], ModuleType],
) -> Flow:
    monkeypatch.setenv("SITEPULSE_LOCAL_WEBHOOKS", "loopback")
    _provision_queues(template_stack, aws.client("sqs"))
    for topic in template_stack.topics.values():
        aws.client("sns").create_topic(Name=topic)
    return Flow(aws, load_function, tables)


def operations(calls: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [op for op, _ in calls]


def stored_bytes(flow: Flow, pk: str, sk: str) -> int:
    """An alerts table item's size as DynamoDB bills it: names + values (numbers ~ digits / 2 + 1)."""
    item = flow.aws.client("dynamodb").get_item(
        TableName=flow.tables["AlertsTable"], Key={"pk": {"S": pk}, "sk": {"S": sk}}
    )["Item"]
    size = 0
    for name, value in item.items():
        ((kind, raw),) = value.items()
        size += len(name.encode()) + (len(str(raw)) // 2 + 1 if kind == "N" else len(str(raw).encode()))
    return size


def read_units(params: dict[str, Any], small: float) -> float:
    """A read of under 4 KB (`small` 4 KB units): half a unit each, eventually consistent."""
    return small * (1.0 if params.get("ConsistentRead") else 0.5)


def test_modelled_alert_rule_requests_are_what_the_api_handler_sends(
    flow: Flow, receiver: WebhookReceiver, dynamodb_calls: list[tuple[str, dict[str, Any]]]
) -> None:
    body = {
        "name": "full",
        "kind": "occupancy_above",
        "sensor": "s1",
        "max": 5,
        "webhook_url": receiver.url(),
    }
    dynamodb_calls.clear()
    status, rule = flow.call("POST", "/api/alerts", body)
    assert status == 201, rule
    assert operations(dynamodb_calls) == ["PutItem"] * COSTS["POST /api/alerts"].requests
    path = f"/api/alerts/{rule['alert_id']}"
    assert stored_bytes(flow, f"ALERT#{rule['alert_id']}", "RULE") <= scaling.RULE_ITEM_BYTES
    for route, method, call_path in [
        ("GET /api/alerts", "GET", "/api/alerts"),
        ("GET /api/alerts/{alert_id}", "GET", path),
        ("DELETE /api/alerts/{alert_id}", "DELETE", path),
    ]:
        dynamodb_calls.clear()
        status, _ = flow.call(method, call_path)
        assert status in (200, 204), route
        assert len(dynamodb_calls) == COSTS[route].requests, (route, operations(dynamodb_calls))
        if route == "GET /api/alerts":
            (_, params), *_ = dynamodb_calls
            assert params["IndexName"] == "gsi1" and not params.get("ConsistentRead")
            assert COSTS[route].rcu == read_units(params, 13)  # a page of 101 rules of ~500 B


def test_modelled_alert_evaluation_and_notification_are_what_the_handlers_send(
    flow: Flow,
    receiver: WebhookReceiver,
    dynamodb_calls: list[tuple[str, dict[str, Any]]],
    tables: dict[str, str],
) -> None:
    hook = receiver.url()
    assert (
        flow.call(
            "POST",
            "/api/alerts",
            {"name": "a", "kind": "occupancy_above", "sensor": "watched", "max": 5, "webhook_url": hook},
        )[0]
        == 201
    )
    room_rule = {
        "name": "b",
        "kind": "temperature_outside",
        "building": "b1",
        "room": "r1",
        "min": 18,
        "max": 27,
        "for": "15m",
        "webhook_url": hook,
    }
    assert flow.call("POST", "/api/alerts", room_rule)[0] == 201
    flow.new_records("AlertsTable")  # the rules' own inserts are no deliveries

    def evaluate(table: str) -> list[tuple[str, dict[str, Any]]]:
        records = [r for r in flow.new_records(table) if change_of(r) is not None]
        assert len(records) == 1, records  # one summary record per stored write
        dynamodb_calls.clear()
        assert flow.evaluate(records) == {"batchItemFailures": []}
        return list(dynamodb_calls)

    lookup, window, transition = (
        ALERT_COSTS[n] for n in ("evaluate a record", "temperature window", "transition")
    )
    # A sensor no rule watches, then a watched one whose state does not change: 1 Query of gsi2.
    for sensor in ("unwatched", "watched"):
        assert flow.sensor_report(sensor, "2024-05-01T09:00:00Z", 1, 0) == 201
        calls = evaluate("OccupancyTable")
        assert operations(calls) == ["Query"] * lookup.requests
        assert calls[0][1]["IndexName"] == "gsi2" and read_units(calls[0][1], 1) == lookup.rcu
    # A watched room, no change: + its window and the reading before it (TemperatureTable).
    assert flow.reading("b1", "r1", "2024-05-01T09:00:00Z", 21.0) == 201
    calls = evaluate("TemperatureTable")
    assert operations(calls) == ["Query"] * (lookup.requests + window.requests)
    reads = [params for _, params in calls if params["TableName"] == tables["TemperatureTable"]]
    assert len(reads) == window.requests and sum(read_units(p, 1) for p in reads) == window.rcu
    # A transition: + the rule re-read and one 3-item transaction (+ the rule's 2 index copies).
    assert flow.sensor_report("watched", "2024-05-01T09:01:00Z", 9, 0) == 201
    calls = evaluate("OccupancyTable")
    assert operations(calls) == ["Query", "GetItem", "TransactWriteItems"]
    assert len(calls) == lookup.requests + transition.requests
    assert read_units(calls[1][1], 1) == transition.rcu
    assert write_units(calls) + 2 == transition.wcu
    # The outbox relay, per delivery record.
    records = flow.new_records("AlertsTable")
    dynamodb_calls.clear()
    assert flow.outbox.handler({"Records": records}, CONTEXT) == {"batchItemFailures": []}
    assert len(dynamodb_calls) == ALERT_COSTS["outbox"].requests, operations(dynamodb_calls)
    gets = [params for op, params in dynamodb_calls if op == "GetItem"]
    assert sum(read_units(p, 1) for p in gets) == ALERT_COSTS["outbox"].rcu
    assert operations(dynamodb_calls).count("UpdateItem") == ALERT_COSTS["outbox"].wcu
    # The delivery function, per notification (the receiver answers 2xx).
    url = flow.sqs.get_queue_url(QueueName="sitepulse-local-AlertDeliveryQueue")["QueueUrl"]
    (message,) = flow.sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"]
    event = {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message["Attributes"],
            }
        ]
    }
    dynamodb_calls.clear()
    assert flow.delivery.handler(event, CONTEXT) == {"batchItemFailures": []}
    assert len(dynamodb_calls) == ALERT_COSTS["delivery"].requests, operations(dynamodb_calls)
    gets = [params for op, params in dynamodb_calls if op == "GetItem"]
    assert sum(read_units(p, 1) for p in gets) == ALERT_COSTS["delivery"].rcu
    assert operations(dynamodb_calls).count("UpdateItem") == ALERT_COSTS["delivery"].wcu
    assert len(receiver.received) == 1
    # The write units above are for a delivery item under 1 KB (the notification's body included).
    body = json.loads(message["Body"])
    assert stored_bytes(flow, f"ALERT#{body['alert_id']}", f"DELIVERY#{body['version']:010d}") < 1024


def test_modelled_alert_event_sources_are_the_templates(template_stack: Stack) -> None:
    sources = {(s.function, s.source): s for s in template_stack.event_sources}
    for function, source in [
        ("AlertEvaluatorFunction", "OccupancyTable"),
        ("AlertEvaluatorFunction", "TemperatureTable"),
        ("AlertOutboxFunction", "AlertsTable"),
    ]:
        assert sources[(function, source)].batch_size == scaling.STREAM_BATCH_SIZE
    assert sources[("AlertDeliveryFunction", "AlertDeliveryQueue")].batch_size == scaling.DELIVERY_BATCH_SIZE
    events = load_yaml(ROOT / "template.yaml")["Resources"]["AlertEvaluatorFunction"]["Properties"]["Events"]
    factors = {  # the per-write streams (the ingestion ledger's stream carries a few records an hour)
        name: event["Properties"].get("ParallelizationFactor", 1)
        for name, event in events.items()
        if event["Type"] == "DynamoDB" and "IngestionTable" not in str(event["Properties"]["Stream"])
    }
    assert factors and set(factors.values()) == {scaling.PARALLELIZATION_FACTOR}, factors
    functions = template_stack.functions
    assert functions["AlertsApiFunction"].timeout == scaling.ALERTS_API_TIMEOUT_SECONDS
    assert functions["AlertEvaluatorFunction"].memory == ALERT_COSTS["evaluate a record"].memory_mb
    assert functions["AlertOutboxFunction"].memory == ALERT_COSTS["outbox"].memory_mb
    assert functions["AlertDeliveryFunction"].memory == ALERT_COSTS["delivery"].memory_mb
