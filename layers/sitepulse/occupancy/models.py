"""Occupancy request and response models."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StrictInt,
    model_serializer,
    model_validator,
)

from sitepulse.common.fields import JSON_INTEGER
from sitepulse.common.timestamps import DESCRIPTION as INSTANT_DESCRIPTION
from sitepulse.common.timestamps import Instant, format_instant

SENSOR_PATTERN = r"^[A-Za-z0-9_.:\-]{1,128}$"
SensorName = Annotated[str, Field(pattern=SENSOR_PATTERN, description="1–128 of letters, digits, _ . : -")]
Count = Annotated[StrictInt, Field(ge=0, le=10_000), JSON_INTEGER]

_ALIASES = {"in": "in_count", "out": "out_count"}


class SensorEventIn(BaseModel):
    """A sensor report: people counted through the door since its previous report."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    sensor: SensorName
    ts: Instant = Field(description=INSTANT_DESCRIPTION)
    in_: Count = Field(validation_alias=AliasChoices("in", "in_count"), serialization_alias="in")
    out: Count = Field(validation_alias=AliasChoices("out", "out_count"))

    @model_validator(mode="before")
    @classmethod
    def _aliases_agree(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, alias in _ALIASES.items():
                if name in data and alias in data and data[name] != data[alias]:
                    raise ValueError(f"'{name}' and its alias '{alias}' disagree")
        return data


class SensorEventOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    sensor: str
    ts: str
    in_: int = Field(alias="in")
    out: int

    @classmethod
    def of(cls, sensor: str, ts: datetime, in_count: int, out_count: int) -> "SensorEventOut":
        return cls(sensor=sensor, ts=format_instant(ts), in_=in_count, out=out_count)

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)


class SensorList(BaseModel):
    sensors: list[str]
    next_token: str | None = None


class Occupancy(BaseModel):
    sensor: str
    inside: int
    at: str | None = Field(default=None, description="Present only when atInstant was asked for")

    @model_serializer(mode="wrap")
    def _omit_absent_instant(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        if data.get("at") is None:
            data.pop("at", None)
        return data
