"""Environment as a validated model: a missing table name fails at init, not mid-request."""

import os
from functools import cache
from typing import TypeVar

from pydantic import BaseModel, ValidationError

SettingsT = TypeVar("SettingsT", bound=BaseModel)


@cache
def load_settings[SettingsT: BaseModel](model: type[SettingsT]) -> SettingsT:
    """Build `model` from environment variables named like its fields, upper-cased."""
    values = {name: os.environ[name.upper()] for name in model.model_fields if name.upper() in os.environ}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        missing = ", ".join(str(err["loc"][0]).upper() for err in exc.errors())
        raise RuntimeError(f"invalid or missing environment variables: {missing}") from exc
