"""A limited key's `GET /api/alerts` reads only the rules it may see: one Query per allowed range
of the rules' target index, never the index of every rule, and its tokens name nothing else."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from sitepulse.access.models import ApiKeyRecord, Limits, grant_context
from sitepulse.alerts.repository import LIMITED_ALERT_LISTING, alert_pk, allowed_ranges, limited_key
from sitepulse.common import pagination
from tests.unit.conftest import http_event, lambda_context

SENSORS = ["a", "a-1", "ab", "abc", "b", "room-1", "room-10", "room-2", "roomy"]
ROOMS = [("annex", "r1"), ("hq", "r1"), ("hq", "r2"), ("viboo", "lab"), ("viboo", "r1"), ("zeta", "r9")]
STORES = ["7", "9"]
KEY_ID = "limitedkey234567"


def grant(limits: Limits | None, key_id: str = KEY_ID) -> dict[str, Any]:
    record = ApiKeyRecord(
        key_id=key_id,
        name="limited",
        scopes=["alerts:read", "alerts:write"],
        limits=limits or Limits(),
        secret_hash="0" * 64,
        created_at="2024-01-01T00:00:00Z",
    )
    return {"lambda": grant_context(record)}


class Reads:
    """Every DynamoDB read the function makes: the request and how many items came back."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from sitepulse.common.aws import dynamodb

        self.calls: list[tuple[str, dict[str, Any], int]] = []
        client = dynamodb()
        for operation in ("query", "scan", "get_item", "batch_get_item"):
            original = getattr(client, operation)

            def record(*args: Any, _op: str = operation, _original: Any = original, **kwargs: Any) -> Any:
                response = _original(*args, **kwargs)
                self.calls.append((_op, kwargs, len(response.get("Items", []))))
                return response

            monkeypatch.setattr(client, operation, record)

    def ranges(self) -> set[tuple[str, str]]:
        """(partition, begins_with prefix or "") of every Query made."""
        asked: set[tuple[str, str]] = set()
        for operation, request, _ in self.calls:
            assert operation == "query", operation
            assert request["IndexName"] == "gsi3", request
            values = request["ExpressionAttributeValues"]
            asked.add((values[":kind"]["S"], values.get(":prefix", {}).get("S", "")))
        return asked


