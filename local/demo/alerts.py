"""Alert demo: one rule of each kind, pointed at the stack's webhook receiver on 127.0.0.1, created
before the other loaders send their data, so the demo's own writes make them fire and resolve.
Every delivery is printed on the terminal (signature checked) and listed on the console's Alerts page."""

from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.request
from typing import Any

import boto3

from local.demo.client import Demo

DEMO_RULES: list[dict[str, Any]] = [
    {"name": "Cafeteria crowded", "kind": "occupancy_above", "sensor": "cafeteria", "max": 30},
    {
        "name": "Open space uncomfortable",
        "kind": "temperature_outside",
        "building": "viboo",
        "room": "open-space",
        "min": 21,
        "max": 24,
        "for": "2h",
    },
]
STORE_RULE = {"name": "Store down", "kind": "store_down", "for": "1h"}


def _create(demo: Demo, rule: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(  # noqa: S310 — the local stack's own http URL
        f"{demo.api_url}/api/alerts",
        data=json.dumps(rule).encode(),
        headers={
            "Content-Type": "application/json",
            "Idempotency-Key": f"demo-{rule['name']}",
            **demo.headers,
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 — the local stack's own http URL
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


def _rules(demo: Demo, rules: list[dict[str, Any]]) -> list[str]:
    made = []
    for rule in rules:
        status, answer = _create(demo, {**rule, "webhook_url": demo.receiver.url("/demo")})
        if status in (200, 201):
            demo.receiver.secrets[answer["alert_id"]] = answer["secret"]
            made.append(f"{rule['kind']} {rule['name']!r}")
    return made


def alerts_demo(demo: Demo) -> str:
    """Before the other loaders: the occupancy and temperature rules see their data arrive."""
    if demo.receiver is None:
        return "alerts: skipped (no webhook receiver)"
    made = _rules(demo, DEMO_RULES)
    return f"alerts: {len(made)} rules ({', '.join(made)}) notifying {demo.receiver.url('/demo')}"


def store_alert_demo(demo: Demo) -> str:
    """After the store files are dropped (before they are ingested): a rule on a store whose
    latest poll in the newest file is inactive, so that the start-up ingestion fires it."""
    bucket = demo.stack.buckets.get("DataBucket")
    if demo.receiver is None or bucket is None:
        return "alerts: no store rule (no webhook receiver or data bucket)"
    s3 = boto3.client("s3")
    keys = sorted(
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket.name, Prefix="incoming/store_status/"
        )
        for item in page.get("Contents", [])
    )
    if not keys:
        return "alerts: no store rule (no status files)"
    latest: dict[str, tuple[str, str]] = {}
    text = s3.get_object(Bucket=bucket.name, Key=keys[-1])["Body"].read().decode("utf-8")
    for row in csv.DictReader(io.StringIO(text)):
        at = row.get("timestamp_utc", "")
        if row.get("store_id") and at >= latest.get(row["store_id"], ("", ""))[0]:
            latest[row["store_id"]] = (at, row.get("status", ""))
    down = sorted(store for store, (_, status) in latest.items() if status == "inactive")
    if not down:
        return "alerts: no store rule (every store's latest poll is active)"
    made = _rules(demo, [{**STORE_RULE, "name": f"Store {down[0]} down", "store_id": down[0]}])
    return f"alerts: {', '.join(made) or 'no store rule'}"
