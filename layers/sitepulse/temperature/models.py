"""Temperature request and response models."""

from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, field_validator

from sitepulse.common.timestamps import parse_instant

ID_PATTERN = r"^[A-Za-z0-9_.:\-]{1,128}$"
ID_DESCRIPTION = "1–128 of letters, digits, _ . : -"
MIN_TEMPERATURE = -90
MAX_TEMPERATURE = 150
# Readings are stored with at most 6 decimals: no thermometer resolves a micro-degree, and a bounded
# scale keeps every DynamoDB sum exact (38 significant digits) and every average exactly computable.
TEMPERATURE_QUANTUM = Decimal("0.000001")
# Sort keys are fixed-width only for 4-digit years; before 1970 a sensor clock is simply unset.
EARLIEST_INSTANT = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(9999, 1, 1, tzinfo=UTC)

Temperature = Annotated[
    StrictFloat,
    Field(
        ge=MIN_TEMPERATURE,
        le=MAX_TEMPERATURE,
        allow_inf_nan=False,
        description="°C, finite, −90 … 150; stored rounded half-even to 6 decimals",
        examples=[21.5],
    ),
]


def parse_bounded_instant(value: Any) -> datetime:
    """An ISO 8601 string (naive means UTC) between 1970 and 9999, as an aware UTC datetime."""
    # Only strings: pydantic would also take epoch numbers, which are ambiguous (s or ms?).
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 timestamp string such as 2024-12-10T16:45:00Z")
    # datetime.fromisoformat stops at a NUL and would accept "2024-12-10T16:45:00\x00".
    if not (value.isascii() and value.isprintable()):
        raise ValueError("not an ISO 8601 timestamp: contains control or non-ASCII characters")
    moment = parse_instant(value)
    if not EARLIEST_INSTANT <= moment < LATEST_INSTANT:
        raise ValueError("must be between 1970-01-01T00:00:00Z and 9999-01-01T00:00:00Z")
    return moment


def exact_temperature(value: float) -> Decimal:
    """The value as stored: the float's shortest decimal form, rounded half-even to 6 decimals."""
    rounded = Decimal(repr(float(value))).quantize(TEMPERATURE_QUANTUM, rounding=ROUND_HALF_EVEN)
    if not rounded:
        return Decimal(0)  # no "-0"
    text = format(rounded, "f").rstrip("0").rstrip(".")
    return Decimal(text)


class ReadingIn(BaseModel):
    """A thermometer reading. Idempotency key: (building, room, recorded_at)."""

    model_config = ConfigDict(extra="ignore")

    temperature: Temperature
    recorded_at: datetime = Field(
        description="ISO 8601; without offset means UTC; at most 5 minutes in the future; microsecond "
        "resolution (further digits are dropped)",
        examples=["2024-12-10T16:45:00"],
    )

    @field_validator("recorded_at", mode="before")
    @classmethod
    def _iso_instant(cls, value: Any) -> datetime:
        return parse_bounded_instant(value)


class Reading(BaseModel):
    building: str
    room: str
    temperature: float
    recorded_at: str = Field(description="UTC, Z suffix")


class AverageTemperature(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    building: str
    room: str
    duration: str = Field(description="The duration as asked (default 15m)")
    from_: str = Field(alias="from", description="Window start (excluded), UTC")
    to: str = Field(description="Window end (included), UTC")
    average_temperature: float | None = Field(
        description="Exact mean of the readings in the window, rounded half-even to 2 decimals; "
        "null when the window holds no reading"
    )
    readings: int


class RoomSummary(BaseModel):
    room: str
    readings: int = Field(description="Readings stored for the room, all time")
    latest_temperature: float = Field(description="Temperature of the most recent reading (by recorded_at)")
    latest_recorded_at: str


class RoomList(BaseModel):
    building: str
    rooms: list[RoomSummary]
    next_token: str | None = None


class TemperaturePoint(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from", description="Step start (UTC, included)")
    to: str = Field(description="Step end (UTC, excluded)")
    average_temperature: float | None = Field(
        description="Exact mean of the step's readings, rounded half-even to 2 decimals; null when empty"
    )
    readings: int


class TemperatureSeries(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    building: str
    room: str
    from_: str = Field(alias="from", description="Start of the first step (UTC), floored to the hour")
    to: str = Field(description="End of the last step (UTC), floored to the hour")
    step: str = Field(description="The step as asked (default 1h)")
    points: list[TemperaturePoint]


class BuildingList(BaseModel):
    buildings: list[str]
    next_token: str | None = None
