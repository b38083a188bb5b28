"""Alert rule requests and answers. The request shapes keep their targets as top-level fields
(`sensor`, `building`), so the HTTP edge's resource-limit check sees them like any other body."""

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from sitepulse.common.durations import DURATION_PATTERN, parse_duration
from sitepulse.common.fields import JSON_INTEGER
from sitepulse.occupancy.models import SensorName
from sitepulse.temperature.models import ID_PATTERN, Temperature

ALERT_ID_PATTERN = r"^al_[0-9a-f]{32}$"
STORE_ID_PATTERN = r"^[A-Za-z0-9_.:\-]{1,128}$"
MAX_URL_LENGTH = 2048

AlertName = Annotated[str, Field(min_length=1, max_length=200, description="Free text, 1–200 characters")]
# The scheme and a host: what a schema can say. The rest (the addresses the host resolves to,
# https outside the local stack) is checked by `webhooks.check_url`.
WEBHOOK_URL_PATTERN = r"^https?://[^\s/?#@]+([/?#]\S*)?$"
WebhookUrl = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_URL_LENGTH,
        pattern=WEBHOOK_URL_PATTERN,
        description="https URL that receives the notifications; private, loopback, link-local and other "
        "special addresses are refused after DNS resolution (422)",
    ),
]
PlaceId = Annotated[str, Field(pattern=ID_PATTERN, description="1–128 of letters, digits, _ . : -")]
StoreId = Annotated[str, Field(pattern=STORE_ID_PATTERN, description="1–128 of letters, digits, _ . : -")]
For = Annotated[
    str,
    Field(
        max_length=64,
        json_schema_extra={"pattern": DURATION_PATTERN},
        description="How long the condition must hold: <n>s|m|h|d or ISO 8601 (PT15M), > 0, ≤ 366 days",
        examples=["15m"],
    ),
]
People = Annotated[StrictInt, Field(ge=0, le=1_000_000), JSON_INTEGER]

AlertKind = Literal["occupancy_above", "temperature_outside", "store_down"]
AlertState = Literal["OK", "FIRING"]
DeliveryStatus = Literal["pending", "retrying", "delivered", "failed"]


def _checked_for(value: str) -> str:
    try:
        parse_duration(value)
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    return value


class _RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: AlertName
    webhook_url: WebhookUrl


class OccupancyAboveIn(_RuleIn):
    """Fires while the sensor's people inside is above `max`."""

    kind: Literal["occupancy_above"]
    sensor: SensorName
    max: People


class TemperatureOutsideIn(_RuleIn):
    """Fires once the room's readings have stayed outside [min, max] for `for` of recorded time."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    kind: Literal["temperature_outside"]
    building: PlaceId
    room: PlaceId
    min: Temperature
    max: Temperature
    for_: For = Field(alias="for")

    @field_validator("for_")
    @classmethod
    def _for(cls, value: str) -> str:
        return _checked_for(value)

    @field_validator("max")
    @classmethod
    def _ordered(cls, value: float, info: Any) -> float:
        low = info.data.get("min")
        if low is not None and value < low:
            raise ValueError(f"must be at least min ({low})")
        return value


STORE_DOWN_MAX_FOR = timedelta(days=7)


class StoreDownIn(_RuleIn):
    """Fires once the store has been inactive for `for` of its business time (at most 7 days:
    the week of polls the reports read)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    kind: Literal["store_down"]
    store_id: StoreId
    for_: For = Field(alias="for", description="Business time inactive before it fires: > 0, ≤ 7 days")

    @field_validator("for_")
    @classmethod
    def _for(cls, value: str) -> str:
        _checked_for(value)
        if parse_duration(value) > STORE_DOWN_MAX_FOR:
            raise ValueError(f"must be at most 7 days for store_down, got {value!r}")
        return value


AlertRuleIn = Annotated[OccupancyAboveIn | TemperatureOutsideIn | StoreDownIn, Field(discriminator="kind")]


def for_seconds(rule: OccupancyAboveIn | TemperatureOutsideIn | StoreDownIn) -> int:
    duration = getattr(rule, "for_", None)
    return 0 if duration is None else int(parse_duration(duration) // timedelta(seconds=1))


class TransitionOut(BaseModel):
    state: Literal["FIRING", "RESOLVED"]
    value: float | int | None
    at: str
    transition_id: str


class DeliveryOut(BaseModel):
    transition_id: str
    state: Literal["FIRING", "RESOLVED"]
    status: DeliveryStatus
    attempts: int
    last_error: str | None = None
    http_status: int | None = None
    delivered_at: str | None = None


class AlertOut(BaseModel):
    """A rule as stored: its target and thresholds, its current state. `for`, `min`, `max`,
    `sensor`, `building`, `room` and `store_id` are present for the kinds that have them."""

    model_config = ConfigDict(populate_by_name=True)

    alert_id: str
    name: str
    kind: AlertKind
    webhook_url: str
    state: AlertState
    created_at: str
    sensor: str | None = None
    building: str | None = None
    room: str | None = None
    store_id: str | None = None
    min: float | None = None
    max: float | int | None = None
    for_: str | None = Field(default=None, alias="for")

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class AlertCreated(AlertOut):
    secret: str = Field(description="Signs every notification of this rule (HMAC-SHA256); shown only here")


class AlertDetail(AlertOut):
    transitions: list[TransitionOut] = Field(description="Most recent first")
    deliveries: list[DeliveryOut] = Field(description="Most recent first")


class AlertList(BaseModel):
    alerts: list[AlertOut]
    next_token: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"alerts": [alert.as_json() for alert in self.alerts], "next_token": self.next_token}
