"""The uptime engine over many stores at once: `uptime`'s semantics, as numpy array operations.

Same contract as `uptime` (read its docstring): the status at an instant is the nearest poll's
up to `now` (tie → the later poll), several polls at one instant → `inactive` wins, a change
sits at `ceil((a + b) / 2)` between the polls around it, windows are half-open and end at
`now`. Integer microseconds throughout, so every sum is exact.

How (all stores together, no Python step per poll):

1. Sort the polls at or before `now` by (store, packed poll): per store by time, inactive
   first at one instant. The first poll of each (store, instant) is that instant's status.
2. A status change is where an instant's status differs from the store's previous one;
   it sits at the rounded-up midpoint of the two instants.
3. Each store's timeline starts at `since` (the week window's start): boundaries are `since`
   and the changes (clipped up to `since`), each with the status from it on, and the active
   time from `since` to it (a cumulative sum within the store).
4. Active time in `[since, x)` for any (store, x) is one `searchsorted` over the boundaries
   keyed by `store * span + (boundary − since)`; a business interval's active time is the
   difference at its ends, summed per store and window with `np.add.at`.

`tests/unit/store_uptime/engine/test_uptime_arrays.py` checks it against the per-store engine
kept in the tests as its oracle (`scalar_oracle`) on random stores (ties, duplicates, one poll,
polls after `now`, DST zones).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sitepulse.store_uptime.engine.poll_arrays import Int64Array, PollArrays
from sitepulse.store_uptime.engine.uptime import WINDOW_LENGTHS_US

_MAX_KEY_BITS = 62  # store code and poll offset share one int64 sort key below this


@dataclass(frozen=True)
class Timelines:
    """Every store's status from `since_us` to `now_us` as sorted boundary arrays.

    Boundary `k` belongs to store `codes[k]`: from `bounds[k]` on, the status is `status[k]`
    (0/1) and `active_before[k]` is the store's active time in `[since_us, bounds[k])`.
    `keys[k]` (`search_keys`) orders the boundaries by store, then instant.
    `has_polls[store]`: the store has a poll at or before `now_us` (else it has no row).
    """

    since_us: int
    now_us: int
    codes: Int64Array
    bounds: Int64Array
    status: Int64Array
    active_before: Int64Array
    keys: Int64Array
    has_polls: np.ndarray

    def active_until(self, codes: Int64Array, instants: Int64Array) -> Int64Array:
        """Active time in `[since_us, x)` of each (store, x); every x in `[since_us, now_us]`."""
        queries = search_keys(codes, instants, self.since_us, self.now_us)
        found = np.searchsorted(self.keys, queries, side="right") - 1
        return self.active_before[found] + (instants - self.bounds[found]) * self.status[found]


def search_keys(codes: Int64Array, instants: Int64Array, since_us: int, now_us: int) -> Int64Array:
    """One int64 per (store, instant in `[since_us, now_us]`), ordered by store then instant."""
    return codes * (now_us - since_us + 1) + (instants - since_us)


def sorted_polls(polls: PollArrays, now_us: int) -> tuple[Int64Array, Int64Array]:
    """`(codes, packed)` of the polls at or before `now_us`, sorted by store then packed poll."""
    keep = polls.packed <= now_us * 2 + 1
    codes = polls.codes[keep]
    packed = polls.packed[keep]
    if not len(packed):
        return codes, packed
    lowest = int(packed.min())
    offset_bits = (int(packed.max()) - lowest).bit_length()
    code_bits = max(len(polls.store_ids) - 1, 0).bit_length()
    if offset_bits + code_bits <= _MAX_KEY_BITS:  # one sort of one int64 key (the usual case)
        keys = (codes << offset_bits) | (packed - lowest)
        keys.sort()
        return keys >> offset_bits, (keys & ((1 << offset_bits) - 1)) + lowest
    order = np.lexsort((packed, codes))  # polls spread over centuries: two-key sort
    return codes[order], packed[order]


def timelines(polls: PollArrays, since_us: int, now_us: int) -> Timelines:
    """The timelines of every store from `since_us` (<= `now_us`) on."""
    if len(polls.store_ids) * (now_us - since_us + 1) >= 1 << 63:
        raise ValueError("too many stores for one int64 search key: compute them in shards")
    codes, packed = sorted_polls(polls, now_us)
    instants = packed >> 1
    active = packed & 1
    # The first poll of each (store, instant): inactive sorts first, so it is that instant's status.
    first_of_instant = np.ones(len(packed), dtype=bool)
    first_of_instant[1:] = (codes[1:] != codes[:-1]) | (instants[1:] != instants[:-1])
    codes, instants, active = codes[first_of_instant], instants[first_of_instant], active[first_of_instant]
    store_start = np.ones(len(codes), dtype=bool)
    store_start[1:] = codes[1:] != codes[:-1]
    changed = np.zeros(len(codes), dtype=bool)
    changed[1:] = ~store_start[1:] & (active[1:] != active[:-1])
    previous = np.empty_like(instants)
    previous[0:1] = instants[0:1]
    previous[1:] = instants[:-1]
    midpoints = np.maximum((previous + instants + 1) >> 1, since_us)
    is_bound = store_start | changed
    bounds = np.where(store_start, since_us, midpoints)[is_bound]
    bound_codes = codes[is_bound]
    status = active[is_bound]
    # Active time of each boundary's segment up to the next boundary of the same store (the
    # last segment of a store runs to `now` and needs no entry), summed within the store.
    segment = np.zeros(len(bounds), dtype=np.int64)
    same_store = bound_codes[1:] == bound_codes[:-1]
    segment[:-1] = np.where(same_store, (bounds[1:] - bounds[:-1]) * status[:-1], 0)
    running = np.zeros(len(bounds) + 1, dtype=np.int64)
    np.cumsum(segment, out=running[1:])
    starts = store_start[is_bound]
    store_first = np.maximum.accumulate(np.where(starts, np.arange(len(bounds)), 0))
    active_before = running[:-1] - running[store_first]
    has_polls = np.zeros(len(polls.store_ids), dtype=bool)
    has_polls[bound_codes[starts]] = True
    keys = search_keys(bound_codes, bounds, since_us, now_us)
    return Timelines(since_us, now_us, bound_codes, bounds, status, active_before, keys, has_polls)


def window_times(
    timeline: Timelines, interval_codes: Int64Array, opens: Int64Array, closes: Int64Array
) -> tuple[Int64Array, Int64Array]:
    """`(business, active)`, each of shape (3 windows, stores): last hour, day, week.

    `(interval_codes, opens, closes)`: the merged business intervals of stores with polls, within
    `[since_us, now_us)` (`business_hours.business_intervals_utc`), in any order.
    """
    stores = len(timeline.has_polls)
    business = np.zeros((len(WINDOW_LENGTHS_US), stores), dtype=np.int64)
    active = np.zeros((len(WINDOW_LENGTHS_US), stores), dtype=np.int64)
    active_at_close = timeline.active_until(interval_codes, closes)
    for window, length_us in enumerate(WINDOW_LENGTHS_US):
        window_start = timeline.now_us - length_us
        inside = closes > window_start
        codes = interval_codes[inside]
        window_opens = np.maximum(opens[inside], window_start)
        np.add.at(business[window], codes, closes[inside] - window_opens)
        np.add.at(active[window], codes, active_at_close[inside] - timeline.active_until(codes, window_opens))
    return business, active
