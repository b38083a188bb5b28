"""Layout of the stores table (STORES_TABLE), pk / sk:

| item            | pk                    | sk                                  | attributes                 |
|-----------------|-----------------------|-------------------------------------|----------------------------|
| poll block      | P#<bb>#<YYYY-MM-DD>   | <object id>#<chunk:05d>#<part:03d>  | b (packed polls)           |
| store registry  | R#<bb>                | S#<store_id>#<first poll day>       | -                          |
| poll-day index  | R#<bb>                | D#<YYYY-MM-DD>#<object id>#<chunk>  | stores (SS)                |
| business hours  | BH#<bb>               | <store_id>                          | iv, src                    |
| timezone        | Z#<bb>                | <store_id>                          | tz, src                    |
| latest poll     | LATEST                | POLL                                | ts_us, ts                  |

Every key prefix has one meaning across all tables (docs/architecture.md, "Key prefixes").

`bb` is the store's bucket: crc32(store_id) mod 64. Every item of one store lives in its
bucket's partitions, so a report shard (a set of buckets) reads its stores' data with one
query per (bucket, UTC day) instead of one per store, and the writes of an hourly file
pack all polls of a bucket and day into one block item.

Items are keyed by what produced them (object id = hash of S3 key + ETag, see
`sitepulse.ingest.objects.object_id`; chunk = segment of that object; part = split of an
oversized block), never by when they were written: a re-run of a crashed ingestion writes
byte-identical items under the same keys.
"""

from __future__ import annotations

import zlib
from datetime import date, timedelta

from sitepulse.store_uptime.engine.timestamps import US_PER_DAY

BUCKETS = 64
"""Fixed for the life of the data: changing it means re-ingesting (documented in docs/store-uptime.md)."""

LATEST_KEY = {"pk": {"S": "LATEST"}, "sk": {"S": "POLL"}}
_EPOCH_DATE = date(1970, 1, 1)


def store_bucket(store_id: str) -> int:
    return zlib.crc32(store_id.encode("utf-8")) % BUCKETS


def day_number(epoch_us: int) -> int:
    """Days since 1970-01-01 (UTC) of an instant."""
    return epoch_us // US_PER_DAY


def day_text(number: int) -> str:
    return (_EPOCH_DATE + timedelta(days=number)).isoformat()


def day_of_text(text: str) -> int:
    return (date.fromisoformat(text) - _EPOCH_DATE).days


def poll_block_pk(bucket: int, day: int) -> str:
    return f"P#{bucket:02d}#{day_text(day)}"


def poll_block_sk(source: str, chunk: int, part: int) -> str:
    return f"{source}#{chunk:05d}#{part:03d}"


def registry_pk(bucket: int) -> str:
    return f"R#{bucket:02d}"


def registry_sk(store_id: str, first_day: int) -> str:
    return f"S#{store_id}#{day_text(first_day)}"


def parse_registry_sk(sk: str) -> tuple[str, int]:
    """(store_id, first day) of a registry sort key; the day is the fixed-width tail."""
    return sk[2:-11], day_of_text(sk[-10:])


def poll_day_sk(day: int, source: str = "", chunk: int | None = None) -> str:
    """Index entry of the stores with polls on `day` in one chunk; without source, the day's prefix."""
    if chunk is None:
        return f"D#{day_text(day)}#{source}"
    return f"D#{day_text(day)}#{source}#{chunk:05d}"


def hours_pk(bucket: int) -> str:
    return f"BH#{bucket:02d}"


def timezone_pk(bucket: int) -> str:
    return f"Z#{bucket:02d}"
