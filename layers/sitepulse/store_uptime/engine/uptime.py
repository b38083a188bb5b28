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

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import NamedTuple

from sitepulse.store_uptime.engine.business_hours import UtcInterval
from sitepulse.store_uptime.engine.timestamps import (
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_WEEK,
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
