"""DynamoDB access for temperatures. Table layout (pk / sk):

| item         | pk                      | sk                        | attributes                          |
|--------------|-------------------------|---------------------------|-------------------------------------|
| reading      | ROOM#<building>#<room>  | T#<sortable recorded_at>  | t                                   |
| hour bucket  | ROOM#<building>#<room>  | HOUR#<YYYY-MM-DDTHH> (UTC) | s (exact Σ t), n (count)           |
| room summary | BLDG#<building>         | ROOM#<room>               | room, readings, latest_t, latest_at |
| building     | BLDG#<building>         | BUILDING                  | gsi1pk = BUILDING, gsi1sk = building|

Ids never contain `#`, so the keys are unambiguous. A write is one
transaction over the three items; the reading's Put is conditional on its key
being new, so the bucket and the summary only ever count new readings.
The summary partition of a building lists its rooms in order (one Query per page).
The building marker (SET in every write: idempotent, and an unchanged key writes nothing
to the index) makes the sparse, keys-only `gsi1` list buildings in order.
Every key prefix has one meaning across all tables (docs/architecture.md, "Key prefixes"); the write is
`common.idempotent.write_once`.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sitepulse.common import dynamo, idempotent
from sitepulse.common.aws import DynamoDBClient
from sitepulse.common.idempotent import WriteOutcome
from sitepulse.common.pagination import Listing, named_page
from sitepulse.common.timestamps import from_sortable, sortable_instant
from sitepulse.temperature.models import ID_PATTERN
from sitepulse.temperature.windows import Aggregate, Plan, bucket_name, exact_sum

_PUT, _BUCKET, _SUMMARY = range(3)  # positions in the write transaction
ROOM_LISTING = Listing("rooms", {"pk": "S", "sk": "S"})
_ROOM_SK = re.compile("ROOM#" + ID_PATTERN.removeprefix("^").removesuffix("$"))
BUILDING_LISTING = Listing("buildings", {"pk": "S", "sk": "S", "gsi1pk": "S", "gsi1sk": "S"})
_BUILDING_NAME = re.compile(ID_PATTERN.removeprefix("^").removesuffix("$"))
BUILDING_INDEX = "gsi1"
BUILDING_SK = "BUILDING"
_BUILDING_KIND = "BUILDING"
_BUCKET_PREFIX = "HOUR#"


@dataclass(frozen=True)
class StoredReading:
    building: str
    room: str
    recorded_at: datetime
    temperature: Decimal


@dataclass(frozen=True)
class StoredRoom:
    room: str
    readings: int
    latest_temperature: Decimal
    latest_at: datetime


def room_pk(building: str, room: str) -> str:
    return f"ROOM#{building}#{room}"


def building_pk(building: str) -> str:
    return f"BLDG#{building}"


def reading_sk(moment: datetime) -> str:
    return f"T#{sortable_instant(moment)}"


def bucket_sk(moment: datetime) -> str:
    return f"{_BUCKET_PREFIX}{bucket_name(moment)}"


def summary_sk(room: str) -> str:
    return f"ROOM#{room}"


class TemperatureRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    # ------------------------------------------------------------------ writes
    def record(self, reading: StoredReading) -> WriteOutcome[StoredReading]:
        """Store the reading, add it to its hour bucket and to the room summary: ONE transaction.

        The summary's "latest" only moves forward: its update is conditional on
        the reading being newer. A late (out-of-order) reading fails that
        condition, and only then is a second transaction sent that counts it
        without touching "latest". Replay, conflict and contention: `common.idempotent`.
        """
        newest = [True]

        def late_reading(codes: list[str]) -> idempotent.Retry | None:
            if newest[0] and codes[_SUMMARY : _SUMMARY + 1] == ["ConditionalCheckFailed"]:
                newest[0] = False
                return idempotent.Retry.NOW
            return None

        return idempotent.write_once(
            self._client,
            reading,
            lambda: self._record_items(reading, newest[0]),
            decode=lambda item: replace(reading, temperature=Decimal(item["t"])),
            read_stored=lambda: self._get(reading),
            on_cancelled=late_reading,
        )

    def _record_items(self, reading: StoredReading, newest: bool) -> list[dict[str, Any]]:
        pk = room_pk(reading.building, reading.room)
        at = sortable_instant(reading.recorded_at)
        summary: dict[str, Any] = {
            "TableName": self._table,
            "Key": dynamo.to_item({"pk": building_pk(reading.building), "sk": summary_sk(reading.room)}),
            "UpdateExpression": "ADD readings :one SET room = :room",
            "ExpressionAttributeValues": dynamo.to_item({":one": 1, ":room": reading.room}),
        }
        if newest:
            summary["UpdateExpression"] += ", latest_t = :t, latest_at = :at"
            summary["ConditionExpression"] = "attribute_not_exists(latest_at) OR latest_at < :at"
            summary["ExpressionAttributeValues"].update(
                dynamo.to_item({":t": reading.temperature, ":at": at})
            )
        put = {
            "TableName": self._table,
            "Item": dynamo.to_item({"pk": pk, "sk": f"T#{at}", "t": reading.temperature}),
            "ConditionExpression": "attribute_not_exists(pk)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        bucket = {
            "TableName": self._table,
            "Key": dynamo.to_item({"pk": pk, "sk": bucket_sk(reading.recorded_at)}),
            "UpdateExpression": "ADD s :t, n :one",
            "ExpressionAttributeValues": dynamo.to_item({":t": reading.temperature, ":one": 1}),
        }
        # Order matters: _PUT, _BUCKET, _SUMMARY index the cancellation reasons.
        return [
            {"Put": put},
            {"Update": bucket},
            {"Update": summary},
            {"Update": self._building(reading.building)},
        ]

    def _building(self, building: str) -> dict[str, Any]:
        return {
            "TableName": self._table,
            "Key": dynamo.to_item({"pk": building_pk(building), "sk": BUILDING_SK}),
            "UpdateExpression": "SET gsi1pk = :kind, gsi1sk = :building",
            "ExpressionAttributeValues": dynamo.to_item({":kind": _BUILDING_KIND, ":building": building}),
        }

    def _get(self, reading: StoredReading) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table,
            Key=dynamo.to_item(
                {"pk": room_pk(reading.building, reading.room), "sk": reading_sk(reading.recorded_at)}
            ),
            ConsistentRead=True,
        )
        return dynamo.from_item(response["Item"]) if "Item" in response else None

    def bulk_load(self, building: str, room: str, readings: Iterable[tuple[datetime, Decimal]]) -> int:
        """Seed an EMPTY room fast (benchmarks, tests): BatchWriteItem of exactly the items the write
        path would have produced. Not for live rooms: it overwrites buckets and the summary."""
        pk = room_pk(building, room)
        unique = dict(readings)  # one reading per instant, like the idempotent write path
        buckets: dict[str, Aggregate] = defaultdict(Aggregate)
        items = []
        for moment, temperature in unique.items():
            items.append({"pk": pk, "sk": reading_sk(moment), "t": temperature})
            buckets[bucket_sk(moment)] += Aggregate(temperature, 1)
        items += [{"pk": pk, "sk": sk, "s": agg.total, "n": agg.count} for sk, agg in buckets.items()]
        if unique:
            items.append(
                {"pk": building_pk(building), "sk": BUILDING_SK, "gsi1pk": _BUILDING_KIND, "gsi1sk": building}
            )
            latest = max(unique)
            items.append(
                {
                    "pk": building_pk(building),
                    "sk": summary_sk(room),
                    "room": room,
                    "readings": len(unique),
                    "latest_t": unique[latest],
                    "latest_at": sortable_instant(latest),
                }
            )
        for start in range(0, len(items), 25):
            request = {
                self._table: [{"PutRequest": {"Item": dynamo.to_item(i)}} for i in items[start : start + 25]]
            }
            dynamo.batch_write(self._client, request)
        return len(unique)

    # ------------------------------------------------------------------ reads
    def aggregate(self, building: str, room: str, plan: Plan) -> Aggregate:
        """Σ and count over the plan's buckets and raw spans: `plan.requests` Queries (one page each
        unless a span holds more than 1 MB of readings)."""
        pk = room_pk(building, room)
        total = Aggregate()
        if plan.hours is not None:
            buckets = list(self._query(pk, bucket_sk(plan.hours.first), bucket_sk(plan.hours.last)))
            total += Aggregate(
                exact_sum(Decimal(item["s"]["N"]) for item in buckets),
                sum(int(item["n"]["N"]) for item in buckets),
            )
        for span in plan.raw:
            total += _sum_readings(self._query(pk, reading_sk(span.first), reading_sk(span.last)))
        return total

    def hour_buckets(
        self, building: str, room: str, first_hour: datetime, last_hour: datetime
    ) -> dict[str, Aggregate]:
        """The hour buckets from `first_hour` to `last_hour` (inclusive) by bucket name: one Query,
        paged every 1 MB (a year of buckets is ≤ 8,784 items of ≤ 330 B: at most 3 pages)."""
        buckets = self._query(room_pk(building, room), bucket_sk(first_hour), bucket_sk(last_hour))
        return {
            item["sk"]["S"].removeprefix(_BUCKET_PREFIX): Aggregate(
                Decimal(item["s"]["N"]), int(item["n"]["N"])
            )
            for item in buckets
        }

    def list_buildings(self, limit: int, next_token: str | None) -> tuple[list[str], str | None]:
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": BUILDING_INDEX,
            "KeyConditionExpression": "gsi1pk = :kind",
            "ExpressionAttributeValues": dynamo.to_item({":kind": _BUILDING_KIND}),
        }
        # A position is a building marker: pk BLDG#<name>, the same name in gsi1sk.
        start = BUILDING_LISTING.start_key(
            next_token,
            None,
            expected={
                "pk": re.compile("BLDG#" + _BUILDING_NAME.pattern),
                "sk": BUILDING_SK,
                "gsi1pk": _BUILDING_KIND,
                "gsi1sk": _BUILDING_NAME,
            },
            check=lambda values: values["pk"] == building_pk(values["gsi1sk"]),
        )
        items, last_key = BUILDING_LISTING.query_page(self._client, query, limit, start)
        return [item["gsi1sk"]["S"] for item in items], BUILDING_LISTING.token(last_key, None)

    def list_allowed_buildings(
        self, allowed: list[str], limit: int, next_token: str | None
    ) -> tuple[list[str], str | None]:
        """A building-limited key's listing: reads only its allowed buildings' markers (one
        BatchGetItem of at most 50 keys), never the index of every building."""
        keys = [dynamo.to_item({"pk": building_pk(name), "sk": BUILDING_SK}) for name in sorted(set(allowed))]
        items = dynamo.get_keys(self._client, self._table, keys, projection="gsi1sk")
        existing = [item["gsi1sk"]["S"] for item in items if "gsi1sk" in item]
        return named_page(BUILDING_LISTING.name, allowed, existing, limit, next_token)

    def _query(self, pk: str, first_sk: str, last_sk: str) -> Iterable[dict[str, Any]]:
        # Strongly consistent: a client that just posted a reading expects the average to include it.
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
            "ExpressionAttributeValues": dynamo.to_item({":pk": pk, ":first": first_sk, ":last": last_sk}),
            "ConsistentRead": True,
        }
        return dynamo.query_items(self._client, query)

    def room_exists(self, building: str, room: str) -> bool:
        response = self._client.get_item(
            TableName=self._table,
            Key=dynamo.to_item({"pk": building_pk(building), "sk": summary_sk(room)}),
            ProjectionExpression="pk",
            ConsistentRead=True,  # a room created a moment ago must not answer 404
        )
        return "Item" in response

    def list_rooms(
        self, building: str, limit: int, next_token: str | None
    ) -> tuple[list[StoredRoom], str | None]:
        pk = building_pk(building)
        query: dict[str, Any] = {
            "TableName": self._table,
            # The building marker shares the partition: rooms only.
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :rooms)",
            "ExpressionAttributeValues": dynamo.to_item({":pk": pk, ":rooms": "ROOM#"}),
        }
        # A position is a room summary of this building's partition; the building is the filter.
        start = ROOM_LISTING.start_key(
            next_token, {"building": building}, expected={"pk": pk, "sk": _ROOM_SK}
        )
        page, last_key = ROOM_LISTING.query_page(self._client, query, limit, start)
        items = [dynamo.from_item(item) for item in page]
        rooms = [
            StoredRoom(
                room=item["room"],
                readings=int(item["readings"]),
                latest_temperature=Decimal(item["latest_t"]),
                latest_at=from_sortable(item["latest_at"]),
            )
            for item in items
        ]
        return rooms, ROOM_LISTING.token(last_key, {"building": building})


def _sum_readings(items: Iterable[dict[str, Any]]) -> Aggregate:
    values = [Decimal(item["t"]["N"]) for item in items]
    return Aggregate(exact_sum(values), len(values))
