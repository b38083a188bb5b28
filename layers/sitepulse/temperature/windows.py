"""Pure arithmetic behind bounded-cost averages.

Every reading is stored raw AND added (in the same transaction, only when it
is new) to the exact Decimal sum and the count of its UTC hour bucket. An
average over the window (start, end] then reads:

* the buckets of the whole hours inside the window (one Query), and
* the raw readings of the partial hours at both edges (one Query each),

which partition the window, so the combined sum and count are exact. Short
windows read raw readings only (one Query). Timestamps have microsecond
resolution, so "after start" is "at or after start + 1 µs" and every range
below is inclusive at both ends, the way DynamoDB's BETWEEN is.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

HOUR = timedelta(hours=1)
TICK = timedelta(microseconds=1)
# Up to this length a window is cheaper as one raw Query than as buckets plus two edge Queries.
RAW_ONLY_UP_TO = timedelta(hours=3)
AVERAGE_QUANTUM = Decimal("0.01")
# Sums of at most 38-digit values: 60 significant digits keep every division exact enough that
# rounding the quotient to 2 decimals can't be a double rounding (see `mean`).
_PRECISION = 60


@dataclass(frozen=True)
class Window:
    """The instants t with start < t <= end."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Span:
    """The instants t with first <= t <= last (inclusive: maps onto BETWEEN)."""

    first: datetime
    last: datetime


@dataclass(frozen=True)
class Plan:
    """What to read for a window: raw readings of `raw` spans, hour buckets from `hours.first` to
    `hours.last` (hour starts, inclusive). The spans and the buckets' hours never overlap."""

    raw: tuple[Span, ...]
    hours: Span | None

    @property
    def requests(self) -> int:
        return len(self.raw) + (1 if self.hours else 0)


@dataclass(frozen=True)
class Aggregate:
    total: Decimal = Decimal(0)
    count: int = 0

    def __add__(self, other: "Aggregate") -> "Aggregate":
        with localcontext(prec=_PRECISION):
            return Aggregate(self.total + other.total, self.count + other.count)


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    with localcontext(prec=_PRECISION):
        return sum(values, Decimal(0))


def floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def bucket_name(moment: datetime) -> str:
    """The UTC hour holding `moment`, fixed width so that string order is time order."""
    return floor_hour(moment).strftime("%Y-%m-%dT%H")


def plan(window: Window) -> Plan:
    everything = Span(window.start + TICK, window.end)
    # Buckets whose whole hour [h, h + 1h) lies inside (start, end]. Computed without ever
    # stepping past `end`: it may be the last representable instant (9999-12-31T23:59:59.999999Z).
    first_hour = floor_hour(window.start) + HOUR
    last_hour = floor_hour(window.end - (HOUR - TICK))
    if window.end - window.start <= RAW_ONLY_UP_TO or first_hour > last_hour:
        return Plan(raw=(everything,), hours=None)
    head = Span(everything.first, first_hour - TICK)
    raw = [head] if head.first <= head.last else []
    if window.end - last_hour >= HOUR:  # readings after the last whole hour
        raw.append(Span(last_hour + HOUR, window.end))
    return Plan(raw=tuple(raw), hours=Span(first_hour, last_hour))


def mean(aggregate: Aggregate) -> Decimal | None:
    """The exact mean rounded half-even to 2 decimals; None without readings.

    Why the division is safe: values have at most 6 decimals, so if the exact
    mean isn't itself a rounding tie (x.xx5), it is at least 1e-6 / count away
    from one — far beyond the 60 significant digits the quotient keeps.
    """
    if aggregate.count == 0:
        return None
    with localcontext(prec=_PRECISION):
        value = (aggregate.total / aggregate.count).quantize(AVERAGE_QUANTUM, rounding=ROUND_HALF_EVEN)
    return value if value else Decimal("0.00")  # never "-0.00"
