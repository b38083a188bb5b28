"""The bounded reads of one report shard: everything the engine needs for the stores of a
set of buckets, and nothing older than it needs.

Per bucket: the registry (stores and their first poll day), hours, timezones, and the poll
blocks of each UTC day from `now − 7 d` to `now` — one query each (plus pages). The engine
also needs each store's latest poll *before* `now − 7 d`; for the few stores without one on
that first day, the poll-day index says on which earlier day it is, and only those day
partitions are read. Data read is proportional to the stores and the week, never to the
whole history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sitepulse.common import dynamo
from sitepulse.store_uptime.engine.business_hours import WeeklyInterval
from sitepulse.store_uptime.engine.uptime import poll_read_range
from sitepulse.store_uptime.storage import keys
from sitepulse.store_uptime.storage.poll_blocks import CorruptBlockError, unpack_block
from sitepulse.store_uptime.storage.writer import decode_hours, read_registry


class CorruptDataError(RuntimeError):
    """A stored item cannot be read: not transient, the report fails with this message."""


@dataclass
class BucketData:
    """Inputs of the engine for the stores of one bucket."""

    polls: dict[str, list[int]] = field(default_factory=dict)
    hours: dict[str, list[WeeklyInterval]] = field(default_factory=dict)
    timezones: dict[str, str] = field(default_factory=dict)
    registered: set[str] = field(default_factory=set)
    queries: int = 0
    bytes_read: int = 0

    def store_ids(self) -> list[str]:
        return sorted(self.registered | self.polls.keys())


class ShardReader:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def read_bucket(self, bucket: int, now_us: int) -> BucketData:
        since_us, _ = poll_read_range(now_us)
        data = BucketData()
        first_days, data.queries = read_registry(self._client, self._table, bucket)
        data.registered = set(first_days)
        for item in self._query(data, keys.hours_pk(bucket)):
            data.hours[item["sk"]["S"]] = decode_hours(item["iv"]["S"])
        for item in self._query(data, keys.timezone_pk(bucket)):
            data.timezones[item["sk"]["S"]] = item["tz"]["S"]
        first_day = keys.day_number(since_us)
        polls: defaultdict[str, list[int]] = defaultdict(list)
        for day in range(first_day, keys.day_number(now_us) + 1):
            self._read_day(data, bucket, day, polls, None)
        self._read_earlier_polls(data, bucket, first_day, since_us, first_days, polls)
        data.polls = dict(polls)
        return data

    def _read_earlier_polls(
        self,
        data: BucketData,
        bucket: int,
        first_day: int,
        since_us: int,
        first_days: dict[str, int],
        polls: defaultdict[str, list[int]],
    ) -> None:
        """Add the polls of the latest earlier day of each store with no poll in [first day, since)."""
        boundary = since_us * 2
        wanted = {
            store_id
            for store_id, day in first_days.items()
            if day < first_day and not any(p < boundary for p in polls.get(store_id, ()))
        }
        if not wanted:
            return
        days_needed: defaultdict[int, set[str]] = defaultdict(set)
        oldest = min(first_days[store_id] for store_id in wanted)
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :from AND :to",
            "ExpressionAttributeValues": {
                ":pk": {"S": keys.registry_pk(bucket)},
                ":from": {"S": keys.poll_day_sk(oldest)},
                ":to": {"S": keys.poll_day_sk(first_day - 1) + "~"},
            },
            "ScanIndexForward": False,
        }
        for response in dynamo.query_pages(self._client, query):
            data.queries += 1
            for item in response["Items"]:
                day = keys.day_of_text(item["sk"]["S"][2:12])
                found = wanted & set(item["stores"]["SS"])
                if found:
                    days_needed[day] |= found
                    wanted -= found
                if not wanted:
                    break
            if not wanted:
                break
        for day, stores in sorted(days_needed.items()):
            self._read_day(data, bucket, day, polls, stores)

    def _read_day(
        self,
        data: BucketData,
        bucket: int,
        day: int,
        polls: defaultdict[str, list[int]],
        only: set[str] | None,
    ) -> None:
        pk = keys.poll_block_pk(bucket, day)
        for item in self._query(data, pk):
            block = item["b"]["B"]
            data.bytes_read += len(block)
            try:
                for store_id, store_polls in unpack_block(block):
                    if only is None or store_id in only:
                        polls[store_id].extend(store_polls)
            except CorruptBlockError as exc:
                raise CorruptDataError(f"poll block {pk} / {item['sk']['S']} is unreadable: {exc}") from None

    def _query(self, data: BucketData, pk: str) -> Iterator[dict[str, Any]]:
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
        }
        for response in dynamo.query_pages(self._client, query):
            data.queries += 1
            yield from response["Items"]


def read_latest_poll_us(client: Any, table: str) -> int | None:
    response = client.get_item(TableName=table, Key=keys.LATEST_KEY, ConsistentRead=True)
    item = response.get("Item")
    return int(item["ts_us"]["N"]) if item else None


def count_registered_stores(client: Any, table: str, bucket: int) -> int:
    first_days, _ = read_registry(client, table, bucket)
    return len(first_days)
