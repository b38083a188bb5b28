"""DynamoDB access for alert rules. Table layout (pk / sk):

| item       | pk                        | sk                   | attributes                            |
|------------|---------------------------|----------------------|---------------------------------------|
| rule       | ALERT#<alert_id>          | RULE                 | definition, secret, state, version, seq |
| transition | ALERT#<alert_id>          | TRANSITION#<version> | state, value, at, transition_id       |
| delivery   | ALERT#<alert_id>          | DELIVERY#<version>   | transition_id, url, body, status, …   |
| create key | ALERTKEY#<key_id>#<hash>  | ALERTKEY             | request digest, first answer, ttl     |

`gsi1` (gsi1pk = "ALERTS", gsi1sk = alert_id; ids sort by creation time) lists rules;
`gsi2` (gsi2pk = TARGET#<kind>/<target>, gsi2sk = alert_id) finds the rules of one target for
the evaluator (`TARGET#stores` holds every store rule: all are evaluated after a status file).
`gsi3` (rules only; gsi3pk = RULES#sensor | RULES#room | RULES#store, gsi3sk = the target's
name then the alert id: `<sensor>#<id>`, `<building>#<room>#<id>`, `<store_id>#<id>`) is what a
limited key's listing reads: one `begins_with` range per allowed sensor prefix or building.
Names never hold `#` (their patterns), so `begins_with(gsi3sk, prefix)` is exactly "the
sensor starts with prefix" and `begins_with(gsi3sk, building + "#")` exactly "in building".
It projects what the listing shows and no secret.
A transition is ONE transaction: the rule's state moves only if its `version` is still the
one evaluated (optimistic lock), and the transition and its delivery (the outbox: this
table's stream hands new deliveries to the delivery queue) are written with it, so a
transition and its notification exist together or not at all.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from sitepulse.alerts.models import ALERT_ID_PATTERN
from sitepulse.alerts.rules import Rule, Transition
from sitepulse.common import dynamo, idempotent
from sitepulse.common.aws import DynamoDBClient
from sitepulse.common.idempotent import WriteOutcome
from sitepulse.common.pagination import Listing, disjoint_prefixes
from sitepulse.common.timestamps import format_instant

RULE_SK = "RULE"
CREATE_KEY_SK = "ALERTKEY"
RULE_INDEX = "gsi1"
TARGET_INDEX = "gsi2"
LIMITED_INDEX = "gsi3"
_ALL_RULES = "ALERTS"
SENSOR_RULES, ROOM_RULES, STORE_RULES = "RULES#sensor", "RULES#room", "RULES#store"
ALERT_LISTING = Listing("alerts", {"pk": "S", "sk": "S", "gsi1pk": "S", "gsi1sk": "S"})
LIMITED_ALERT_LISTING = Listing("alerts-limited", {"pk": "S", "sk": "S", "gsi3pk": "S", "gsi3sk": "S"})
_ALERT_ID = re.compile(ALERT_ID_PATTERN.removeprefix("^").removesuffix("$"))
_NAME = r"[A-Za-z0-9_.:\-]{1,128}"  # sensor, building, room and store ids: never a `#`
_LIMITED_POSITION = re.compile(f"(?:{_NAME}#){{1,2}}(?P<alert_id>{_ALERT_ID.pattern})")
CREATE_KEY_TTL_SECONDS = 24 * 3600
RECENT = 20


def alert_pk(alert_id: str) -> str:
    return f"ALERT#{alert_id}"


def transition_sk(version: int) -> str:
    return f"TRANSITION#{version:010d}"


def delivery_sk(version: int) -> str:
    return f"DELIVERY#{version:010d}"


def create_key_pk(key_id: str, key_digest: str) -> str:
    return f"ALERTKEY#{key_id}#{key_digest}"


def target_key(kind: str, target: dict[str, str]) -> str:
    if "sensor" in target:
        return f"TARGET#sensor/{target['sensor']}"
    if "store_id" in target:
        # One partition for every store rule: they are all evaluated after each status file.
        return "TARGET#stores"
    return f"TARGET#room/{target['building']}/{target['room']}"


def limited_key(target: dict[str, str], alert_id: str) -> dict[str, str]:
    """The rule's gsi3 key: its target kind, then its target's name and its id."""
    if "sensor" in target:
        return {"gsi3pk": SENSOR_RULES, "gsi3sk": f"{target['sensor']}#{alert_id}"}
    if "store_id" in target:
        return {"gsi3pk": STORE_RULES, "gsi3sk": f"{target['store_id']}#{alert_id}"}
    return {"gsi3pk": ROOM_RULES, "gsi3sk": f"{target['building']}#{target['room']}#{alert_id}"}


@dataclass(frozen=True)
class AllowedRange:
    """One range of gsi3 a limited key may read: a partition, and a `begins_with` prefix of
    its sort key ("" for the whole partition)."""

    partition: str
    prefix: str = ""

    def holds(self, gsi3pk: str, gsi3sk: str) -> bool:
        return gsi3pk == self.partition and gsi3sk.startswith(self.prefix)


def allowed_ranges(sensors: list[str] | None, buildings: list[str] | None) -> list[AllowedRange]:
    """The ranges a key with these limits may see, in listing order: sensor rules, room rules,
    store rules. A kind the key is not limited on is its whole partition; stores have no limit
    kind, so every key sees every store rule (as every `reports:read` key reads every store).
    Sensor prefixes are made disjoint (`ab` covers `abc`): no rule is in two ranges."""
    ranges: list[AllowedRange] = []
    if sensors is None:
        ranges.append(AllowedRange(SENSOR_RULES))
    else:
        ranges.extend(AllowedRange(SENSOR_RULES, prefix) for prefix in disjoint_prefixes(sensors))
    if buildings is None:
        ranges.append(AllowedRange(ROOM_RULES))
    else:
        ranges.extend(AllowedRange(ROOM_RULES, f"{building}#") for building in sorted(set(buildings)))
    ranges.append(AllowedRange(STORE_RULES))
    return ranges


@dataclass(frozen=True)
class CreateRequest:
    """An Idempotency-Key's claim: the same key with the same request answers the first answer."""

    pk: str
    request_digest: str
    answer: dict[str, Any] = field(compare=False)


