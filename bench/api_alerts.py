"""Alerts: what evaluating one stream record costs, and how long a notification takes.

1. Cost per evaluated stream record (moto in-process, the real evaluator handler, every DynamoDB
   call counted): a sensor no rule watches, a watched sensor whose state does not change, and a
   write that makes a transition.
2. Latency on the local stack (`python -m local`'s stack, in this process, no demo): one
   `occupancy_above` rule notifying a receiver on 127.0.0.1, writes that flip it on every write;
   the time from the write's HTTP answer to the notification's arrival, p50 / p99. Locally the
   stream and queue pollers poll every 0.2 s / long-poll 1 s, as Lambda's do (about 4 times a
   second for streams).

    python -m bench alerts
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from bench.cost import CostMeter
from bench.harness import CONTEXT, api_event, bench_environment
from local.aws import moto_safe_writes
from local.aws.provision import _provision_queues, create_table
from local.lambdas.inprocess import load_handler_module
from local.stack import ROOT
from local.template import load_stack

STREAMS_ENDPOINT = "https://streams.dynamodb.us-east-1.amazonaws.com"  # moto in-process needs it
LATENCY_WRITES = 40
# On-demand prices, us-east-1, as published in 2025: $ per million request units / requests.
WRITE_UNIT_USD, READ_UNIT_USD = 0.625, 0.125
LAMBDA_REQUEST_USD, LAMBDA_GB_SECOND_USD = 0.20, 0.0000166667
# Request units per call, items under 1 KB: a Query of the target index (eventually consistent),
# the rule re-read (consistent), the transition (3 items, transactional: 2 WRU each).
UNITS = {"Query": (0.5, 0.0), "GetItem": (1.0, 0.0), "TransactWriteItems": (0.0, 6.0)}


def _records(aws: Any, streams: Any, table: str, after: str | None) -> list[dict[str, Any]]:
    arn = aws.client("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    kind = (
        {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
        if after
        else {"ShardIteratorType": "TRIM_HORIZON"}
    )
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, **kind)["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
    for record in records:
        created = record["dynamodb"].get("ApproximateCreationDateTime")
        if created is not None and not isinstance(created, int | float):
            record["dynamodb"]["ApproximateCreationDateTime"] = created.timestamp()
    return records


def cost_per_record() -> None:
    stack = load_stack(ROOT / "template.yaml")
    bench_environment(stack)
    moto_safe_writes.install()
    with mock_aws():
        aws = boto3.Session(region_name="us-east-1")
        for table in stack.tables.values():
            create_table(aws.client("dynamodb"), table)
        _provision_queues(stack, aws.client("sqs"))
        os_env_loopback()
        api = load_handler_module(stack.functions["AlertsApiFunction"])
        write = load_handler_module(stack.functions["OccupancyWriteFunction"])
        evaluator = load_handler_module(stack.functions["AlertEvaluatorFunction"])
        streams = aws.client("dynamodbstreams", endpoint_url=STREAMS_ENDPOINT)
        rule = {
            "name": "b",
            "kind": "occupancy_above",
            "sensor": "watched",
            "max": 5,
            "webhook_url": "http://127.0.0.1:9/x",
        }
        assert api.handler(api_event("POST", "/api/alerts", rule), CONTEXT)["statusCode"] == 201  # noqa: S101 — a benchmark checks its own setup; never shipped
        meter = CostMeter(evaluator.rules._repository._client)
        table = stack.tables["OccupancyTable"].name
        position: list[str | None] = [None]

        def evaluate_after(sensor: str, in_: int, out: int, minute: int) -> tuple[int, float, dict[str, int]]:
            body = {"sensor": sensor, "ts": f"2024-01-01T10:{minute:02d}:00Z", "in": in_, "out": out}
            assert write.handler(api_event("POST", "/api/webhook", body), CONTEXT)["statusCode"] == 201  # noqa: S101 — a benchmark checks its own setup; never shipped
            records = _records(aws, streams, table, position[0])
            position[0] = records[-1]["dynamodb"]["SequenceNumber"]
            summaries = [r for r in records if r["dynamodb"]["Keys"]["sk"]["S"] == "SUMMARY"]
            meter.reset()
            assert evaluator.handler({"Records": summaries}, CONTEXT) == {"batchItemFailures": []}  # noqa: S101 — a benchmark checks its own setup; never shipped
            return len(summaries), meter.capacity, dict(meter.requests)

        cases = [
            ("sensor without a rule", lambda m: evaluate_after("unwatched", 1, 0, m)),
            ("watched, no change of state", lambda m: evaluate_after("watched", 1, 0, m)),
            (
                "watched, a transition",
                lambda m: evaluate_after("watched", 10 if m % 2 else 0, 0 if m % 2 else 10, m),
            ),
        ]
        header = ("stream record", "DynamoDB requests", "capacity units", "$ per million records")
        print(f"{header[0]:32} {header[1]:40} {header[2]:>15} {header[3]:>22}")
        for minute, (label, run) in enumerate(cases, start=1):
            records, capacity, requests = run(minute * 2 - 1 if "transition" in label else minute * 2)
            units = [UNITS.get(op, (1.0, 0.0)) for op, n in requests.items() for _ in range(n)]
            dollars = sum(r * READ_UNIT_USD + w * WRITE_UNIT_USD for r, w in units) / records
            calls = json.dumps(requests, sort_keys=True)
            print(f"{label:32} {calls:40} {capacity / records:15.1f} {dollars:22.2f}")
        invocation = LAMBDA_REQUEST_USD + 0.5 * 0.05 * LAMBDA_GB_SECOND_USD * 1e6  # 512 MB, ~50 ms per batch
        print(f"Lambda, per invocation (up to 100 records, 512 MB, ~50 ms): ${invocation:.2f} per million")
        print("DynamoDB Streams reads by a Lambda trigger are free; Query ≈ 0.5 RCU eventually consistent.")


def os_env_loopback() -> None:
    import os

    os.environ["SITEPULSE_LOCAL_WEBHOOKS"] = "loopback"


def latency_on_local_stack() -> None:
    from local.demo.webhook_receiver import WebhookReceiver
    from local.stack import LocalStack

    workdir = Path(tempfile.mkdtemp(prefix="sitepulse-bench-alerts-"))
    stack = LocalStack(
        port=0, demo=False, schedules=False, state_file=workdir / "local.json", log=lambda _: None
    )
    receiver = WebhookReceiver().start()
    try:
        stack.start()
        key = stack.demo_keys["admin"]

        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            request = urllib.request.Request(  # noqa: S310 — the local stack's own http URL
                stack.api_url + path,
                data=json.dumps(body).encode(),
                headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 — the local stack's own http URL
                return json.loads(response.read())

        rule = post(
            "/api/alerts",
            {
                "name": "bench",
                "kind": "occupancy_above",
                "sensor": "bench-s",
                "max": 5,
                "webhook_url": receiver.url(),
            },
        )
        latencies = []
        for n in range(LATENCY_WRITES):
            flip = (10, 0) if n % 2 == 0 else (0, 10)
            post(
                "/api/webhook",
                {"sensor": "bench-s", "ts": f"2024-01-01T10:{n:02d}:00Z", "in": flip[0], "out": flip[1]},
            )
            written = time.time()
            got = receiver.wait_for(lambda _, n=n: len(receiver.for_alert(rule["alert_id"])) > n, timeout=60)
            latencies.append(got[-1].at - written)
        ordered = sorted(latencies)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        print(
            f"write → delivered notification, {LATENCY_WRITES} transitions on the local stack: "
            f"p50 {statistics.median(ordered) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
            f"max {ordered[-1] * 1000:.0f} ms"
        )
    finally:
        receiver.stop()
        stack.stop()


def run() -> None:
    cost_per_record()
    latency_on_local_stack()


if __name__ == "__main__":
    run()
