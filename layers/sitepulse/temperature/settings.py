"""Environment of the temperature functions (validated at init: an empty name fails the cold start)."""

from pydantic import BaseModel, Field


class TemperatureSettings(BaseModel):
    temperature_table: str = Field(min_length=1)
