"""The handlers in-process against moto: rules over the API edge, the occupancy and temperature
tables' real stream records fed to the evaluator (once, twice, out of step), the outbox relay and
the delivery function posting to a receiver on 127.0.0.1."""

from __future__ import annotations

import json
import random
from types import ModuleType
from typing import Any

import boto3
import pytest

from local.aws.provision import _provision_queues
from local.demo.alerts import DEMO_RULES, STORE_RULE
from local.demo.webhook_receiver import WebhookReceiver
from local.template import Stack
from sitepulse.alerts.rules import verify
from tests.unit.conftest import http_event, lambda_context

STREAMS_ENDPOINT = "https://streams.dynamodb.us-east-1.amazonaws.com"  # moto in-process needs it


@pytest.fixture
def env(
    monkeypatch: pytest.MonkeyPatch, aws: boto3.Session, template_stack: Stack, tables: dict[str, str]
) -> None:
    monkeypatch.setenv("SITEPULSE_LOCAL_WEBHOOKS", "loopback")
    _provision_queues(template_stack, aws.client("sqs"))
    for topic in template_stack.topics.values():
        aws.client("sns").create_topic(Name=topic)


class Flow:
    def __init__(self, aws: boto3.Session, load: Any, tables: dict[str, str]) -> None:
        self.aws = aws
        self.api: ModuleType = load("AlertsApiFunction")
        self.occupancy: ModuleType = load("OccupancyWriteFunction")
        self.temperature: ModuleType = load("TemperatureWriteFunction")
        self.evaluator: ModuleType = load("AlertEvaluatorFunction")
        self.outbox: ModuleType = load("AlertOutboxFunction")
        self.delivery: ModuleType = load("AlertDeliveryFunction")
        self.streams = aws.client("dynamodbstreams", endpoint_url=STREAMS_ENDPOINT)
        self.sqs = aws.client("sqs")
        self.tables = tables
        self._positions: dict[str, str] = {}

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        event = http_event(method, path, body)
        event["headers"].update({k.lower(): v for k, v in (headers or {}).items()})
        response = self.api.handler(event, lambda_context())
        return response["statusCode"], json.loads(response["body"]) if response.get("body") else None

    def sensor_report(self, sensor: str, ts: str, in_: int, out: int) -> int:
        event = http_event("POST", "/api/webhook", {"sensor": sensor, "ts": ts, "in": in_, "out": out})
        return int(self.occupancy.handler(event, lambda_context())["statusCode"])

    def reading(self, building: str, room: str, at: str, value: float) -> int:
        path = f"/api/v1/buildings/{building}/rooms/{room}/temperatures"
        event = http_event("POST", path, {"temperature": value, "recorded_at": at})
        return int(self.temperature.handler(event, lambda_context())["statusCode"])

    def new_records(self, table_logical_id: str) -> list[dict[str, Any]]:
        """The records written to the table's stream since the last call, as Lambda hands them over."""
        table = self.tables[table_logical_id]
        arn = self.aws.client("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"]
        shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        after = self._positions.get(table)
        kwargs = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
            if after
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        iterator = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard, **kwargs)["ShardIterator"]
        records = self.streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
        if records:
            self._positions[table] = records[-1]["dynamodb"]["SequenceNumber"]
        for record in records:
            created = record["dynamodb"].get("ApproximateCreationDateTime")
            if created is not None and not isinstance(created, int | float):
                record["dynamodb"]["ApproximateCreationDateTime"] = created.timestamp()
        return records

    def evaluate(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        return self.evaluator.handler({"Records": records}, lambda_context())

    def relay_and_deliver(self) -> int:
        """Alerts stream → outbox → queue → delivery function, once; how many messages were handled."""
        records = self.new_records("AlertsTable")
        if records:
            assert self.outbox.handler({"Records": records}, lambda_context()) == {"batchItemFailures": []}
        url = self.sqs.get_queue_url(QueueName="sitepulse-local-AlertDeliveryQueue")["QueueUrl"]
        messages = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
            "Messages", []
        )
        if not messages:
            return 0
        event = {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m["Attributes"],
                }
                for m in messages
            ]
        }
        failed = {
            f["itemIdentifier"] for f in self.delivery.handler(event, lambda_context())["batchItemFailures"]
        }
        for message in messages:
            if message["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)


@pytest.fixture
def flow(env: None, aws: boto3.Session, load_function: Any, tables: dict[str, str]) -> Flow:
    return Flow(aws, load_function, tables)


def rule_body(
    receiver: WebhookReceiver, sensor: str = "door-1", maximum: int = 5, path: str = "/hook"
) -> dict[str, Any]:
    return {
        "name": "full",
        "kind": "occupancy_above",
        "sensor": sensor,
        "max": maximum,
        "webhook_url": receiver.url(path),
    }


def test_one_notification_per_transition_however_often_records_arrive(
    flow: Flow, receiver: WebhookReceiver
) -> None:
    status, rule = flow.call("POST", "/api/alerts", rule_body(receiver))
    assert status == 201, rule
    flow.new_records("AlertsTable")  # the rule's own insert is not a delivery
    for ts, in_, out in [("09:00", 4, 0), ("09:05", 3, 0), ("09:06", 1, 0), ("09:30", 0, 6), ("09:40", 9, 0)]:
        assert flow.sensor_report("door-1", f"2024-05-01T{ts}:00Z", in_, out) == 201
    assert flow.sensor_report("door-1", "2024-05-01T09:05:00Z", 3, 0) == 200  # a sensor retry: no record
    records = flow.new_records("OccupancyTable")
    # One summary record per stored report (moto also streams an empty INSERT before the first).
    summaries = [r for r in records if "events" in r["dynamodb"].get("NewImage", {})]
    assert [int(r["dynamodb"]["NewImage"]["events"]["N"]) for r in summaries] == [1, 2, 3, 4, 5]
    # Delivered in order, then everything again, then again in bits and out of step.
    assert flow.evaluate(records) == {"batchItemFailures": []}
    assert flow.evaluate(records) == {"batchItemFailures": []}
    shuffled = summaries[:]
    random.Random(7).shuffle(shuffled)
    for record in shuffled:
        flow.evaluate([record])
    while flow.relay_and_deliver():
        pass
    got = [item.json for item in receiver.for_alert(rule["alert_id"])]
    assert [(g["state"], g["value"]) for g in got] == [("FIRING", 7), ("RESOLVED", 2), ("FIRING", 11)]
    assert len({g["transition_id"] for g in got}) == 3
    for item in receiver.for_alert(rule["alert_id"]):
        assert verify(rule["secret"], item.body, item.signature)
    status, detail = flow.call("GET", f"/api/alerts/{rule['alert_id']}")
    assert status == 200 and detail["state"] == "FIRING"
    assert [t["state"] for t in detail["transitions"]] == ["FIRING", "RESOLVED", "FIRING"]
    assert [d["status"] for d in detail["deliveries"]] == ["delivered"] * 3


def mailbox(aws: boto3.Session) -> str:
    """A queue subscribed to the alerts e-mail topic: what e-mail subscribers would get."""
    sqs, sns = aws.client("sqs"), aws.client("sns")
    url = sqs.create_queue(QueueName="mailbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = next(
        t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith("AlertEmailTopic")
    )
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return url


def test_a_redelivered_relay_record_posts_once(
    flow: Flow, receiver: WebhookReceiver, aws: boto3.Session
) -> None:
    mails = mailbox(aws)
    _, rule = flow.call("POST", "/api/alerts", rule_body(receiver, maximum=0))
    flow.new_records("AlertsTable")
    flow.sensor_report("door-1", "2024-05-01T09:00:00Z", 1, 0)
    flow.evaluate(flow.new_records("OccupancyTable"))
    records = flow.new_records("AlertsTable")
    for _ in range(3):  # the outbox batch retried: three messages for one delivery
        flow.outbox.handler({"Records": records}, lambda_context())
    while flow.relay_and_deliver():
        pass
    assert len(receiver.for_alert(rule["alert_id"])) == 1
    mailed = aws.client("sqs").receive_message(QueueUrl=mails, MaxNumberOfMessages=10).get("Messages", [])
    assert len(mailed) == 1  # one e-mail too, however often the relay ran
    notification = json.loads(mailed[0]["Body"])
    assert notification["Subject"] == "[Sitepulse] FIRING: full"
    assert rule["alert_id"] in notification["Message"]


def test_failed_attempts_are_recorded_and_backed_off(flow: Flow, receiver: WebhookReceiver) -> None:
    _, rule = flow.call("POST", "/api/alerts", rule_body(receiver, maximum=0, path="/fail"))
    flow.new_records("AlertsTable")
    flow.sensor_report("door-1", "2024-05-01T09:00:00Z", 1, 0)
    flow.evaluate(flow.new_records("OccupancyTable"))
    assert flow.relay_and_deliver() == 1
    _, detail = flow.call("GET", f"/api/alerts/{rule['alert_id']}")
    delivery = detail["deliveries"][0]
    assert delivery["status"] == "retrying" and delivery["attempts"] == 1
    assert delivery["last_error"].startswith("HTTP 500") and delivery["http_status"] == 500
    assert flow.relay_and_deliver() == 0  # backed off: invisible for a while


def test_a_deleted_rule_is_silent(flow: Flow, receiver: WebhookReceiver) -> None:
    _, rule = flow.call("POST", "/api/alerts", rule_body(receiver, maximum=0))
    flow.sensor_report("door-1", "2024-05-01T09:00:00Z", 1, 0)
    flow.evaluate(flow.new_records("OccupancyTable"))  # a transition is queued…
    assert flow.call("DELETE", f"/api/alerts/{rule['alert_id']}")[0] == 204  # …then the rule deleted
    while flow.relay_and_deliver():
        pass
    assert receiver.for_alert(rule["alert_id"]) == []
    assert flow.call("GET", f"/api/alerts/{rule['alert_id']}")[0] == 404
    assert flow.call("DELETE", f"/api/alerts/{rule['alert_id']}")[0] == 404


def test_temperature_rule_waits_for_its_duration_even_with_late_readings(
    flow: Flow, receiver: WebhookReceiver
) -> None:
    body = {
        "name": "hot",
        "kind": "temperature_outside",
        "building": "hq",
        "room": "r1",
        "min": 18,
        "max": 27,
        "for": "15m",
        "webhook_url": receiver.url(),
    }
    status, rule = flow.call("POST", "/api/alerts", body)
    assert status == 201, rule
    for at, value in [("10:00", 22.0), ("10:05", 30.0), ("10:20", 31.0)]:
        flow.reading("hq", "r1", f"2024-06-01T{at}:00Z", value)
    flow.reading("hq", "r1", "2024-06-01T10:10:00Z", 21.0)  # late: inside, the run restarts at 10:20
    flow.evaluate(flow.new_records("TemperatureTable"))
    while flow.relay_and_deliver():
        pass
    assert receiver.for_alert(rule["alert_id"]) == []
    flow.reading("hq", "r1", "2024-06-01T10:35:00Z", 29.0)  # outside 10:20 → 10:35: FIRING
    flow.reading("hq", "r1", "2024-06-01T10:40:00Z", 26.9)  # inside: RESOLVED
    records = flow.new_records("TemperatureTable")
    flow.evaluate(records)
    flow.evaluate(records)
    while flow.relay_and_deliver():
        pass
    got = [item.json for item in receiver.for_alert(rule["alert_id"])]
    assert [(g["state"], g["value"], g["at"]) for g in got] == [
        ("FIRING", 29, "2024-06-01T10:35:00Z"),
        ("RESOLVED", 26.9, "2024-06-01T10:40:00Z"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "occupancy_above", "sensor": "s", "max": -1},
        {"kind": "occupancy_above", "sensor": "s", "max": 1.5},
        {"kind": "occupancy_above", "sensor": "bad sensor", "max": 1},
        {"kind": "temperature_outside", "building": "b", "room": "r", "min": 30, "max": 20, "for": "15m"},
        {"kind": "temperature_outside", "building": "b", "room": "r", "min": 10, "max": 20, "for": "P1M"},
        {"kind": "temperature_outside", "building": "b", "room": "r", "min": 10, "max": 20},
        {"kind": "store_down", "store_id": "s", "for": "367d"},
        {"kind": "nothing"},
    ],
)
def test_bad_rules_are_422(flow: Flow, receiver: WebhookReceiver, body: dict[str, Any]) -> None:
    status, answer = flow.call("POST", "/api/alerts", {"name": "x", "webhook_url": receiver.url(), **body})
    assert status == 422, answer
    assert answer["errors"]


