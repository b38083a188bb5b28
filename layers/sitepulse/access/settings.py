"""Environment of the key functions (validated at init: an empty name fails the cold start)."""

from pydantic import BaseModel, Field


class KeysSettings(BaseModel):
    api_keys_table: str = Field(min_length=1)
