"""The scalar uptime engine, kept as the oracle the shipped engine is checked against.

The layer ships one engine, the vectorised `sitepulse.store_uptime.engine.uptime_arrays` (with
`report.array_rows`). This is the per-store engine it replaced: one `StatusTimeline` per
store, a Python loop over the business intervals. It implements the same contract (the
`sitepulse.store_uptime.engine.uptime` docstring) independently, so the tests compare the two
on random stores, and the integration tests compare the deployed pipeline with it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise

from sitepulse.store_uptime.engine.business_hours import UtcInterval, WeeklyInterval, business_intervals_utc
from sitepulse.store_uptime.engine.timestamps import US_PER_WEEK
from sitepulse.store_uptime.engine.uptime import (
    WINDOW_LENGTHS_US,
    StoreUptime,
    WindowTime,
    pack_poll,
    polls_up_to,
)
from sitepulse.store_uptime.report.rows import ReportRow, latest_poll_us, report_row

_LOW_BIT = (1).__and__
_OTHER_STATUS = (b"\x01", b"\x00")  # indexed by the current status bit


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


def compute_store_uptime_packed(
    packed_polls: Iterable[int],
    hours: Iterable[tuple[int, int, int]] | None,
    timezone: str | None,
    now_us: int,
) -> StoreUptime | None:
    """Unrounded window times of one store from packed polls; None if it has no poll at or before `now_us`."""
    polls = polls_up_to(packed_polls, now_us)
    if not polls:
        return None
    week = business_intervals_utc(hours, timezone, now_us - US_PER_WEEK, now_us)
    return store_uptime(StatusTimeline(polls), week, now_us)


def compute_store_row(
    store_id: str,
    polls: Iterable[tuple[int, bool]],
    hours: Iterable[tuple[int, int, int]] | None,
    timezone: str | None,
    now_us: int,
) -> ReportRow | None:
    """The report row of one store, or None if it has no poll at or before `now_us`.

    `polls`: `(epoch_us, is_active)` in any order; polls after `now_us` are ignored. For an
    exact row supply at least every poll in `[now − 7 d, now]` plus the latest poll before
    `now − 7 d` (`uptime.poll_read_range`). `hours`: the store's `WeeklyInterval`s or plain
    `(day, start_s, end_s)` tuples (None or empty = open 24×7). `timezone`: IANA name
    (None = America/Chicago).
    """
    return compute_store_row_packed(store_id, (pack_poll(t, a) for t, a in polls), hours, timezone, now_us)


def compute_store_row_packed(
    store_id: str,
    packed_polls: Iterable[int],
    hours: Iterable[tuple[int, int, int]] | None,
    timezone: str | None,
    now_us: int,
) -> ReportRow | None:
    """`compute_store_row` for polls already packed with `uptime.pack_poll`."""
    uptime = compute_store_uptime_packed(packed_polls, hours, timezone, now_us)
    return None if uptime is None else report_row(store_id, uptime)


def build_report(
    polls_by_store: Mapping[str, Sequence[int]],
    hours_by_store: Mapping[str, Sequence[WeeklyInterval]],
    timezone_by_store: Mapping[str, str],
    now_us: int | None = None,
) -> list[ReportRow]:
    """Rows of every store with a poll at or before `now_us`, sorted by store_id.

    `polls_by_store` holds packed polls (`uptime.pack_poll`), in any order.
    `now_us` defaults to the latest poll; with no polls at all the report is empty.
    """
    if now_us is None:
        now_us = latest_poll_us(polls_by_store)
        if now_us is None:
            return []
    rows: list[ReportRow] = []
    for store_id in sorted(polls_by_store):
        row = compute_store_row_packed(
            store_id,
            polls_by_store[store_id],
            hours_by_store.get(store_id),
            timezone_by_store.get(store_id),
            now_us,
        )
        if row is not None:
            rows.append(row)
    return rows
