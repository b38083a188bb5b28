"""Alerts end to end on the local stack: rules over HTTP, the tables' streams feeding the
evaluator, the outbox and the delivery queue, and a webhook receiver on 127.0.0.1."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from local.demo.webhook_receiver import Received, WebhookReceiver
from sitepulse.alerts.rules import verify
from tests.integration.conftest import RunningStack
from tests.integration.http_client import ApiClient

DELIVERY_SECONDS = 30


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def create(api: ApiClient, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    answer = api.post("/api/alerts", body, **kwargs)
    assert answer.status == 201, answer.body
    return answer.json


def occupancy_rule(
    receiver: WebhookReceiver, sensor: str, maximum: int = 5, path: str = "/hook"
) -> dict[str, Any]:
    return {
        "name": f"room {sensor} full",
        "kind": "occupancy_above",
        "sensor": sensor,
        "max": maximum,
        "webhook_url": receiver.url(path),
    }


def report(api: ApiClient, sensor: str, ts: str, in_: int, out: int) -> int:
    return api.post("/api/webhook", {"sensor": sensor, "ts": ts, "in": in_, "out": out}).status


def states(items: list[Received]) -> list[str]:
    return [item.json["state"] for item in items]


def test_occupancy_rule_fires_once_and_resolves_once(api: ApiClient, receiver: WebhookReceiver) -> None:
    sensor = unique("al-occ-")
    rule = create(api, occupancy_rule(receiver, sensor))
    assert rule["state"] == "OK" and rule["secret"] and rule["max"] == 5
    alert_id = rule["alert_id"]

    started = time.time()
    assert report(api, sensor, "2024-05-01T09:00:00Z", 4, 0) == 201  # 4 inside: OK
    assert report(api, sensor, "2024-05-01T09:05:00Z", 3, 0) == 201  # 7 inside: FIRING
    assert report(api, sensor, "2024-05-01T09:05:00Z", 3, 0) == 200  # the sensor retries: replay
    assert report(api, sensor, "2024-05-01T09:06:00Z", 1, 0) == 201  # 8 inside: still FIRING
    receiver.wait_for(lambda _: len(receiver.for_alert(alert_id)) >= 1, DELIVERY_SECONDS)
    assert time.time() - started < DELIVERY_SECONDS
    assert report(api, sensor, "2024-05-01T09:30:00Z", 0, 6) == 201  # 2 inside: RESOLVED
    receiver.wait_for(lambda _: len(receiver.for_alert(alert_id)) >= 2, DELIVERY_SECONDS)

    time.sleep(3)  # anything extra would have arrived by now
    got = receiver.for_alert(alert_id)
    assert states(got) == ["FIRING", "RESOLVED"]
    firing, resolved = (item.json for item in got)
    assert firing["value"] == 7 and resolved["value"] == 2
    assert firing["target"] == {"sensor": sensor} and firing["kind"] == "occupancy_above"
    assert set(firing) == {"alert_id", "name", "kind", "target", "state", "value", "at", "transition_id"}
    assert firing["transition_id"] != resolved["transition_id"]
    for item in got:
        assert verify(rule["secret"], item.body, item.signature), item.signature
        assert not verify("another secret", item.body, item.signature)

    detail = api.get(f"/api/alerts/{alert_id}")
    assert detail.status == 200
    body = detail.json
    assert body["state"] == "OK"
    assert [t["state"] for t in body["transitions"]] == ["RESOLVED", "FIRING"]
    assert [d["status"] for d in body["deliveries"]] == ["delivered", "delivered"]
    assert all(d["attempts"] == 1 and d["delivered_at"] for d in body["deliveries"])
    assert "secret" not in body


def test_private_and_link_local_webhooks_are_refused(api: ApiClient) -> None:
    for url in (
        "http://169.254.169.254/latest/meta-data",
        "https://10.0.0.5/hook",
        "https://192.168.1.1/hook",
        "https://[fe80::1]/hook",
        "https://localhost.localdomain.invalid/hook",
        "ftp://example.com/hook",
        "http://user:pw@127.0.0.1/hook",
    ):
        answer = api.post(
            "/api/alerts",
            {"name": "x", "kind": "occupancy_above", "sensor": "s1", "max": 1, "webhook_url": url},
        )
        assert answer.status == 422, (url, answer.body)
        assert "webhook_url" in answer.body.decode()


def test_a_key_limited_to_other_sensors_gets_403(api: ApiClient, receiver: WebhookReceiver) -> None:
    made = api.post(
        "/api/keys",
        {"name": "limited", "scopes": ["alerts:write", "alerts:read"], "limits": {"sensors": ["lobby-"]}},
    )
    assert made.status == 201, made.body
    limited = api.with_key(made.json["secret"])
    refused = limited.post("/api/alerts", occupancy_rule(receiver, "kitchen-1"))
    assert refused.status == 403, refused.body
    allowed = limited.post("/api/alerts", occupancy_rule(receiver, unique("lobby-")))
    assert allowed.status == 201, allowed.body
    other = create(api, occupancy_rule(receiver, unique("kitchen-")))
    # The other sensor's rule is invisible to the limited key, in the listing and by id.
    listed = limited.get("/api/alerts?limit=1000").json["alerts"]
    assert allowed.json["alert_id"] in {a["alert_id"] for a in listed}
    assert other["alert_id"] not in {a["alert_id"] for a in listed}
    assert limited.get(f"/api/alerts/{other['alert_id']}").status == 404
    assert limited.delete(f"/api/alerts/{other['alert_id']}").status == 404


def test_a_limited_key_lists_only_its_rules_across_pages(api: ApiClient, receiver: WebhookReceiver) -> None:
    mine, theirs = unique("lim-"), unique("oth-")
    made = api.post(
        "/api/keys",
        {
            "name": "limited lister",
            "scopes": ["alerts:write", "alerts:read"],
            "limits": {"sensors": [mine], "buildings": [mine]},
        },
    )
    assert made.status == 201, made.body
    limited = api.with_key(made.json["secret"])
    visible = [create(api, occupancy_rule(receiver, f"{mine}-{n}")) for n in range(3)]
    visible.append(
        create(
            api,
            {
                "name": "my room",
                "kind": "temperature_outside",
                "building": mine,
                "room": "r1",
                "min": 18,
                "max": 26,
                "for": "5m",
                "webhook_url": receiver.url(),
            },
        )
    )
    hidden = [create(api, occupancy_rule(receiver, f"{theirs}-{n}")) for n in range(2)]
    hidden.append(
        create(
            api,
            {
                "name": "their room",
                "kind": "temperature_outside",
                "building": theirs,
                "room": "r1",
                "min": 18,
                "max": 26,
                "for": "5m",
                "webhook_url": receiver.url(),
            },
        )
    )
    listed: list[dict[str, Any]] = []
    token = None
    for _ in range(50):
        page = limited.get("/api/alerts?limit=2" + (f"&next_token={token}" if token else ""))
        assert page.status == 200, page.body
        assert 1 <= len(page.json["alerts"]) <= 2
        listed.extend(page.json["alerts"])
        token = page.json["next_token"]
        if not token:
            break
    ids = [rule["alert_id"] for rule in listed]
    assert len(ids) == len(set(ids))
    # Its own rules, in target order; every other sensor or building rule is absent; store
    # rules (no limit kind) are listed for every key.
    assert [i for i in ids if i in {r["alert_id"] for r in visible}] == [r["alert_id"] for r in visible]
    assert not {r["alert_id"] for r in hidden} & set(ids)
    for rule in listed:
        assert (rule.get("sensor") or mine).startswith(mine) and (rule.get("building") or mine) == mine
        assert rule.get("sensor") or rule.get("building") or rule.get("store_id")
    # Its token is refused to another key, and to the admin.
    first = limited.get("/api/alerts?limit=1").json["next_token"]
    assert first
    assert api.get(f"/api/alerts?limit=1&next_token={first}").status == 422
    other = api.post(
        "/api/keys", {"name": "other lister", "scopes": ["alerts:read"], "limits": {"sensors": [mine]}}
    )
    assert other.status == 201, other.body
    refused = api.with_key(other.json["secret"]).get(f"/api/alerts?limit=1&next_token={first}")
    assert refused.status == 422 and "next_token" in refused.body.decode()


def test_idempotency_key_returns_the_first_answer(api: ApiClient, receiver: WebhookReceiver) -> None:
    body = occupancy_rule(receiver, unique("al-idem-"))
    key = {"Idempotency-Key": unique("k-")}
    first = api.post("/api/alerts", body, headers=key)
    again = api.post("/api/alerts", body, headers=key)
    assert first.status == 201 and again.status == 200
    assert again.json == first.json
    other = api.post("/api/alerts", {**body, "max": 9}, headers=key)
    assert other.status == 409, other.body


def test_dead_receiver_shows_failed_attempts(api: ApiClient, receiver: WebhookReceiver) -> None:
    sensor = unique("al-dead-")
    rule = create(api, occupancy_rule(receiver, sensor, maximum=0, path="/fail"))
    assert report(api, sensor, "2024-05-01T10:00:00Z", 1, 0) == 201
    deadline = time.monotonic() + DELIVERY_SECONDS
    while True:
        deliveries = api.get(f"/api/alerts/{rule['alert_id']}").json["deliveries"]
        if deliveries and deliveries[0]["attempts"] >= 1 and deliveries[0]["status"] != "pending":
            break
        assert time.monotonic() < deadline, deliveries
        time.sleep(0.5)
    delivery = deliveries[0]
    assert delivery["status"] in ("retrying", "failed")
    assert delivery["last_error"].startswith("HTTP 500")
    assert delivery.get("delivered_at") is None


def test_a_deleted_rule_is_silent(api: ApiClient, receiver: WebhookReceiver) -> None:
    sensor = unique("al-del-")
    rule = create(api, occupancy_rule(receiver, sensor, maximum=1))
    assert api.delete(f"/api/alerts/{rule['alert_id']}").status == 204
    assert api.get(f"/api/alerts/{rule['alert_id']}").status == 404
    assert report(api, sensor, "2024-05-01T11:00:00Z", 5, 0) == 201
    # A live rule on the same sensor, created afterwards, proves the write was evaluated.
    witness = create(api, occupancy_rule(receiver, sensor, maximum=1))
    assert report(api, sensor, "2024-05-01T11:01:00Z", 1, 0) == 201
    receiver.wait_for(lambda _: len(receiver.for_alert(witness["alert_id"])) >= 1, DELIVERY_SECONDS)
    time.sleep(2)
    assert receiver.for_alert(rule["alert_id"]) == []


def test_temperature_rule_honours_for(api: ApiClient, receiver: WebhookReceiver) -> None:
    building, room = unique("alb"), "r1"
    rule = create(
        api,
        {
            "name": "server room hot",
            "kind": "temperature_outside",
            "building": building,
            "room": room,
            "min": 18,
            "max": 27,
            "for": "15m",
            "webhook_url": receiver.url(),
        },
    )
    assert rule["for"] == "15m" and rule["min"] == 18
    path = f"/api/v1/buildings/{building}/rooms/{room}/temperatures"

    def reading(at: str, value: float) -> None:
        assert api.post(path, {"temperature": value, "recorded_at": at}).status == 201

    reading("2024-06-01T10:00:00Z", 22.0)
    reading("2024-06-01T10:05:00Z", 30.0)  # outside from 10:05
    reading("2024-06-01T10:15:00Z", 31.0)  # 10 min outside: not yet
    time.sleep(4)
    assert receiver.for_alert(rule["alert_id"]) == []
    reading("2024-06-01T10:20:00Z", 29.5)  # 15 min outside: FIRING
    receiver.wait_for(lambda _: len(receiver.for_alert(rule["alert_id"])) >= 1, DELIVERY_SECONDS)
    reading("2024-06-01T10:25:00Z", 24.0)  # back inside: RESOLVED
    receiver.wait_for(lambda _: len(receiver.for_alert(rule["alert_id"])) >= 2, DELIVERY_SECONDS)
    got = [item.json for item in receiver.for_alert(rule["alert_id"])]
    assert [(g["state"], g["value"], g["at"]) for g in got] == [
        ("FIRING", 29.5, "2024-06-01T10:20:00Z"),
        ("RESOLVED", 24, "2024-06-01T10:25:00Z"),
    ]
    assert got[0]["target"] == {"building": building, "room": room}


def test_rules_listing_is_paginated(api: ApiClient, receiver: WebhookReceiver) -> None:
    for _ in range(3):
        create(api, occupancy_rule(receiver, unique("al-page-")))
    first = api.get("/api/alerts?limit=2")
    assert first.status == 200 and len(first.json["alerts"]) == 2 and first.json["next_token"]
    second = api.get(f"/api/alerts?limit=2&next_token={first.json['next_token']}")
    assert second.status == 200
    ids = [a["alert_id"] for a in first.json["alerts"] + second.json["alerts"]]
    assert len(ids) == len(set(ids))
    assert api.get("/api/alerts?next_token=garbage").status == 422


def test_store_down_is_validated(
    api: ApiClient, receiver: WebhookReceiver, local_stack: RunningStack
) -> None:
    ok = api.post(
        "/api/alerts",
        {"name": "s", "kind": "store_down", "store_id": "st-1", "for": "1h", "webhook_url": receiver.url()},
    )
    assert ok.status == 201, ok.body
    assert ok.json["for"] == "1h" and ok.json["store_id"] == "st-1"
    for bad in ({"for": "1month"}, {"for": "0m"}, {"store_id": ""}, {"extra": 1}):
        answer = api.post(
            "/api/alerts",
            {
                "name": "s",
                "kind": "store_down",
                "store_id": "st-1",
                "for": "1h",
                "webhook_url": receiver.url(),
                **bad,
            },
        )
        assert answer.status == 422, (bad, answer.body)
