"""DynamoDB access for occupancy. Table layout (pk / sk):

| item            | pk                           | sk                      | attributes                    |
|-----------------|------------------------------|-------------------------|-------------------------------|
| event           | SENSOR#<sensor>#<YYYY-MM-DD> | IO#<sortable ts>        | in, out                       |
| sensor summary  | SENSOR#<sensor>              | SUMMARY                 | in, out, events, y<Y>, m<Y_M> |
| month of days   | SENSOR#<sensor>              | MONTH#<YYYY-MM>         | d<DD>                         |
| day of hours    | SENSOR#<sensor>              | DAY#<YYYY-MM-DD>        | h<HH>                         |
| hour of minutes | SENSOR#<sensor>              | MINUTES#<YYYY-MM-DDTHH> | n<MM>                         |

`gsi1` (gsi1pk = "SENSOR", gsi1sk = sensor, keys only) lists sensors in order;
only summary items carry its keys. Raw events are partitioned per sensor and UTC
day, so no item collection grows without bound and the one raw-event Query of an
instant lookup reads within a single day's partition. Every key prefix has one meaning
across all tables (docs/architecture.md, "Key prefixes"). The write is `common.idempotent.write_once`.
"""

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sitepulse.common import dynamo, idempotent
from sitepulse.common.aws import DynamoDBClient
from sitepulse.common.idempotent import WriteOutcome
from sitepulse.common.pagination import Listing, disjoint_prefixes
from sitepulse.common.timestamps import sortable_instant
from sitepulse.occupancy.buckets import buckets_of
from sitepulse.occupancy.models import SENSOR_PATTERN

SUMMARY = "SUMMARY"
SENSOR_INDEX = "gsi1"
SENSOR_LISTING = Listing("sensors", {"pk": "S", "sk": "S", "gsi1pk": "S", "gsi1sk": "S"})
_SENSOR_NAME = re.compile(SENSOR_PATTERN.removeprefix("^").removesuffix("$"))
_BATCH_GET_LIMIT = 100


@dataclass(frozen=True)
class StoredEvent:
    sensor: str
    ts: datetime
    in_count: int
    out_count: int


@dataclass(frozen=True)
class InstantInputs:
    """Everything needed to compute the net count at an instant."""

    summary: dict[str, Any]
    month_item: dict[str, Any]
    day_item: dict[str, Any]
    hour_events: list[tuple[int, int]]


def _sensor_pk(sensor: str) -> str:
    return f"SENSOR#{sensor}"


def _events_pk(sensor: str, ts: datetime) -> str:
    return f"SENSOR#{sensor}#{ts.astimezone(UTC):%Y-%m-%d}"


def _event_sk(ts: datetime) -> str:
    return f"IO#{sortable_instant(ts)}"


class OccupancyRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def record(self, event: StoredEvent) -> WriteOutcome[StoredEvent]:
        """Store the event and fold it into every aggregate in ONE transaction.

        The event Put is conditional on its key being new, so a retried request changes
        nothing (replay) and another count under the same key is a `KeyTakenError`;
        concurrent transactions on the same sensor are retried (`common.idempotent`).
        """
        return idempotent.write_once(
            self._client,
            event,
            lambda: self._record_items(event),
            decode=lambda item: replace(event, in_count=int(item["in"]), out_count=int(item["out"])),
            read_stored=lambda: self._get_event_item(event),
        )

    def _record_items(self, event: StoredEvent) -> list[dict[str, Any]]:
        pk = _sensor_pk(event.sensor)
        names = buckets_of(event.ts)
        net = event.in_count - event.out_count
        key = {"pk": {"S": pk}}
        return [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": dynamo.to_item(
                        {
                            "pk": _events_pk(event.sensor, event.ts),
                            "sk": _event_sk(event.ts),
                            "in": event.in_count,
                            "out": event.out_count,
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {
                "Update": {
                    "TableName": self._table,
                    "Key": {**key, "sk": {"S": SUMMARY}},
                    "UpdateExpression": "ADD #in :in, #out :out, #events :one, #y :net, #m :net "
                    "SET gsi1pk = :index, gsi1sk = :sensor",
                    "ExpressionAttributeNames": {
                        "#in": "in",
                        "#out": "out",
                        "#events": "events",
                        "#y": names.year_attr,
                        "#m": names.month_attr,
                    },
                    "ExpressionAttributeValues": dynamo.to_item(
                        {
                            ":in": event.in_count,
                            ":out": event.out_count,
                            ":one": 1,
                            ":net": net,
                            ":index": "SENSOR",
                            ":sensor": event.sensor,
                        }
                    ),
                }
            },
            self._add_to(pk, names.month_key, names.day_attr, net),
            self._add_to(pk, names.day_key, names.hour_attr, net),
            self._add_to(pk, names.hour_key, names.minute_attr, net),
        ]

    def _add_to(self, pk: str, sk: str, attribute: str, net: int) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._table,
                "Key": {"pk": {"S": pk}, "sk": {"S": sk}},
                "UpdateExpression": "ADD #a :net",
                "ExpressionAttributeNames": {"#a": attribute},
                "ExpressionAttributeValues": {":net": {"N": str(net)}},
            }
        }

    def _get_event_item(self, event: StoredEvent) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table,
            Key={"pk": {"S": _events_pk(event.sensor, event.ts)}, "sk": {"S": _event_sk(event.ts)}},
            ConsistentRead=True,
        )
        return dynamo.from_item(response["Item"]) if "Item" in response else None

    def summary(self, sensor: str) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table,
            Key={"pk": {"S": _sensor_pk(sensor)}, "sk": {"S": SUMMARY}},
        )
        return dynamo.from_item(response["Item"]) if "Item" in response else None

    def instant_inputs(self, sensor: str, moment: datetime, summary: dict[str, Any]) -> InstantInputs:
        """The two sub-day aggregates (one BatchGetItem) and the raw events of the hour (one Query)."""
        names = buckets_of(moment)
        pk = _sensor_pk(sensor)
        keys = [{"pk": {"S": pk}, "sk": {"S": sk}} for sk in (names.month_key, names.day_key)]
        found = self._batch_get(keys)
        return InstantInputs(
            summary=summary,
            month_item=found.get(names.month_key, {}),
            day_item=found.get(names.day_key, {}),
            hour_events=self._events_between(_events_pk(sensor, moment), names.hour_start, moment),
        )

    def series_inputs(
        self, sensor: str, sort_keys: list[str], instants: list[datetime]
    ) -> tuple[dict[str, dict[str, Any]], dict[datetime, int]]:
        """Month / day / hour aggregate items by sort key (missing ones are absent), and the net
        (in − out) of the event at exactly each instant, if there is one: (sensor, ts) is the
        events' idempotency key, so an instant holds at most one. ⌈(unique sort keys + instants)
        / 100⌉ BatchGetItem requests (DynamoDB's limit per request)."""
        pk = _sensor_pk(sensor)
        keys = [{"pk": {"S": pk}, "sk": {"S": sk}} for sk in sorted(set(sort_keys))]
        event_instants = {_event_sk(moment): moment for moment in instants}
        keys += [
            {"pk": {"S": _events_pk(sensor, moment)}, "sk": {"S": sk}}
            for sk, moment in event_instants.items()
        ]
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), _BATCH_GET_LIMIT):
            found |= self._batch_get(keys[start : start + _BATCH_GET_LIMIT])
        exact: dict[datetime, int] = {}
        for sk, moment in event_instants.items():
            item = found.pop(sk, None)  # event sort keys never collide with aggregate ones
            if item is not None:
                exact[moment] = int(item["in"]) - int(item["out"])
        return found, exact

    def _batch_get(self, keys: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for item in dynamo.batch_get(self._client, {self._table: {"Keys": keys}})[self._table]:
            values = dynamo.from_item(item)
            found[values["sk"]] = values
        return found

    def _events_between(self, pk: str, start: datetime, end: datetime) -> list[tuple[int, int]]:
        events: list[tuple[int, int]] = []
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :from AND :to",
            "ExpressionAttributeValues": dynamo.to_item(
                {":pk": pk, ":from": _event_sk(start), ":to": _event_sk(end)}
            ),
            "ProjectionExpression": "#in, #out",
            "ExpressionAttributeNames": {"#in": "in", "#out": "out"},
        }
        events.extend(
            (int(i["in"]["N"]), int(i["out"]["N"])) for i in dynamo.query_items(self._client, query)
        )
        return events

    def list_sensors(
        self, limit: int, next_token: str | None, prefixes: list[str] | None = None
    ) -> tuple[list[str], str | None]:
        """Sensors in order; with `prefixes` (an API key's limits) only those matching one."""
        if prefixes:
            return self._list_sensors_with_prefixes(limit, next_token, prefixes)
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": SENSOR_INDEX,
            "KeyConditionExpression": "gsi1pk = :index",
            "ExpressionAttributeValues": {":index": {"S": "SENSOR"}},
        }
        start = _sensor_start(next_token, None)
        items, last_key = SENSOR_LISTING.query_page(self._client, query, limit, start)
        return [item["gsi1sk"]["S"] for item in items], SENSOR_LISTING.token(last_key, None)

    def _list_sensors_with_prefixes(
        self, limit: int, next_token: str | None, prefixes: list[str]
    ) -> tuple[list[str], str | None]:
        """One `begins_with` range per prefix, in order, resuming after the token's sensor.

        Prefixes are made disjoint first (`ab` covers `abc`), so their ranges follow each other
        in index order and a page is the next `limit` matching sensors, whatever the prefixes.
        """
        disjoint = disjoint_prefixes(prefixes)
        filters = {"prefixes": disjoint}
        start = _sensor_start(next_token, filters)
        position = None
        if start is not None:
            after = start["gsi1sk"]["S"]
            position = (next(i for i, prefix in enumerate(disjoint) if after.startswith(prefix)), start)
        ranges = [
            {
                "TableName": self._table,
                "IndexName": SENSOR_INDEX,
                "KeyConditionExpression": "gsi1pk = :index AND begins_with(gsi1sk, :prefix)",
                "ExpressionAttributeValues": {":index": {"S": "SENSOR"}, ":prefix": {"S": prefix}},
            }
            for prefix in disjoint
        ]
        items, last_key = SENSOR_LISTING.ranges_page(self._client, ranges, limit, position)
        return [item["gsi1sk"]["S"] for item in items], SENSOR_LISTING.token(last_key, filters)


def _sensor_start(next_token: str | None, filters: dict[str, Any] | None) -> dict[str, Any] | None:
    """A position is a sensor summary: pk SENSOR#<sensor>, sk SUMMARY, in the one SENSOR partition
    (and, for a sensor-limited key, a sensor under one of its prefixes)."""
    prefixes: list[str] = list((filters or {}).get("prefixes") or [])
    return SENSOR_LISTING.start_key(
        next_token,
        filters,
        expected={
            "pk": re.compile(f"SENSOR#{_SENSOR_NAME.pattern}"),
            "sk": SUMMARY,
            "gsi1pk": "SENSOR",
            "gsi1sk": _SENSOR_NAME,
        },
        check=lambda key: (
            key["pk"] == _sensor_pk(key["gsi1sk"])
            and (not prefixes or any(key["gsi1sk"].startswith(prefix) for prefix in prefixes))
        ),
    )