@pytest.fixture
def api(load_function: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("SITEPULSE_LOCAL_WEBHOOKS", "loopback")
    module = load_function("AlertsApiFunction")
    hook = "http://127.0.0.1:9/hook"
    bodies: list[dict[str, Any]] = []
    for sensor in SENSORS:
        bodies.append({"kind": "occupancy_above", "sensor": sensor, "max": 3})
    bodies.append({"kind": "occupancy_above", "sensor": "room-1", "max": 9})  # two rules, one target
    for building, room in ROOMS:
        bodies.append(
            {
                "kind": "temperature_outside",
                "building": building,
                "room": room,
                "min": 18,
                "max": 26,
                "for": "5m",
            }
        )
    for store in STORES:
        bodies.append({"kind": "store_down", "store_id": store, "for": "1h"})
    for number, body in enumerate(bodies):
        event = http_event("POST", "/api/alerts", {"name": f"rule {number}", "webhook_url": hook, **body})
        answer = module.handler(event, lambda_context())
        assert answer["statusCode"] == 201, answer
    return module


def listing(
    api: ModuleType, authorizer: dict[str, Any], limit: int, token: str | None = None
) -> dict[str, Any]:
    query = {"limit": str(limit), **({"next_token": token} if token else {})}
    answer = api.handler(
        http_event("GET", "/api/alerts", query=query, authorizer=authorizer), lambda_context()
    )
    return {"status": answer["statusCode"], **json.loads(answer["body"])}


def page_through(
    api: ModuleType, authorizer: dict[str, Any], limit: int
) -> tuple[list[dict[str, Any]], list[str]]:
    rules: list[dict[str, Any]] = []
    tokens: list[str] = []
    token = None
    for _ in range(100):
        page = listing(api, authorizer, limit, token)
        assert page["status"] == 200, page
        assert 0 < len(page["alerts"]) <= limit or (not rules and not page["alerts"])
        rules.extend(page["alerts"])
        token = page["next_token"]
        if not token:
            return rules, tokens
        tokens.append(token)
    raise AssertionError("pagination did not end")


def may_see(rule: dict[str, Any], limits: Limits) -> bool:
    if rule.get("sensor") is not None:
        return limits.sensors is None or any(rule["sensor"].startswith(p) for p in limits.sensors)
    if rule.get("building") is not None:
        return limits.buildings is None or rule["building"] in limits.buildings
    return True  # store rules: every key that reads alerts sees them


def every_rule(api: ModuleType) -> list[dict[str, Any]]:
    rules, _ = page_through(api, grant(None), 1000)
    return rules


def target_order(rule: dict[str, Any]) -> tuple[int, str, str]:
    if rule.get("sensor") is not None:
        return (0, rule["sensor"], rule["alert_id"])
    if rule.get("building") is not None:
        return (1, f"{rule['building']}#{rule['room']}", rule["alert_id"])
    return (2, rule["store_id"], rule["alert_id"])


CASES = [
    Limits(sensors=["room-", "a", "ab"]),
    Limits(buildings=["viboo", "annex", "missing"]),
    Limits(sensors=["room-1"], buildings=["hq"]),
    Limits(sensors=["nothing"], buildings=["nowhere"]),
    Limits(sensors=["b", "abc"], hotels=[1]),
]


@pytest.mark.parametrize("limits", CASES, ids=lambda limits: json.dumps(limits.compact()))
def test_a_limited_listing_reads_only_its_ranges_and_shows_exactly_what_it_may_see(
    api: ModuleType, monkeypatch: pytest.MonkeyPatch, limits: Limits
) -> None:
    everything = every_rule(api)
    expected = sorted((rule for rule in everything if may_see(rule, limits)), key=target_order)
    allowed = {(r.partition, r.prefix) for r in allowed_ranges(limits.sensors, limits.buildings)}
    for limit in (1, 2, 3, 7, 1000):
        reads = Reads(monkeypatch)
        rules, tokens = page_through(api, grant(limits), limit)
        assert [r["alert_id"] for r in rules] == [r["alert_id"] for r in expected], limit
        assert len(tokens) == max(0, (len(expected) - 1) // limit)  # no token to an empty page
        # Only the allowed ranges were asked, and never more than one item beyond each page.
        assert reads.ranges() <= allowed
        pages = len(tokens) + 1
        assert sum(count for _, _, count in reads.calls) <= len(expected) + pages
        monkeypatch.undo()


def test_a_sensor_limited_key_asks_one_begins_with_per_prefix(
    api: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits = Limits(sensors=["room-", "a", "ab", "room-1"])  # "ab" and "room-1" are covered
    reads = Reads(monkeypatch)
    page_through(api, grant(limits), 1000)
    assert reads.ranges() == {
        ("RULES#sensor", "a"),
        ("RULES#sensor", "room-"),
        ("RULES#room", ""),  # buildings are not limited for this key
        ("RULES#store", ""),
    }
    assert len(reads.calls) == 4


def test_a_building_limited_key_asks_one_range_per_building(
    api: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits = Limits(buildings=["viboo", "hq"], sensors=["roomy"])
    reads = Reads(monkeypatch)
    rules, _ = page_through(api, grant(limits), 1000)
    assert reads.ranges() == {
        ("RULES#sensor", "roomy"),
        ("RULES#room", "hq#"),
        ("RULES#room", "viboo#"),
        ("RULES#store", ""),
    }
    assert {r["building"] for r in rules if r.get("room") is not None} == {"hq", "viboo"}
    assert {r["store_id"] for r in rules if r.get("store_id") is not None} == set(STORES)
    assert all("secret" not in rule for rule in rules)


def test_tokens_only_name_positions_inside_the_allowed_ranges(api: ModuleType) -> None:
    limits = Limits(sensors=["room-"], buildings=["viboo"])
    ranges = allowed_ranges(limits.sensors, limits.buildings)
    filters = {"ranges": [[r.partition, r.prefix] for r in ranges]}
    _, tokens = page_through(api, grant(limits), 1)
    assert tokens
    pagination.bind_caller(KEY_ID)
    for token in tokens:
        # the values in attribute name order
        gsi3pk, gsi3sk, pk, sk = pagination.open_token(LIMITED_ALERT_LISTING.name, filters, token)
        assert sk == "RULE" and any(r.holds(gsi3pk, gsi3sk) for r in ranges), (gsi3pk, gsi3sk)
        assert pk == alert_pk(gsi3sk.rsplit("#", 1)[1])
    # Deterministic: the same pages give the same tokens.
    assert page_through(api, grant(limits), 1)[1] == tokens


def test_a_forged_or_other_token_is_422(api: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    limits = Limits(sensors=["room-"])
    page = listing(api, grant(limits), 1)
    token = page["next_token"]
    assert token

    def refused(authorizer: dict[str, Any], candidate: str) -> None:
        answer = listing(api, authorizer, 100, candidate)
        assert answer["status"] == 422, answer
        assert [error["field"] for error in answer["errors"]] == ["next_token"]

    refused(grant(limits, key_id="otherkey23456789"), token)  # another key, same limits
    refused(grant(Limits(sensors=["room-", "a"])), token)  # this key under other limits
    refused(grant(None), token)  # the unlimited listing
    refused(grant(limits), token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])  # one byte altered
    admin_token = listing(api, grant(None), 1)["next_token"]
    refused(grant(limits), admin_token)  # a token of the unlimited listing

    # Even a correctly sealed token (the stack's own key, these very ranges and key id) whose
    # position lies outside the allowed ranges is refused before anything is read.
    everything = every_rule(api)
    outside = next(rule for rule in everything if rule.get("sensor") == "abc")
    ranges = allowed_ranges(limits.sensors, limits.buildings)
    filters = {"ranges": [[r.partition, r.prefix] for r in ranges]}
    key = limited_key({"sensor": "abc"}, outside["alert_id"])
    pagination.bind_caller(KEY_ID)
    forged = pagination.seal(
        LIMITED_ALERT_LISTING.name,
        filters,
        [key["gsi3pk"], key["gsi3sk"], alert_pk(outside["alert_id"]), "RULE"],
    )
    reads = Reads(monkeypatch)
    refused(grant(limits), forged)
    assert reads.calls == []
    # A position inside a range but whose pk is another rule's is refused too.
    inside = next(rule for rule in everything if rule.get("sensor") == "room-1")
    mismatched = pagination.seal(
        LIMITED_ALERT_LISTING.name,
        filters,
        ["RULES#sensor", f"room-1#{inside['alert_id']}", alert_pk(outside["alert_id"]), "RULE"],
    )
    refused(grant(limits), mismatched)


def test_a_key_limited_on_hotels_only_lists_every_rule_newest_first(api: ModuleType) -> None:
    rules, _ = page_through(api, grant(Limits(hotels=[1])), 4)
    everything = every_rule(api)
    assert [r["alert_id"] for r in rules] == [r["alert_id"] for r in everything]
    assert [r["alert_id"] for r in everything] == sorted((r["alert_id"] for r in everything), reverse=True)


def test_by_id_a_rule_outside_the_limits_is_404_and_a_store_rule_is_visible(api: ModuleType) -> None:
    everything = every_rule(api)
    limits = grant(Limits(sensors=["room-"], buildings=["hq"]))
    for rule in everything:
        answer = api.handler(
            http_event("GET", f"/api/alerts/{rule['alert_id']}", authorizer=limits), lambda_context()
        )
        assert answer["statusCode"] == (
            200 if may_see(rule, Limits(sensors=["room-"], buildings=["hq"])) else 404
        )
