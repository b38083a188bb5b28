"""Shard planning: every non-empty bucket exactly once, balanced, bounded by the stores per shard."""

from __future__ import annotations

import random

from sitepulse.store_uptime.report.sharding import MIN_SHARDS, plan_shards


def test_no_stores_no_shards() -> None:
    assert plan_shards({0: 0, 1: 0}, 100) == []


def test_every_non_empty_bucket_in_exactly_one_shard() -> None:
    rng = random.Random(5)
    counts = {bucket: rng.randrange(0, 400) for bucket in range(64)}
    shards = plan_shards(counts, 1000)
    planned = [bucket for shard in shards for bucket in shard]
    assert sorted(planned) == sorted(b for b, n in counts.items() if n)
    assert len(shards) == max(-(-sum(counts.values()) // 1000), MIN_SHARDS)


def test_shards_are_balanced() -> None:
    counts = {bucket: 200 + (bucket % 5) * 10 for bucket in range(64)}
    shards = plan_shards(counts, 1000)
    loads = [sum(counts[b] for b in shard) for shard in shards]
    assert max(loads) - min(loads) <= max(counts.values())


def test_small_reports_still_run_a_few_shards_but_never_empty_ones() -> None:
    assert len(plan_shards({3: 1, 9: 2, 11: 1, 40: 5, 41: 1}, 1000)) == MIN_SHARDS
    assert plan_shards({7: 3}, 1000) == [[7]]
