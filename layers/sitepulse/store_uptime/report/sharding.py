"""Split a report's store buckets into shards of similar size (pure)."""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping

MIN_SHARDS = 4
"""Even a small report runs a few shards in parallel: it costs little and keeps latency flat."""


def plan_shards(stores_per_bucket: Mapping[int, int], stores_per_shard: int) -> list[list[int]]:
    """Buckets per shard: ceil(total / stores_per_shard) shards (at least MIN_SHARDS, at most one
    per non-empty bucket), filled largest bucket first into the least-loaded shard."""
    buckets = sorted((count, bucket) for bucket, count in stores_per_bucket.items() if count > 0)
    if not buckets:
        return []
    total = sum(count for count, _ in buckets)
    wanted = max(math.ceil(total / max(stores_per_shard, 1)), MIN_SHARDS)
    shard_count = min(wanted, len(buckets))
    loads = [(0, index) for index in range(shard_count)]
    shards: list[list[int]] = [[] for _ in range(shard_count)]
    for count, bucket in sorted(buckets, key=lambda entry: (-entry[0], entry[1])):
        load, index = heapq.heappop(loads)
        shards[index].append(bucket)
        heapq.heappush(loads, (load + count, index))
    return [sorted(shard) for shard in shards]
