"""Booking events and dashboard: request/response models and the validation rules.

Rules (the ranges are ours, see docs/bookings.md, "Input rules"):

* `id`: JSON integer 1 … 2^53−1 (the largest integer every JSON client, JavaScript
  included, reads exactly). Optional: an event without one gets an id derived from its
  content (`sitepulse.bookings.ids`).
* `hotel_id`: JSON integer 1 … 2^31−1.
* `timestamp` (alias `event_timestamp`): a timestamp under the API's one rule
  (`sitepulse.common.timestamps`: ISO 8601, naive = UTC, 1970 … 9999), at most 24 hours in
  the future (a bogus future instant would otherwise stay the "latest" event of its
  reservation-night forever).
* `rpg_status` (alias `status`): JSON integer 1 (booking) or 2 (cancellation).
* `room_id` (alias `room_reservation_id`): 1–128 of letters, digits, `_ . : -` (a UUID fits),
  compared exactly (case-sensitive).
* `night_of_stay`: `YYYY-MM-DD`, a real date in 1970-01-01 … 9999-12-31 (the API's one range).

Integers are JSON Schema integers: `17` and `17.0` are the same number; `"17"` and `true` are
not integers here (the CSV path turns its text into integers before validating, see `bulk.py`).
"""

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator

from sitepulse.common.fields import JSON_INTEGER
from sitepulse.common.timestamps import DESCRIPTION as INSTANT_DESCRIPTION
from sitepulse.common.timestamps import (
    CalendarDate,
    Instant,
    format_instant,
    parse_date,
    parse_instant,
    utc_now,
)

MAX_EVENT_ID = 2**53 - 1
MAX_HOTEL_ID = 2**31 - 1
MIN_YEAR = 1970
MAX_YEAR = 9999
FUTURE_TOLERANCE = timedelta(hours=24)
BOOKING = 1
CANCELLATION = 2
STATUSES = (BOOKING, CANCELLATION)

ROOM_ID_PATTERN = r"^[A-Za-z0-9_.:\-]{1,128}$"

EventId = Annotated[StrictInt, Field(ge=1, le=MAX_EVENT_ID, description="1 … 2^53−1"), JSON_INTEGER]
HotelId = Annotated[StrictInt, Field(ge=1, le=MAX_HOTEL_ID, description="1 … 2^31−1"), JSON_INTEGER]
Status = Annotated[StrictInt, JSON_INTEGER]
RoomId = Annotated[str, Field(pattern=ROOM_ID_PATTERN, description="1–128 of letters, digits, _ . : -")]
Period = Literal["day", "month", "year"]

# canonical name → accepted alias; a body may carry both only if they agree.
ALIASES = {"timestamp": "event_timestamp", "rpg_status": "status", "room_id": "room_reservation_id"}


def parse_night(value: Any) -> date:
    """A `YYYY-MM-DD` string naming a real date within 1970 … 9999; raises ValueError."""
    return parse_date(value)


def parse_event_instant(value: Any) -> datetime:
    """An event timestamp: the API's timestamp rule, and at most now + 24 h; raises ValueError."""
    moment = parse_instant(value)
    if moment > utc_now() + FUTURE_TOLERANCE:
        raise ValueError("more than 24 hours in the future")
    return moment


class _AliasConflict:
    def __init__(self, message: str) -> None:
        self.message = message


def _agreed(value: Any) -> Any:
    if isinstance(value, _AliasConflict):
        raise ValueError(value.message)
    return value


class BookingEventIn(BaseModel):
    """A booking (rpg_status 1) or cancellation (2) of one room for one night."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: EventId | None = Field(default=None, description="Idempotency key; assigned when absent")
    hotel_id: HotelId
    timestamp: Instant = Field(
        validation_alias=AliasChoices("timestamp", "event_timestamp"),
        description=f"{INSTANT_DESCRIPTION}; at most 24 hours in the future. Alias: event_timestamp",
    )
    rpg_status: Status = Field(
        validation_alias=AliasChoices("rpg_status", "status"),
        description="1 = booking, 2 = cancellation. Alias: status",
        json_schema_extra={"enum": list(STATUSES)},
    )
    room_id: RoomId = Field(
        validation_alias=AliasChoices("room_id", "room_reservation_id"),
        description="1–128 of letters, digits, _ . : - (a UUID fits). Alias: room_reservation_id",
    )
    night_of_stay: CalendarDate = Field(description="YYYY-MM-DD, 1970-01-01 … 9999-12-31")

    @model_validator(mode="before")
    @classmethod
    def _aliases_agree(cls, data: Any) -> Any:
        # Flag the field itself (not the body) so the 422 names it.
        if isinstance(data, dict) and any(
            n in data and a in data and data[n] != data[a] for n, a in ALIASES.items()
        ):
            data = dict(data)
            for name, alias in ALIASES.items():
                if name in data and alias in data and data[name] != data[alias]:
                    data[name] = _AliasConflict(f"'{name}' and its alias '{alias}' disagree")
        return data

    @field_validator("rpg_status", "room_id", mode="before")
    @classmethod
    def _alias_agreed(cls, value: Any) -> Any:
        return _agreed(value)

    @field_validator("timestamp", mode="before")
    @classmethod
    def _event_instant(cls, value: Any) -> datetime:
        return parse_event_instant(_agreed(value))

    @field_validator("rpg_status")
    @classmethod
    def _known_status(cls, value: int) -> int:
        if value not in STATUSES:
            raise ValueError("must be 1 (booking) or 2 (cancellation)")
        return value


class BookingEventOut(BaseModel):
    id: int
    hotel_id: int
    timestamp: str = Field(description="UTC, Z suffix")
    rpg_status: int
    room_id: str
    night_of_stay: str

    @classmethod
    def of(
        cls, id: int, hotel_id: int, timestamp: datetime, rpg_status: int, room_id: str, night_of_stay: date
    ) -> "BookingEventOut":
        return cls(
            id=id,
            hotel_id=hotel_id,
            timestamp=format_instant(timestamp),
            rpg_status=rpg_status,
            room_id=room_id,
            night_of_stay=night_of_stay.isoformat(),
        )


class BookingEventList(BaseModel):
    events: list[BookingEventOut]
    next_token: str | None = Field(
        default=None, description="Pass back to get the next page; null at the end"
    )


class PeriodBookings(BaseModel):
    period: str = Field(description="YYYY-MM-DD, YYYY-MM or YYYY")
    bookings: int


class Dashboard(BaseModel):
    hotel_id: int
    year: int
    period: Period
    values: list[PeriodBookings]


class HotelList(BaseModel):
    hotels: list[int] = Field(description="Hotel ids with at least one event, ascending")
    next_token: str | None = None
