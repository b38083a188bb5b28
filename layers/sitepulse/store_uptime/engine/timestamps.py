"""Instants as integer epoch microseconds, and the timestamp formats the poller writes.

The uptime engine never holds `datetime` objects per poll: an instant is an `int` of
microseconds since 1970-01-01T00:00:00Z. Integers keep every sum exact, so
`uptime + downtime == business time` holds to the microsecond, and the 2M-poll report
stays fast.

Accepted timestamp text (`parse_timestamp_us`): the API's one timestamp rule
(`sitepulse.common.timestamps.parse_instant`: ISO 8601, without an offset meaning UTC, within
1970 … 9999), plus the poller's format `2023-01-22 12:09:39.388884 UTC` with a fraction of 0 to 6
digits (`12:09:39 UTC` has none). The poller form is the bulk of every status file, so it takes
a fast path, parsed by slicing without a `datetime` per poll; the tests check that it gives the
instant `parse_instant` gives for the same date and time. Surrounding whitespace is ignored.
Anything else raises `ValueError`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sitepulse.common.timestamps import parse_instant

US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND
US_PER_HOUR = 60 * US_PER_MINUTE
US_PER_DAY = 24 * US_PER_HOUR
US_PER_WEEK = 7 * US_PER_DAY

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)

# Poller format: "YYYY-MM-DD HH:MM:SS UTC" is 23 characters; each fraction digit (after a
# dot) adds one, so 25..30 characters hold 1..6 digits. The value is the multiplier that
# turns "SS" + fraction digits into microseconds.
POLLER_FORMAT_SCALE: dict[int, int] = {23: US_PER_SECOND} | {24 + n: 10 ** (6 - n) for n in range(1, 7)}

# Minute prefixes ("2023-01-22 12:09") repeat across thousands of polls; caching their
# epoch value turns most of a parse into one dict lookup. Bounded so hostile input with
# millions of distinct minutes cannot grow it without limit.
_MINUTE_CACHE_LIMIT = 100_000
_minute_us_cache: dict[str, int] = {}


def minute_prefix_us(prefix: str) -> int | None:
    """Epoch microseconds of a `YYYY-MM-DD HH:MM` prefix, or None when it is not one."""
    cached = _minute_us_cache.get(prefix)
    if cached is not None:
        return cached
    if (
        len(prefix) != 16
        or prefix[4] != "-"
        or prefix[7] != "-"
        or prefix[10] != " "
        or prefix[13] != ":"
        or not (digits := prefix[0:4] + prefix[5:7] + prefix[8:10] + prefix[11:13] + prefix[14:16]).isascii()
        or not digits.isdigit()
        or digits < "1970"  # before 1970 a clock is unset: the API's rule, as `parse_instant` says
    ):
        return None
    try:
        moment = datetime(
            int(digits[0:4]),
            int(digits[4:6]),
            int(digits[6:8]),
            int(digits[8:10]),
            int(digits[10:12]),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    value = (moment - _EPOCH) // _ONE_US
    if len(_minute_us_cache) >= _MINUTE_CACHE_LIMIT:
        _minute_us_cache.clear()
    _minute_us_cache[prefix] = value
    return value


def parse_poller_timestamp_us(text: str) -> int | None:
    """Parse exactly `YYYY-MM-DD HH:MM:SS[.f{1,6}] UTC`; None when `text` is not in that form."""
    scale = POLLER_FORMAT_SCALE.get(len(text))
    if scale is None or text[16] != ":" or not text.endswith(" UTC"):
        return None
    if text[19] != ("." if scale != US_PER_SECOND else " "):
        return None
    seconds = text[17:19]
    digits = seconds + text[20:-4]
    if not (digits.isascii() and digits.isdigit()) or seconds > "59":
        return None
    minute_us = minute_prefix_us(text[:16])
    if minute_us is None:
        return None
    return minute_us + int(digits) * scale


def parse_timestamp_us(text: str) -> int:
    """Epoch microseconds of a poller-format or ISO 8601 timestamp (naive means UTC)."""
    text = text.strip()
    value = parse_poller_timestamp_us(text)
    if value is not None:
        return value
    if text.endswith(" UTC") or not text:
        # The poller form has one exact shape; a near miss is an error, not an ISO guess.
        raise ValueError(f"invalid timestamp {text!r}")
    try:
        moment = parse_instant(text)
    except ValueError as exc:
        raise ValueError(f"invalid timestamp {text!r}: {exc}") from None
    return datetime_to_us(moment)


def datetime_to_us(moment: datetime) -> int:
    """Epoch microseconds of a datetime; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _ONE_US


def us_to_datetime(epoch_us: int) -> datetime:
    """Aware UTC datetime of an epoch-microsecond instant."""
    return _EPOCH + timedelta(microseconds=epoch_us)


def format_timestamp_us(epoch_us: int) -> str:
    """ISO 8601 UTC text with a `Z` suffix; microseconds only when not zero."""
    moment = us_to_datetime(epoch_us)
    spec = "seconds" if moment.microsecond == 0 else "microseconds"
    return moment.replace(tzinfo=None).isoformat(sep="T", timespec=spec) + "Z"
