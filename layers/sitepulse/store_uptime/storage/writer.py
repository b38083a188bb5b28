"""What ingestion writes to the stores table. Every write is idempotent by construction:

* poll blocks, poll-day index entries and registry entries are blind puts of items fully
  determined by their key (re-written, they are byte-identical);
* the latest-poll instant only moves forward (conditional update, a max);
* hours and timezones are one item per store, replaced whole (a store never has half a week).

So a segment that is written again after a crash leaves exactly the state of one write.
Caches remember what is known to be stored (first days and the latest poll only move one
way), so repeated files skip writes that would change nothing.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from sitepulse.common import dynamo
from sitepulse.store_uptime.engine.business_hours import WeeklyInterval
from sitepulse.store_uptime.engine.timestamps import US_PER_DAY, format_timestamp_us
from sitepulse.store_uptime.storage import keys
from sitepulse.store_uptime.storage.batch_writer import BatchWriter
from sitepulse.store_uptime.storage.poll_blocks import pack_blocks


@dataclass
class WriteCounts:
    """DynamoDB requests and items of one write, for logs and benchmarks."""

    batch_requests: int = 0
    update_requests: int = 0
    query_requests: int = 0
    items: int = 0
    item_bytes: int = 0

    def add(self, other: WriteCounts) -> None:
        self.batch_requests += other.batch_requests
        self.update_requests += other.update_requests
        self.query_requests += other.query_requests
        self.items += other.items
        self.item_bytes += other.item_bytes


def encode_hours(intervals: Iterable[WeeklyInterval]) -> str:
    """`day,start_s,end_s` triples joined by `;`, sorted (a store's whole week in one attribute)."""
    return ";".join(f"{day},{start},{end}" for day, start, end in sorted(set(intervals)))


def decode_hours(text: str) -> list[WeeklyInterval]:
    if not text:
        return []
    return [WeeklyInterval(*map(int, triple.split(","))) for triple in text.split(";")]


class StoreDataWriter:
    def __init__(self, client: Any, table: str, *, workers: int = 4) -> None:
        self._client = client
        self._table = table
        self._batch = BatchWriter(client, table, workers=workers)
        self._lock = threading.Lock()
        self._first_days: dict[int, dict[str, int]] = {}
        self._latest_us: int | None = None

    # ------------------------------------------------------------------ polls
    def store_polls(
        self, source: str, chunk: int, polls_by_store: Mapping[str, Sequence[int]]
    ) -> WriteCounts:
        """Write one chunk (segment) of a status file: blocks, then indexes, then the latest poll.

        Indexes come after the blocks they describe, and the latest poll last, so a report
        never picks a `now` whose polls are not readable yet.
        """
        counts = WriteCounts()
        grouped, first_days, latest = _group_by_bucket_day(polls_by_store)
        items = []
        for (bucket, day), stores in sorted(grouped.items()):
            for part, block in enumerate(pack_blocks(stores)):
                items.append(
                    {
                        "pk": {"S": keys.poll_block_pk(bucket, day)},
                        "sk": {"S": keys.poll_block_sk(source, chunk, part)},
                        "b": {"B": block},
                    }
                )
        counts.items += len(items)
        counts.item_bytes += sum(len(item["b"]["B"]) for item in items)
        counts.batch_requests += self._batch.put_all(items)
        index = [
            {
                "pk": {"S": keys.registry_pk(bucket)},
                "sk": {"S": keys.poll_day_sk(day, source, chunk)},
                "stores": {"SS": sorted(stores)},
            }
            for (bucket, day), stores in sorted(grouped.items())
        ]
        counts.items += len(index)
        counts.batch_requests += self._batch.put_all(index)
        counts.add(self._register_stores(first_days))
        if latest is not None:
            counts.update_requests += self.raise_latest_poll(latest)
        return counts

    def _register_stores(self, first_days: Mapping[str, int]) -> WriteCounts:
        counts = WriteCounts()
        by_bucket: defaultdict[int, dict[str, int]] = defaultdict(dict)
        for store_id, day in first_days.items():
            by_bucket[keys.store_bucket(store_id)][store_id] = day
        items = []
        for bucket, stores in sorted(by_bucket.items()):
            known, queries = self._known_first_days(bucket)
            counts.query_requests += queries
            for store_id, day in sorted(stores.items()):
                if known.get(store_id, day + 1) > day:
                    # A new (earlier) first day is one more key: readers take the minimum, so
                    # concurrent writers never need a condition and never lose the earliest.
                    items.append(
                        {"pk": {"S": keys.registry_pk(bucket)}, "sk": {"S": keys.registry_sk(store_id, day)}}
                    )
        counts.items += len(items)
        counts.batch_requests += self._batch.put_all(items)
        with self._lock:
            for bucket, stores in by_bucket.items():
                known = self._first_days[bucket]
                for store_id, day in stores.items():
                    if known.get(store_id, day + 1) > day:
                        known[store_id] = day
        return counts

    def _known_first_days(self, bucket: int) -> tuple[dict[str, int], int]:
        with self._lock:
            if bucket in self._first_days:
                return self._first_days[bucket], 0
        first_days, queries = read_registry(self._client, self._table, bucket)
        with self._lock:
            return self._first_days.setdefault(bucket, first_days), queries

    def raise_latest_poll(self, epoch_us: int) -> int:
        """Move the latest-poll instant forward to `epoch_us`; returns requests sent.

        A conditional write, but no idempotent create (`common.idempotent.write_once`): the
        item holds a running maximum that every ingestion moves forward, so a refused condition
        means a later instant is already stored, which is the outcome wanted, not a conflict."""
        with self._lock:
            if self._latest_us is not None and self._latest_us >= epoch_us:
                return 0
        try:
            self._client.update_item(
                TableName=self._table,
                Key=keys.LATEST_KEY,
                UpdateExpression="SET ts_us = :ts_us, ts = :ts",
                ConditionExpression="attribute_not_exists(ts_us) OR ts_us < :ts_us",
                ExpressionAttributeValues={
                    ":ts_us": {"N": str(epoch_us)},
                    ":ts": {"S": format_timestamp_us(epoch_us)},
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        with self._lock:
            self._latest_us = max(self._latest_us or epoch_us, epoch_us)
        return 1

    # ------------------------------------------------------------------ hours and timezones
    def replace_hours(
        self, source: str, hours_by_store: Mapping[str, Iterable[WeeklyInterval]]
    ) -> WriteCounts:
        items = [
            {
                "pk": {"S": keys.hours_pk(keys.store_bucket(store_id))},
                "sk": {"S": store_id},
                "iv": {"S": encode_hours(intervals)},
                "src": {"S": source},
            }
            for store_id, intervals in sorted(hours_by_store.items())
        ]
        return WriteCounts(batch_requests=self._batch.put_all(items), items=len(items))

    def upsert_timezones(self, source: str, timezone_by_store: Mapping[str, str]) -> WriteCounts:
        items = [
            {
                "pk": {"S": keys.timezone_pk(keys.store_bucket(store_id))},
                "sk": {"S": store_id},
                "tz": {"S": timezone},
                "src": {"S": source},
            }
            for store_id, timezone in sorted(timezone_by_store.items())
        ]
        return WriteCounts(batch_requests=self._batch.put_all(items), items=len(items))


def _group_by_bucket_day(
    polls_by_store: Mapping[str, Sequence[int]],
) -> tuple[dict[tuple[int, int], dict[str, list[int]]], dict[str, int], int | None]:
    """Polls per (bucket, UTC day) per store, each store's first day, and the latest instant."""
    grouped: defaultdict[tuple[int, int], dict[str, list[int]]] = defaultdict(dict)
    first_days: dict[str, int] = {}
    latest: int | None = None
    packed_day = 2 * US_PER_DAY  # packed polls are epoch_us * 2 + status
    for store_id, polls in polls_by_store.items():
        if not polls:
            continue
        ordered = sorted(polls)
        bucket = keys.store_bucket(store_id)
        first = ordered[0] // packed_day
        last = ordered[-1] // packed_day
        first_days[store_id] = first
        newest = ordered[-1] >> 1
        latest = newest if latest is None or newest > latest else latest
        if first == last:
            grouped[(bucket, first)][store_id] = ordered
            continue
        start = 0
        for day in range(first, last + 1):
            end = bisect_left(ordered, (day + 1) * packed_day, start)
            if end > start:
                grouped[(bucket, day)][store_id] = ordered[start:end]
            start = end
    return dict(grouped), first_days, latest


def read_registry(client: Any, table: str, bucket: int) -> tuple[dict[str, int], int]:
    """{store: first poll day} of one bucket (the minimum over its registry keys), and queries sent."""
    first_days: dict[str, int] = {}
    query: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
        "ExpressionAttributeValues": {":pk": {"S": keys.registry_pk(bucket)}, ":prefix": {"S": "S#"}},
        "ProjectionExpression": "sk",
    }
    queries = 0
    for response in dynamo.query_pages(client, query):
        queries += 1
        for item in response["Items"]:
            store_id, day = keys.parse_registry_sk(item["sk"]["S"])
            if first_days.get(store_id, day + 1) > day:
                first_days[store_id] = day
    return first_days, queries