@pytest.mark.parametrize("rule", [*DEMO_RULES, {**STORE_RULE, "store_id": "8419537941919820732"}])
def test_the_demo_rules_are_valid(flow: Flow, receiver: WebhookReceiver, rule: dict[str, Any]) -> None:
    status, answer = flow.call(
        "POST",
        "/api/alerts",
        {**rule, "webhook_url": receiver.url("/demo")},
        {"Idempotency-Key": f"demo-{rule['name']}"},
    )
    assert status == 201, answer


def test_store_down_fires_when_a_status_file_is_ingested(
    flow: Flow,
    receiver: WebhookReceiver,
    load_function: Any,
    aws: boto3.Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.unit.store_uptime.conftest import long_context

    status, rule = flow.call(
        "POST",
        "/api/alerts",
        {
            "name": "down",
            "kind": "store_down",
            "store_id": "st-9",
            "for": "2h",
            "webhook_url": receiver.url(),
        },
    )
    assert status == 201, rule
    bucket = "sitepulse-local-databucket"
    aws.client("s3").create_bucket(Bucket=bucket)
    ingest = load_function("IngestFunction")

    def status_file(name: str, rows: list[tuple[str, str]]) -> None:
        text = "store_id,status,timestamp_utc\n" + "".join(f"st-9,{s},{t} UTC\n" for s, t in rows)
        aws.client("s3").put_object(
            Bucket=bucket, Key=f"incoming/store_status/{name}.csv", Body=text.encode()
        )
        assert {o["status"] for o in ingest.handler({}, long_context())["objects"]} == {"Done"}
        flow.evaluate(flow.new_records("IngestionTable"))
        while flow.relay_and_deliver():
            pass

    # No hours file: open 24×7 (as in the reports); no timezone: the reports' default.
    status_file("a", [("active", "2023-01-09 08:00:00"), ("inactive", "2023-01-09 10:00:00")])
    assert receiver.for_alert(rule["alert_id"]) == []  # inactive since 09:00, now 10:00: 1 h
    status_file("b", [("inactive", "2023-01-09 11:30:00")])
    status_file("c", [("inactive", "2023-01-09 12:00:00")])  # 3 h: one FIRING, not two
    status_file("d", [("active", "2023-01-09 13:00:00")])
    got = [item.json for item in receiver.for_alert(rule["alert_id"])]
    assert [(g["state"], g["value"], g["at"], g["target"]) for g in got] == [
        ("FIRING", 9000, "2023-01-09T11:30:00Z", {"store_id": "st-9"}),
        ("RESOLVED", 0, "2023-01-09T13:00:00Z", {"store_id": "st-9"}),
    ]


def test_the_last_attempt_marks_the_delivery_failed_for_the_dead_letter_queue(
    flow: Flow, receiver: WebhookReceiver
) -> None:
    _, rule = flow.call("POST", "/api/alerts", rule_body(receiver, maximum=0, path="/fail"))
    flow.sensor_report("door-1", "2024-05-01T09:00:00Z", 1, 0)
    flow.evaluate(flow.new_records("OccupancyTable"))
    deliver = flow.delivery.deliveries.deliver
    outcome = deliver(rule["alert_id"], 1, receive_count=5)  # the queue's maxReceiveCount
    assert (outcome.done, outcome.retry_in) == (False, 0)  # back at once: the queue moves it to the DLQ
    _, detail = flow.call("GET", f"/api/alerts/{rule['alert_id']}")
    delivery = detail["deliveries"][0]
    assert (delivery["status"], delivery["attempts"], delivery["last_error"]) == (
        "failed",
        1,
        "HTTP 500 Internal Server Error",
    )
    again = deliver(rule["alert_id"], 1, receive_count=6)
    assert not again.done and len(receiver.for_alert(rule["alert_id"])) == 1  # never posted again
