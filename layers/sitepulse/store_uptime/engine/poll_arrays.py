"""The polls of many stores as two numpy arrays, for the vectorised engine (`uptime_arrays`).

`PollArrays` holds, per poll, the index of its store in `store_ids` (sorted as Python strings,
the report's row order) and the poll packed as `uptime.pack_poll` does (`epoch_us * 2 +
is_active`), in no particular order. Whole reports (the offline CLI, a Step Functions shard)
then cost a few array operations instead of Python steps per poll.

numpy is imported by the report pipeline only (the offline CLI and the shard function): the
API functions never load this module (`tests/unit/store_uptime/report/test_cold_start.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import numpy.typing as npt

type Int64Array = npt.NDArray[np.int64]


@dataclass(frozen=True)
class PollArrays:
    """Polls of many stores: `codes[i]` indexes `store_ids` (sorted), `packed[i]` is `pack_poll`."""

    store_ids: list[str]
    codes: Int64Array
    packed: Int64Array

    @classmethod
    def from_packed(cls, polls_by_store: Mapping[str, Sequence[int]]) -> PollArrays:
        """From packed polls grouped by store (a shard's `BucketData.polls`, a loader's dict)."""
        store_ids = sorted(store for store, polls in polls_by_store.items() if len(polls))
        lengths = [len(polls_by_store[store]) for store in store_ids]
        packed = np.fromiter(
            chain.from_iterable(polls_by_store[store] for store in store_ids), np.int64, sum(lengths)
        )
        codes = np.repeat(np.arange(len(store_ids), dtype=np.int64), lengths)
        return cls(store_ids, codes, packed)

    def poll_count(self) -> int:
        return len(self.packed)

    def latest_us(self) -> int | None:
        """The latest poll instant over all stores (the report's default `now`); None without polls."""
        return None if not len(self.packed) else int(self.packed.max()) >> 1

    def by_store(self) -> dict[str, list[int]]:
        """Sorted packed polls per store (for tests and for comparing with the per-store engine)."""
        order = np.lexsort((self.packed, self.codes))
        codes = self.codes[order].tolist()
        grouped: dict[str, list[int]] = {}
        for code, packed in zip(codes, self.packed[order].tolist(), strict=True):
            grouped.setdefault(self.store_ids[code], []).append(packed)
        return grouped
