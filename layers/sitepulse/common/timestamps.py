"""ISO 8601 instants: the one rule every domain applies.

* Accepted: an ISO 8601 date and time as `datetime.fromisoformat` reads it (`T`, `t` or a
  space; `Z`, `z` or `±HH:MM`; fractions of a second, kept to the microsecond), without
  control or non-ASCII characters; without an offset it is UTC.
* Range: 1970-01-01T00:00:00Z … 9999-12-31T23:59:59.999999Z. Before 1970 a sensor clock is
  simply unset; after 9999 no four-digit year can write it. So that an offset can never
  carry an instant across either end, a timestamp written on 1970-01-01 takes no positive
  offset and one written on 9999-12-31 no negative offset: a rule the OpenAPI document
  states exactly (`INSTANT_PATTERN`), where "in range once converted to UTC" could not be.
* Written: always UTC with a `Z` suffix and a four-digit year (`strftime("%Y")` writes
  year 999 as "999" on Linux, so years are formatted explicitly).
"""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)
RANGE_TEXT = "1970-01-01T00:00:00Z … 9999-12-31T23:59:59.999999Z"
EXAMPLE = "2024-01-31T12:00:00Z"
MAX_LENGTH = 40
DATE_RANGE_TEXT = "1970-01-01 … 9999-12-31"
# What the OpenAPI document says of every timestamp: RFC 3339 `date-time` (the API also takes a
# timestamp without offset, as UTC) whose year is 1970 or later, with no positive offset on
# 1970-01-01 and no negative one on 9999-12-31.
DESCRIPTION = (
    f"ISO 8601 date and time, without an offset meaning UTC; {RANGE_TEXT} "
    "(on 1970-01-01 no positive offset, on 9999-12-31 no negative offset)"
)
_NONZERO_OFFSET = r"(?!00:?00$)[0-9]{2}(:?[0-9]{2})?$"
INSTANT_PATTERN = (
    rf"^(?!1970-01-01.*\+{_NONZERO_OFFSET})(?!9999-12-31.*-{_NONZERO_OFFSET})"
    r"(19[7-9][0-9]|[2-9][0-9]{3})-"
)
DATE_PATTERN = r"^(19[7-9][0-9]|[2-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
INSTANT_SCHEMA: dict[str, Any] = {
    "type": "string",
    "format": "date-time",
    "pattern": INSTANT_PATTERN,
    "maxLength": MAX_LENGTH,
}
DATE_SCHEMA: dict[str, Any] = {"type": "string", "format": "date", "pattern": DATE_PATTERN}


def parse_instant(value: object) -> datetime:
    """Parse a timestamp under the rule above into an aware UTC datetime; raises ValueError
    with a message written for the client."""
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 timestamp string such as {EXAMPLE}")
    # fromisoformat stops at a NUL and would accept "2024-12-10T16:45:00\x00".
    if not (value.isascii() and value.isprintable()):
        raise ValueError("not an ISO 8601 timestamp: contains control or non-ASCII characters")
    text = value.strip().upper()  # RFC 3339 allows "t" and "z"; fromisoformat does not
    # A date alone is not an instant; fromisoformat would read it as midnight.
    if not 16 <= len(text) <= MAX_LENGTH or text[10:11] not in ("T", " "):
        raise ValueError(f"expected an ISO 8601 date and time such as {EXAMPLE}")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 date and time (such as {EXAMPLE}): {value!r}") from None
    offset = parsed.utcoffset() or timedelta(0)
    if parsed.year < EARLIEST.year:
        raise ValueError(f"must be within {RANGE_TEXT}")
    if parsed.date() == EARLIEST.date() and offset > timedelta(0):
        raise ValueError(
            f"must be within {RANGE_TEXT}: on 1970-01-01 write it in UTC or with a negative offset"
        )
    if parsed.date() == LATEST.date() and offset < timedelta(0):
        raise ValueError(
            f"must be within {RANGE_TEXT}: on 9999-12-31 write it in UTC or with a positive offset"
        )
    # Now the instant is in range once converted (an offset is less than a day).
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_date(value: object) -> date:
    """A `YYYY-MM-DD` calendar date within 1970-01-01 … 9999-12-31; raises ValueError."""
    if not isinstance(value, str) or len(value) != 10 or not value.isascii():
        raise ValueError("expected a date as YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not a valid YYYY-MM-DD date: {value!r}") from None
    if value != day.isoformat():  # fromisoformat also takes 20240501 and 2024-W18-3
        raise ValueError("expected a date as YYYY-MM-DD")
    if day.year < EARLIEST.year:
        raise ValueError(f"must be within {DATE_RANGE_TEXT}")
    return day


def format_instant(moment: datetime) -> str:
    """UTC with a `Z` suffix and a four-digit year; fractional seconds only when present."""
    moment = moment.astimezone(UTC)
    text = f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}"
    if moment.microsecond:
        text += f".{moment.microsecond:06d}"
    return text + "Z"


def sortable_instant(moment: datetime) -> str:
    """Fixed-width UTC form used inside DynamoDB sort keys (string order = time order)."""
    moment = moment.astimezone(UTC)
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}.{moment.microsecond:06d}Z"


def from_sortable(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _instant_field(value: Any) -> datetime:
    # Code may build models from datetimes: the same rule applies to them.
    return parse_instant(value.isoformat() if isinstance(value, datetime) else value)


def _date_field(value: Any) -> date:
    return parse_date(value.isoformat() if isinstance(value, date) else value)


Instant = Annotated[datetime, BeforeValidator(_instant_field), WithJsonSchema(INSTANT_SCHEMA)]
"""A pydantic field under the timestamp rule; the document carries its format and pattern."""

CalendarDate = Annotated[date, BeforeValidator(_date_field), WithJsonSchema(DATE_SCHEMA)]
"""A pydantic `YYYY-MM-DD` field within 1970-01-01 … 9999-12-31."""

INSTANT_QUERY: dict[str, Any] = {"format": "date-time", "pattern": INSTANT_PATTERN}
"""`json_schema_extra` of a timestamp query parameter (parsed by the service, which names it)."""
DATE_QUERY: dict[str, Any] = {"format": "date", "pattern": DATE_PATTERN}
