"""One wording for pydantic errors: the API's 422 `errors` and bulk ingestion's rejected rows."""

import pytest
from pydantic import BaseModel, ValidationError, field_validator

from sitepulse.common.errors import validation_message


class Reading(BaseModel):
    level: int

    @field_validator("level")
    @classmethod
    def _known(cls, value: int) -> int:
        if value > 3:
            raise ValueError("must be at most 3")
        assert value >= 0, "must not be negative"
        return value


@pytest.mark.parametrize(
    ("level", "message"),
    [(4, "must be at most 3"), (-1, "must not be negative"), ("x", "Input should be a valid integer")],
)
def test_the_reason_is_the_validator_s_own_words(level: object, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Reading(level=level)  # type: ignore[arg-type]
    (error,) = caught.value.errors()
    assert validation_message(error).startswith(message)


def test_an_error_without_a_message_still_says_something() -> None:
    assert validation_message({"msg": ""}) == "invalid value"
