"""Instants as integer epoch microseconds, and the timestamp formats the poller writes.

The uptime engine never holds `datetime` objects per poll: an instant is an `int` of
microseconds since 1970-01-01T00:00:00Z. Integers keep every sum exact, so
`uptime + downtime == business time` holds to the microsecond, and the 2M-poll report
stays fast.

Accepted timestamp text (`parse_timestamp_us`):

* the poller's format `2023-01-22 12:09:39.388884 UTC`, with a fraction of 0 to 6 digits
  (`12:09:39 UTC` has none); this form is parsed by slicing, without `datetime`;
* ISO 8601 as `datetime.fromisoformat` reads it (`T` or space, `Z` or `±HH:MM`); a value
  without an offset is UTC. Digits beyond microseconds are truncated by `fromisoformat`.

Surrounding whitespace is ignored. Anything else raises `ValueError`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from operator import add, itemgetter

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
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"invalid timestamp {text!r}") from None
    return datetime_to_us(moment)


# The canonical poller stamp: `YYYY-MM-DD HH:MM:SS.ffffff UTC` as 30 ASCII bytes. Fixed width
# makes byte order the same as time order, and equal stamps the same instant, so the offline
# report sorts and compares polls in this form and converts only the few it needs
# (`uptime.StampedPolls`).
CANONICAL_STAMP_LENGTH = 30


def canonical_stamp(text: bytes) -> bytes | None:
    """The canonical 30-byte form of a poller-format timestamp, or None when `text` is not one.

    Fractions of fewer than 6 digits (`12:09:39.5 UTC`, `12:09:39 UTC`) are padded with zeros.
    """
    try:
        decoded = text.decode("ascii")
    except UnicodeDecodeError:
        return None
    if parse_poller_timestamp_us(decoded) is None:
        return None
    if len(text) == 23:  # whole seconds, no fraction
        return text[:19] + b".000000 UTC"
    return text[:-4].ljust(26, b"0") + b" UTC"


def canonical_stamp_us(stamp: bytes) -> int:
    """Epoch microseconds of a canonical stamp that has been validated (`canonical_stamp`)."""
    minute = stamp[:16]
    minute_us = _stamp_minute_us.get(minute)
    if minute_us is None:
        minute_us = minute_prefix_us(minute.decode("ascii"))
        if minute_us is None:
            raise ValueError(f"invalid canonical stamp {stamp!r}")
        if len(_stamp_minute_us) >= _MINUTE_CACHE_LIMIT:
            _stamp_minute_us.clear()
        _stamp_minute_us[minute] = minute_us
    return minute_us + int(stamp[17:19] + stamp[20:26])


_stamp_minute_us: dict[bytes, int] = {}
_MINUTE_OF_STAMP = itemgetter(slice(0, 16))
_SECONDS_OF_STAMP = itemgetter(slice(17, 19))
_FRACTION_OF_STAMP = itemgetter(slice(20, 26))


def canonical_stamps_us(stamps: list[bytes]) -> list[int]:
    """`canonical_stamp_us` of many stamps, with C-level maps instead of a call per stamp."""
    minutes = list(map(_MINUTE_OF_STAMP, stamps))
    cache = _stamp_minute_us
    for minute in set(minutes).difference(cache):
        minute_us = minute_prefix_us(minute.decode("ascii"))
        if minute_us is None:
            raise ValueError(f"invalid canonical stamp minute {minute!r}")
        cache[minute] = minute_us
    seconds = map(int, map(add, map(_SECONDS_OF_STAMP, stamps), map(_FRACTION_OF_STAMP, stamps)))
    return list(map(add, map(cache.__getitem__, minutes), seconds))


def us_to_canonical_stamp(epoch_us: int) -> bytes | None:
    """The canonical stamp of an instant; None outside the years 1-9999 it can spell."""
    try:
        moment = us_to_datetime(epoch_us)
    except OverflowError:
        return None
    return (moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds") + " UTC").encode("ascii")


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
