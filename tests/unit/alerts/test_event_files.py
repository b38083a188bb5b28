"""`events/Alert*.json`: one realistic event per alert function, each answered by its handler."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.aws.provision import _provision_queues
from local.template import Stack
from sitepulse.alerts import webhooks
from tests.unit.conftest import lambda_context

EVENTS = Path(__file__).resolve().parents[3] / "events"


def event(function: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{function}.json").read_text())


@pytest.fixture
def queues(aws: boto3.Session, template_stack: Stack, tables: dict[str, str]) -> Any:
    _provision_queues(template_stack, aws.client("sqs"))
    for topic in template_stack.topics.values():
        aws.client("sns").create_topic(Name=topic)
    return aws.client("sqs")


@pytest.fixture(autouse=True)
def public_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """hooks.example.com resolves to a public address (no network in tests)."""
    monkeypatch.setattr(webhooks, "system_resolver", lambda host, port: ["93.184.216.34"])


def test_create_event_makes_a_rule_and_its_retry_answers_the_same(load_function: Any) -> None:
    api = load_function("AlertsApiFunction")
    first = api.handler(event("AlertsApiFunction"), lambda_context())
    again = api.handler(event("AlertsApiFunction"), lambda_context())
    assert (first["statusCode"], again["statusCode"]) == (201, 200)
    assert json.loads(first["body"]) == json.loads(again["body"])
    assert json.loads(first["body"])["sensor"] == "abc"


def test_stream_event_fires_the_rule_and_queues_its_delivery(
    load_function: Any, queues: Any, tables: dict[str, str]
) -> None:
    created = json.loads(
        load_function("AlertsApiFunction").handler(event("AlertsApiFunction"), lambda_context())["body"]
    )
    evaluator = load_function("AlertEvaluatorFunction")
    assert evaluator.handler(event("AlertEvaluatorFunction"), lambda_context()) == {"batchItemFailures": []}
    assert evaluator.handler(event("AlertEvaluatorFunction"), lambda_context()) == {
        "batchItemFailures": []
    }  # again
    items = boto3.client("dynamodb").query(
        TableName=tables["AlertsTable"],
        KeyConditionExpression="pk = :pk AND begins_with(sk, :d)",
        ExpressionAttributeValues={":pk": {"S": f"ALERT#{created['alert_id']}"}, ":d": {"S": "DELIVERY#"}},
    )["Items"]
    assert len(items) == 1
    body = json.loads(items[0]["body"]["S"])
    assert (body["state"], body["value"], body["target"]) == ("FIRING", 13, {"sensor": "abc"})


def test_outbox_event_queues_one_message(load_function: Any, queues: Any) -> None:
    outbox = load_function("AlertOutboxFunction")
    assert outbox.handler(event("AlertOutboxFunction"), lambda_context()) == {"batchItemFailures": []}
    url = queues.get_queue_url(QueueName="sitepulse-local-AlertDeliveryQueue")["QueueUrl"]
    messages = queues.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"]) for m in messages] == [
        {"alert_id": "al_0193b1f5c0a07d3e9b2f4a6c8e1d3b5f", "version": 1}
    ]


def test_queue_event_for_an_unknown_delivery_is_dropped(load_function: Any, queues: Any) -> None:
    delivery = load_function("AlertDeliveryFunction")
    assert delivery.handler(event("AlertDeliveryFunction"), lambda_context()) == {"batchItemFailures": []}
