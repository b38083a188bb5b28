"""Environment of the occupancy functions (validated at init: an empty name fails the cold start)."""

from pydantic import BaseModel, Field


class OccupancySettings(BaseModel):
    occupancy_table: str = Field(min_length=1)
