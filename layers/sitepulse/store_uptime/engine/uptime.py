"""Nearest-poll interpolation of a store's status and its uptime inside business hours.

Time is discrete: an instant is an integer epoch microsecond (`timestamps`), and a duration
is a count of microseconds. At every instant the store has the status of the **nearest poll
in time** among its polls up to `now` (tie → the later poll). Consecutive polls at `a < b`
therefore hand over at `ceil((a + b) / 2)`: the exact midpoint, when there is one, belongs
to the later poll. The first poll rules everything before it and the last poll everything
after it (up to `now`); polls after `now` are ignored.

Several polls at the same instant: **`inactive` wins**. The rule does not depend on input
order (the poller's files are unordered) and is conservative: uptime is never credited on a
contradicting report. A store that keeps one item per (store, instant) should apply the
same rule when a second poll arrives for an instant it already holds.

Windows are half-open and end at `now`: last hour `[now − 1 h, now)`, last day
`[now − 24 h, now)`, last week `[now − 7 d, now)`. Uptime is the active business time in the
window, downtime the rest of its business time, so `uptime + downtime == business` exactly.

Which polls a caller must supply for a report at `now` (`poll_read_range`): every poll with
`now − 7 d <= t <= now`, plus the latest poll with `t < now − 7 d` (all polls at that
instant if it has several). Older polls can never be the nearest one to an instant of the
week window, because that latest earlier poll is always nearer; more polls than this are
harmless.

A poll is passed around packed into one int, `epoch_us * 2 + is_active` (`pack_poll`):
sorting packed ints sorts by time, with `inactive` first among equal instants, and a list
of ints is several times lighter and faster than a list of tuples at 2M polls.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from itertools import compress, islice, pairwise, repeat
from operator import add, ne, rshift
from typing import NamedTuple

from sitepulse.store_uptime.engine.business_hours import UtcInterval
from sitepulse.store_uptime.engine.timestamps import (
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_WEEK,
    canonical_stamp_us,
    canonical_stamps_us,
)

WINDOW_LENGTHS_US = (US_PER_HOUR, US_PER_DAY, US_PER_WEEK)
"""Last hour, last day, last week."""

_LOW_BIT = (1).__and__
_OTHER_STATUS = (b"\x01", b"\x00")  # indexed by the current status bit


class WindowTime(NamedTuple):
    """Business time and its active part within one window, in microseconds."""

    business_us: int
    active_us: int

    @property
    def inactive_us(self) -> int:
        return self.business_us - self.active_us


class StoreUptime(NamedTuple):
    last_hour: WindowTime
    last_day: WindowTime
    last_week: WindowTime


def pack_poll(epoch_us: int, is_active: bool) -> int:
    """One poll as an int: `epoch_us * 2 + is_active`."""
    return epoch_us * 2 + (1 if is_active else 0)


def unpack_poll(packed: int) -> tuple[int, bool]:
    """`(epoch_us, is_active)` of a packed poll."""
    return packed >> 1, bool(packed & 1)


def poll_read_range(now_us: int) -> tuple[int, int]:
    """`(since_us, now_us)`: supply polls in `[since_us, now_us]` plus the latest one before `since_us`."""
    return now_us - US_PER_WEEK, now_us


def polls_up_to(packed_polls: Iterable[int], now_us: int) -> list[int]:
    """The packed polls at or before `now_us`, sorted by time (inactive first on equal instants)."""
    ordered = sorted(packed_polls)
    return ordered[: bisect_right(ordered, now_us * 2 + 1)]


class StatusTimeline:
    """A store's interpolated status as a step function, queried for active time in O(log n).

    Built from packed polls sorted by time. Only status *changes* are kept: `changes[k]` is
    the instant from which the status differs from the one before, the first status being
    `first_active`. `active_before[k]` is the active time in `[changes[0], changes[k])`.
    """

    __slots__ = ("active_before", "changes", "first_active")

    @classmethod
    def from_changes(cls, first_active: bool, changes: list[int]) -> StatusTimeline:
        """A timeline from its first status and its sorted change instants."""
        timeline = cls.__new__(cls)
        timeline._set(first_active, changes)
        return timeline

    def __init__(self, sorted_packed_polls: Sequence[int]) -> None:
        if not sorted_packed_polls:
            raise ValueError("a status timeline needs at least one poll")
        polls = sorted_packed_polls
        first = polls[0]
        # Status changes are rare next to polls, so find them with bytes.find over the status
        # bits (C speed) instead of a Python loop over every poll.
        statuses = bytes(map(_LOW_BIT, polls))
        active = first & 1
        changes: list[int] = []
        index = statuses.find(_OTHER_STATUS[active], 1)
        while index > 0:
            previous_us = polls[index - 1] >> 1
            epoch_us = polls[index] >> 1
            # Equal instants sort inactive first, so this is an active poll at the instant of an
            # inactive one: inactive wins and the status does not change.
            if epoch_us != previous_us:
                changes.append((previous_us + epoch_us + 1) >> 1)
                active ^= 1
            index = statuses.find(_OTHER_STATUS[active], index + 1)
        self._set(bool(first & 1), changes)

    def _set(self, first_active: bool, changes: list[int]) -> None:
        self.first_active = first_active
        self.changes = changes
        running = 0
        active_before = [0]
        is_active = first_active
        for opens, closes in pairwise(changes):
            is_active = not is_active
            if is_active:
                running += closes - opens
            active_before.append(running)
        self.active_before = active_before

    def is_active_at(self, epoch_us: int) -> bool:
        return self.first_active ^ (bisect_right(self.changes, epoch_us) & 1 == 1)

    def _active_until(self, epoch_us: int) -> int:
        """Active time in `[changes[0], epoch_us)`; negative of `[epoch_us, changes[0])` before it."""
        changes = self.changes
        if not changes:
            return epoch_us if self.first_active else 0
        index = bisect_right(changes, epoch_us)
        if index == 0:
            return epoch_us - changes[0] if self.first_active else 0
        # Segment `index` starts at changes[index - 1]; segments alternate from first_active.
        segment_active = self.first_active ^ (index & 1 == 1)
        tail = epoch_us - changes[index - 1] if segment_active else 0
        return self.active_before[index - 1] + tail

    def active_between(self, start_us: int, end_us: int) -> int:
        """Active time within `[start_us, end_us)`."""
        if end_us <= start_us:
            return 0
        return self._active_until(end_us) - self._active_until(start_us)


class StampedPolls:
    """The polls of many stores for one report, mostly as canonical stamps rather than ints.

    `active[store]` / `inactive[store]`: canonical poller stamps (`timestamps.canonical_stamp`,
    30 ASCII bytes) of the store's active / inactive polls, in no particular order. In that
    fixed-width form byte order is time order, so `stamped_timeline` sorts and bisects them
    as they are and converts to integers only the few polls next to a status change: at 2M
    polls that saves converting every timestamp. `packed[store]`: polls that came in any other
    form (`pack_poll` ints); a store with some is computed from ints (`packed_polls`).
    """

    __slots__ = ("_sorted", "active", "inactive", "packed")

    def __init__(
        self,
        active: dict[str, list[bytes]] | None = None,
        inactive: dict[str, list[bytes]] | None = None,
        packed: dict[str, array[int]] | None = None,
    ) -> None:
        self.active = active if active is not None else {}
        self.inactive = inactive if inactive is not None else {}
        self.packed = packed if packed is not None else {}
        self._sorted = False

    def stores(self) -> list[str]:
        """Every store with at least one poll, sorted by id."""
        return sorted(self.active.keys() | self.inactive.keys() | self.packed.keys())

    def poll_count(self) -> int:
        return (
            sum(map(len, self.active.values()))
            + sum(map(len, self.inactive.values()))
            + sum(map(len, self.packed.values()))
        )

    def sort(self) -> None:
        """Sort every stamp list in place (once)."""
        if not self._sorted:
            for stamps in self.active.values():
                stamps.sort()
            for stamps in self.inactive.values():
                stamps.sort()
            self._sorted = True

    def latest_us(self) -> int | None:
        """The latest poll instant over all stores, or None without polls."""
        self.sort()
        latest = max(
            (stamps[-1] for stamps in (*self.active.values(), *self.inactive.values()) if stamps),
            default=None,
        )
        latest_us = None if latest is None else canonical_stamp_us(latest)
        packed = max((max(polls) for polls in self.packed.values() if polls), default=None)
        if packed is not None and (latest_us is None or packed >> 1 > latest_us):
            latest_us = packed >> 1
        return latest_us

    def packed_polls(self, store_id: str) -> Iterator[int]:
        """All polls of a store as `pack_poll` ints, in no particular order."""
        yield from self.packed.get(store_id, ())
        for stamp in self.active.get(store_id, ()):
            yield canonical_stamp_us(stamp) * 2 + 1
        for stamp in self.inactive.get(store_id, ()):
            yield canonical_stamp_us(stamp) * 2


def stamped_timeline(
    active: Sequence[bytes], inactive: Sequence[bytes], now_stamp: bytes
) -> StatusTimeline | None:
    """The timeline of a store's polls at or before `now_stamp`; None if there are none.

    `active` / `inactive`: the store's sorted canonical stamps. Gives the same timeline as
    `StatusTimeline` over the packed polls: an active poll at the instant of an inactive one is
    overruled, and a change sits at the midpoint of the two polls around it.
    """
    active_count = bisect_right(active, now_stamp)
    inactive_count = bisect_right(inactive, now_stamp)
    if not inactive_count:
        return StatusTimeline.from_changes(True, []) if active_count else None
    if not active_count:
        return StatusTimeline.from_changes(False, [])
    # positions[j]: how many active polls come before inactive[j] (equal instants: inactive first).
    positions = list(
        map(bisect_left, repeat(active), islice(inactive, inactive_count), repeat(0), repeat(active_count))
    )
    # Each change sits between the polls earlier[k] and later[k].
    earlier: list[bytes] = []
    later: list[bytes] = []
    first_active = positions[0] > 0
    if first_active:
        earlier.append(active[positions[0] - 1])
        later.append(inactive[0])
    # Only where positions grow is there a run of active polls between two inactive ones.
    for index in compress(range(1, inactive_count), map(ne, islice(positions, 1, None), positions)):
        low, high = positions[index - 1], positions[index]
        since = inactive[index - 1]
        resumed = bisect_right(active, since, low, high)  # active polls at `since` itself are overruled
        if resumed < high:
            earlier += (since, active[high - 1])
            later += (active[resumed], inactive[index])
    low = positions[-1]
    if low < active_count:
        since = inactive[inactive_count - 1]
        resumed = bisect_right(active, since, low, active_count)
        if resumed < active_count:
            earlier.append(since)
            later.append(active[resumed])
    # Midpoints rounded up, converting only these stamps to microseconds.
    instants = canonical_stamps_us(earlier + later)
    middle = len(earlier)
    doubled = map(add, map(add, islice(instants, middle), islice(instants, middle, None)), repeat(1))
    changes = list(map(rshift, doubled, repeat(1)))
    return StatusTimeline.from_changes(first_active, changes)


def store_uptime(timeline: StatusTimeline, week_business: Sequence[UtcInterval], now_us: int) -> StoreUptime:
    """Business and active time of the three windows ending at `now_us`.

    `week_business` are the merged business intervals within `[now − 7 d, now)`
    (`business_hours.business_intervals_utc`).
    """
    windows: list[WindowTime] = []
    if not timeline.changes:  # one status all along: active time is all or none of the business time
        for length_us in WINDOW_LENGTHS_US:
            window_start = now_us - length_us
            business = sum(
                closes - max(opens, window_start) for opens, closes in week_business if closes > window_start
            )
            windows.append(WindowTime(business, business if timeline.first_active else 0))
        return StoreUptime(*windows)
    for length_us in WINDOW_LENGTHS_US:
        window_start = now_us - length_us
        business = 0
        active = 0
        for opens, closes in week_business:
            if closes <= window_start:
                continue
            opens = max(opens, window_start)
            business += closes - opens
            active += timeline.active_between(opens, closes)
        windows.append(WindowTime(business, active))
    return StoreUptime(*windows)