@dataclass(frozen=True)
class Delivery:
    alert_id: str
    version: int
    transition_id: str
    url: str
    body: str
    status: str
    attempts: int
    lease_until: int


def rule_of(item: dict[str, Any]) -> Rule:
    kind = item["kind"]
    if kind == "occupancy_above":
        target = {"sensor": item["sensor"]}
    elif kind == "store_down":
        target = {"store_id": item["store_id"]}
    else:
        target = {"building": item["building"], "room": item["room"]}
    return Rule(
        alert_id=item["alert_id"],
        name=item["name"],
        kind=kind,
        target=target,
        state=item.get("state", "OK"),
        version=int(item.get("version", 0)),
        seq=int(item.get("seq", 0)),
        max=item.get("max"),
        min=item.get("min"),
        for_seconds=int(item.get("for_seconds", 0)),
    )


class AlertsRepository:
    def __init__(
        self, client: DynamoDBClient, table_name: str, clock: Callable[[], float] = time.time
    ) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock

    # ------------------------------------------------------------------ rules
    def rule_item(self, rule: dict[str, Any], target: dict[str, str]) -> dict[str, Any]:
        return {
            **rule,
            "pk": alert_pk(rule["alert_id"]),
            "sk": RULE_SK,
            "state": "OK",
            "version": 0,
            "seq": 0,
            "gsi1pk": _ALL_RULES,
            "gsi1sk": rule["alert_id"],
            "gsi2pk": target_key(rule["kind"], target),
            "gsi2sk": rule["alert_id"],
            **limited_key(target, rule["alert_id"]),
        }

    def create(self, item: dict[str, Any]) -> None:
        self._client.put_item(
            TableName=self._table,
            Item=dynamo.to_item(item),
            ConditionExpression="attribute_not_exists(pk)",
        )

    def create_once(self, claim: CreateRequest, item: dict[str, Any]) -> WriteOutcome[CreateRequest]:
        """The rule and its Idempotency-Key claim in one transaction (`common.idempotent`)."""

        def plan() -> list[dict[str, Any]]:
            return [
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": dynamo.to_item(
                            {
                                "pk": claim.pk,
                                "sk": CREATE_KEY_SK,
                                "request_digest": claim.request_digest,
                                # JSON text: DynamoDB numbers are Decimals, the answer has floats
                                "answer": json.dumps(claim.answer, sort_keys=True),
                                "ttl": int(self._clock()) + CREATE_KEY_TTL_SECONDS,
                            }
                        ),
                        "ConditionExpression": "attribute_not_exists(pk)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": dynamo.to_item(item),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]

        return idempotent.write_once(
            self._client,
            claim,
            plan,
            decode=lambda stored: CreateRequest(
                claim.pk, stored["request_digest"], json.loads(stored["answer"])
            ),
            read_stored=lambda: self._get(claim.pk, CREATE_KEY_SK, consistent=True),
        )

    def get(self, alert_id: str, consistent: bool = False) -> dict[str, Any] | None:
        return self._get(alert_pk(alert_id), RULE_SK, consistent)

    def _get(self, pk: str, sk: str, consistent: bool) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table,
            Key={"pk": {"S": pk}, "sk": {"S": sk}},
            ConsistentRead=consistent,
        )
        return dynamo.from_item(response["Item"]) if "Item" in response else None

    def delete(self, alert_id: str) -> None:
        """The rule only: its history stays readable nowhere (the rule is gone) and a delivery
        still queued finds no rule and is dropped, so a deleted rule is silent."""
        self._client.delete_item(
            TableName=self._table, Key={"pk": {"S": alert_pk(alert_id)}, "sk": {"S": RULE_SK}}
        )

    def list(self, limit: int, next_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Every rule, newest first (a key without sensor or building limits)."""
        start = ALERT_LISTING.start_key(
            next_token,
            None,
            expected={
                "pk": re.compile(f"ALERT#{_ALERT_ID.pattern}"),
                "sk": RULE_SK,
                "gsi1pk": _ALL_RULES,
                "gsi1sk": _ALERT_ID,
            },
            check=lambda key: key["pk"] == alert_pk(key["gsi1sk"]),
        )
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": RULE_INDEX,
            "KeyConditionExpression": "gsi1pk = :all",
            "ExpressionAttributeValues": {":all": {"S": _ALL_RULES}},
            "ScanIndexForward": False,
        }
        items, last = ALERT_LISTING.ranges_page(self._client, [query], limit, (0, start) if start else None)
        return [dynamo.from_item(item) for item in items], ALERT_LISTING.token(last, None)

    def list_allowed(
        self, limit: int, next_token: str | None, ranges: list[AllowedRange]
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The rules of these ranges only (a limited key's), in range order then sort key
        order: one Query per range, never a rule outside them. The token is bound to the
        ranges, and its position must lie inside one of them."""
        filters = {"ranges": [[allowed.partition, allowed.prefix] for allowed in ranges]}

        def range_of(key: dict[str, str]) -> int | None:
            return next(
                (
                    index
                    for index, allowed in enumerate(ranges)
                    if allowed.holds(key["gsi3pk"], key["gsi3sk"])
                ),
                None,
            )

        def inside(key: dict[str, str]) -> bool:
            position = _LIMITED_POSITION.fullmatch(key["gsi3sk"])
            return (
                position is not None
                and key["pk"] == alert_pk(position["alert_id"])
                and range_of(key) is not None
            )

        start_key = LIMITED_ALERT_LISTING.start_key(
            next_token,
            filters,
            expected={
                "pk": re.compile(f"ALERT#{_ALERT_ID.pattern}"),
                "sk": RULE_SK,
                "gsi3pk": re.compile("|".join((SENSOR_RULES, ROOM_RULES, STORE_RULES))),
                "gsi3sk": _LIMITED_POSITION,
            },
            check=inside,
        )
        start = None
        if start_key is not None:
            index = range_of({name: value["S"] for name, value in start_key.items()})
            assert index is not None  # noqa: S101 — `inside` accepted the position
            start = (index, start_key)
        queries = [
            {
                "TableName": self._table,
                "IndexName": LIMITED_INDEX,
                "KeyConditionExpression": "gsi3pk = :kind AND begins_with(gsi3sk, :prefix)"
                if allowed.prefix
                else "gsi3pk = :kind",
                "ExpressionAttributeValues": {
                    ":kind": {"S": allowed.partition},
                    **({":prefix": {"S": allowed.prefix}} if allowed.prefix else {}),
                },
            }
            for allowed in ranges
        ]
        items, last = LIMITED_ALERT_LISTING.ranges_page(self._client, queries, limit, start)
        return [dynamo.from_item(item) for item in items], LIMITED_ALERT_LISTING.token(last, filters)

    def rules_for(self, kind: str, target: dict[str, str]) -> list[Rule]:
        items: list[dict[str, Any]] = []
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": TARGET_INDEX,
            "KeyConditionExpression": "gsi2pk = :target",
            "ExpressionAttributeValues": {":target": {"S": target_key(kind, target)}},
        }
        while True:
            response = self._client.query(**query)
            items.extend(dynamo.from_item(item) for item in response["Items"])
            if "LastEvaluatedKey" not in response:
                break
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return [rule_of(item) for item in items if item.get("kind") == kind]

    def recent(self, alert_id: str, prefix: str, count: int = RECENT) -> list[dict[str, Any]]:
        response = self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": alert_pk(alert_id)}, ":prefix": {"S": prefix}},
            ScanIndexForward=False,
            Limit=count,
        )
        return [dynamo.from_item(item) for item in response["Items"]]

    # ------------------------------------------------------------------ transitions
    def record_transition(self, rule: Rule, transition: Transition, url: str, body: bytes) -> bool:
        """Move the rule, write the transition and its delivery: ONE transaction. False when the
        rule changed since it was read (another evaluation got there first) or was deleted."""
        pk = alert_pk(rule.alert_id)
        value = transition.value
        at = format_instant(transition.at)
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": {"pk": {"S": pk}, "sk": {"S": RULE_SK}},
                            "UpdateExpression": "SET #state = :state, version = :next, seq = :seq, "
                            "changed_at = :at, last_value = :value",
                            "ConditionExpression": "attribute_exists(pk) AND version = :version",
                            "ExpressionAttributeNames": {"#state": "state"},
                            "ExpressionAttributeValues": dynamo.to_item(
                                {
                                    ":state": transition.state,
                                    ":next": transition.version,
                                    ":seq": transition.seq,
                                    ":at": at,
                                    ":value": value,
                                    ":version": rule.version,
                                }
                            ),
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": dynamo.to_item(
                                {
                                    "pk": pk,
                                    "sk": transition_sk(transition.version),
                                    "state": transition.event,
                                    "value": value,
                                    "at": at,
                                    "seq": transition.seq,
                                    "transition_id": transition.transition_id,
                                }
                            ),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": dynamo.to_item(
                                {
                                    "pk": pk,
                                    "sk": delivery_sk(transition.version),
                                    "alert_id": rule.alert_id,
                                    "version": transition.version,
                                    "transition_id": transition.transition_id,
                                    "state": transition.event,
                                    "url": url,
                                    "body": body.decode("utf-8"),
                                    "status": "pending",
                                    "attempts": 0,
                                    "created_at": format_instant_now(self._clock),
                                }
                            ),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ]
            )
        except ClientError as error:
            codes = dynamo.cancellation_codes(error)
            if "ConditionalCheckFailed" in codes or dynamo.is_transaction_conflict(error):
                return False
            raise
        return True

    # ------------------------------------------------------------------ deliveries
    def delivery(self, alert_id: str, version: int) -> Delivery | None:
        item = self._get(alert_pk(alert_id), delivery_sk(version), consistent=True)
        if item is None:
            return None
        return Delivery(
            alert_id=alert_id,
            version=version,
            transition_id=item["transition_id"],
            url=item["url"],
            body=item["body"],
            status=item["status"],
            attempts=int(item.get("attempts", 0)),
            lease_until=int(item.get("lease_until", 0)),
        )

    def claim(self, delivery: Delivery, lease_seconds: int) -> bool:
        """Take the delivery for one attempt: only one worker at a time, never once delivered."""
        now = int(self._clock())
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": alert_pk(delivery.alert_id)}, "sk": {"S": delivery_sk(delivery.version)}},
                UpdateExpression="SET attempts = attempts + :one, lease_until = :until",
                ConditionExpression="#status IN (:pending, :retrying) AND attempts = :attempts "
                "AND (attribute_not_exists(lease_until) OR lease_until < :now)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=dynamo.to_item(
                    {
                        ":one": 1,
                        ":until": now + lease_seconds,
                        ":pending": "pending",
                        ":retrying": "retrying",
                        ":attempts": delivery.attempts,
                        ":now": now,
                    }
                ),
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def finish_attempt(
        self, delivery: Delivery, status: str, http_status: int | None, error: str | None
    ) -> None:
        values: dict[str, Any] = {":status": status, ":zero": 0}
        sets = ["#status = :status", "lease_until = :zero"]
        if http_status is not None:
            sets.append("http_status = :http")
            values[":http"] = http_status
        if error is not None:
            sets.append("last_error = :error")
            values[":error"] = error
        if status == "delivered":
            sets.append("delivered_at = :now")
            values[":now"] = format_instant_now(self._clock)
        self._client.update_item(
            TableName=self._table,
            Key={"pk": {"S": alert_pk(delivery.alert_id)}, "sk": {"S": delivery_sk(delivery.version)}},
            UpdateExpression="SET " + ", ".join(sets),
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=dynamo.to_item(values),
        )


def format_instant_now(clock: Callable[[], float]) -> str:
    from datetime import UTC, datetime

    return format_instant(datetime.fromtimestamp(clock(), UTC))


def as_number(value: Any) -> int | float | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _email_key(delivery: Delivery) -> dict[str, Any]:
    return {"pk": {"S": alert_pk(delivery.alert_id)}, "sk": {"S": delivery_sk(delivery.version)}}


class EmailClaims:
    """Mark a delivery as mailed before publishing it: a retried relay publishes it once."""

    def __init__(
        self, client: DynamoDBClient, table_name: str, clock: Callable[[], float] = time.time
    ) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock

    def claim(self, delivery: Delivery) -> bool:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_email_key(delivery),
                UpdateExpression="SET emailed_at = :now",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(emailed_at)",
                ExpressionAttributeValues={":now": {"S": format_instant_now(self._clock)}},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release(self, delivery: Delivery) -> None:
        """The publish failed: let the relay's retry try again."""
        self._client.update_item(
            TableName=self._table, Key=_email_key(delivery), UpdateExpression="REMOVE emailed_at"
        )
