"""Alert demo: one rule of each kind, pointed at the stack's webhook receiver on 127.0.0.1, created
before the other loaders send their data, so the demo's own writes make them fire and resolve.
Every delivery is printed on the terminal (signature checked) and listed on the console's Alerts page."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from local.demo_client import Demo

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
    {"name": "Store 1 down", "kind": "store_down", "store_id": "1", "for": "1h"},
]


def _create(demo: Demo, rule: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
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
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


def alerts_demo(demo: Demo) -> str:
    if demo.receiver is None:
        return "alerts: skipped (no webhook receiver)"
    made = []
    for rule in DEMO_RULES:
        status, answer = _create(demo, {**rule, "webhook_url": demo.receiver.url("/demo")})
        if status in (200, 201):
            demo.receiver.secrets[answer["alert_id"]] = answer["secret"]
            made.append(rule["kind"])
    return f"alerts: {len(made)} rules ({', '.join(made)}) notifying {demo.receiver.url('/demo')}"
