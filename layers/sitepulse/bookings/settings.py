"""Environment of the bookings functions (validated at init: an empty name fails the cold start)."""

from pydantic import BaseModel, Field


class BookingsSettings(BaseModel):
    bookings_table: str = Field(min_length=1)
