"""What the evaluator reads: the stream records of the occupancy and temperature tables, turned
into observations of one target, and the room's readings a `temperature_outside` rule needs.

Only summary items matter (filtered in the template's FilterCriteria and again here): each write
updates its target's summary in the same transaction as the data, so the summary's NewImage is
the target right after that write, and its counter (`events`, `readings`) numbers the writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sitepulse.common import dynamo
from sitepulse.common.aws import DynamoDBClient
from sitepulse.common.timestamps import from_sortable
from sitepulse.occupancy.buckets import floor_at_zero
from sitepulse.occupancy.repository import SUMMARY
from sitepulse.store_uptime.storage.keys import store_bucket
from sitepulse.store_uptime.storage.reader import BucketData, ShardReader, read_latest_poll_us
from sitepulse.temperature.repository import reading_sk, room_pk


@dataclass(frozen=True)
class SensorChange:
    sensor: str
    seq: int  # the sensor's count of stored events
    inside: int
    at: datetime  # when the write happened


@dataclass(frozen=True)
class RoomChange:
    building: str
    room: str
    seq: int  # the room's count of stored readings
    latest_t: Decimal
    latest_at: datetime


@dataclass(frozen=True)
class StatusFileIngested:
    """A store status file is ingested (its ledger item became Done): store rules are due."""

    key: str


STATUS_FILES = "incoming/store_status/"


def change_of(record: dict[str, Any]) -> SensorChange | RoomChange | StatusFileIngested | None:
    """The target change a stream record describes; None for any other item or a REMOVE."""
    if record.get("eventName") not in ("INSERT", "MODIFY"):
        return None
    data = record.get("dynamodb") or {}
    keys = dynamo.from_item(data.get("Keys") or {})
    image = dynamo.from_item(data.get("NewImage") or {})
    pk, sk = str(keys.get("pk", "")), str(keys.get("sk", ""))
    if sk == SUMMARY and pk.startswith("SENSOR#") and "events" in image:
        return SensorChange(
            sensor=pk.removeprefix("SENSOR#"),
            seq=int(image["events"]),
            inside=floor_at_zero(int(image.get("in", 0)) - int(image.get("out", 0))),
            at=_written_at(data),
        )
    if pk.startswith(STATUS_FILES) and image.get("status") == "Done":
        return StatusFileIngested(pk)
    if pk.startswith("BLDG#") and sk.startswith("ROOM#") and "latest_at" in image:
        return RoomChange(
            building=pk.removeprefix("BLDG#"),
            room=sk.removeprefix("ROOM#"),
            seq=int(image.get("readings", 0)),
            latest_t=Decimal(image["latest_t"]),
            latest_at=from_sortable(str(image["latest_at"])),
        )
    return None


def _written_at(data: dict[str, Any]) -> datetime:
    created = data.get("ApproximateCreationDateTime")
    if isinstance(created, int | float | Decimal):
        return datetime.fromtimestamp(float(created), UTC)
    return datetime.now(UTC)


class RoomReadings:
    """The few reads behind one `temperature_outside` evaluation (bounded by the rule's `for`)."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def window(
        self, building: str, room: str, latest: datetime, span: timedelta
    ) -> tuple[list[Decimal], Decimal | None]:
        """Readings in (latest − span, latest], and the last one at or before latest − span."""
        pk = room_pk(building, room)
        start = latest - span
        values = dynamo.to_item({":pk": pk, ":from": reading_sk(start), ":to": reading_sk(latest)})
        in_window: list[Decimal] = []
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :from AND :to",
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
        }
        while True:
            response = self._client.query(**query)
            for item in response["Items"]:
                if item["sk"]["S"] != reading_sk(start):  # the window is open at its start
                    in_window.append(Decimal(item["t"]["N"]))
            if "LastEvaluatedKey" not in response:
                break
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        anchor = self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :low AND :at",
            ExpressionAttributeValues=dynamo.to_item({":pk": pk, ":low": "T#", ":at": reading_sk(start)}),
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )["Items"]
        return in_window, (Decimal(anchor[0]["t"]["N"]) if anchor else None)


class StoreData:
    """What `store_down` rules need: the latest poll ingested (the reports' `now`) and, per bucket
    of stores with a rule, the week of polls, hours and timezones the reports read."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def now_us(self) -> int | None:
        return read_latest_poll_us(self._client, self._table)

    def bucket_of(self, store_id: str, now_us: int, cache: dict[int, BucketData]) -> BucketData:
        bucket = store_bucket(store_id)
        if bucket not in cache:
            cache[bucket] = ShardReader(self._client, self._table).read_bucket(bucket, now_us)
        return cache[bucket]
