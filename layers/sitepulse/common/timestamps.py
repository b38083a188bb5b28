"""ISO 8601 instants: parsing (naive means UTC) and the one output format (UTC, `Z`)."""

from datetime import UTC, datetime

# Sort keys need a fixed width so that string order equals time order.
_SORTABLE_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def parse_instant(value: str) -> datetime:
    """Parse an ISO 8601 timestamp into an aware UTC datetime; raises ValueError."""
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        raise ValueError("expected an ISO 8601 timestamp such as 2024-01-31T12:00:00Z")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"not an ISO 8601 timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise ValueError(f"timestamp out of range: {value!r}") from None


def format_instant(moment: datetime) -> str:
    """UTC with a `Z` suffix; fractional seconds only when present."""
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def sortable_instant(moment: datetime) -> str:
    """Fixed-width UTC form used inside DynamoDB sort keys."""
    return moment.astimezone(UTC).strftime(_SORTABLE_FORMAT)


def from_sortable(value: str) -> datetime:
    return datetime.strptime(value, _SORTABLE_FORMAT).replace(tzinfo=UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)
