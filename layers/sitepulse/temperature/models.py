"""Temperature request and response models."""

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictFloat

from sitepulse.common.timestamps import DESCRIPTION as INSTANT_DESCRIPTION
from sitepulse.common.timestamps import Instant

ID_PATTERN = r"^[A-Za-z0-9_.:\-]{1,128}$"
ID_DESCRIPTION = "1–128 of letters, digits, _ . : -"
MIN_TEMPERATURE = -90
MAX_TEMPERATURE = 150
# Readings are stored with at most 6 decimals: no thermometer resolves a micro-degree, and a bounded
# scale keeps every DynamoDB sum exact (38 significant digits) and every average exactly computable.
TEMPERATURE_QUANTUM = Decimal("0.000001")

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
    recorded_at: Instant = Field(
        description=f"{INSTANT_DESCRIPTION}; at most 5 minutes in the future; microsecond resolution "
        "(further digits are dropped)",
        examples=["2024-12-10T16:45:00Z"],
    )


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
