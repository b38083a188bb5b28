"""Domain errors, and the one body every error answer carries. Handlers never build error
responses themselves: `sitepulse.common.http` maps these to HTTP status codes in one place."""

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

# pydantic prefixes the message of an error a validator raised; the reader needs only the message.
_PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")


class FieldError(BaseModel):
    model_config = ConfigDict(title="FieldError")

    field: str = Field(description="The wrong input: a body field (dotted path), a parameter or a header")
    message: str = Field(description="Why it is wrong, for a person to read")


class ErrorBody(BaseModel):
    """The body of every error answer (4xx, 5xx), whoever produces it: a function or the gateway."""

    model_config = ConfigDict(title="Error")

    message: str = Field(description="What went wrong, for a person to read")
    # Absent rather than null when there is nothing to list, so the schema is just an array.
    errors: list[FieldError] | SkipJsonSchema[None] = Field(
        default=None, description="422 only: each wrong field and why (absent otherwise)"
    )

    def as_json(self) -> dict[str, object]:
        return self.model_dump(exclude_none=True)


def validation_message(error: Mapping[str, Any]) -> str:
    """The reason of one pydantic error (an item of `ValidationError.errors()`), for a person:
    the one wording of the API's 422 `errors` and of the rows bulk ingestion rejects."""
    message = str(error.get("msg") or "invalid value")
    for prefix in _PYDANTIC_PREFIXES:
        message = message.removeprefix(prefix)
    return message


class DomainError(Exception):
    """Base class for errors a client can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(DomainError):
    """The addressed resource does not exist (404)."""


class ConflictError(DomainError):
    """A write conflicts with what is stored, e.g. same idempotency key, other payload (409)."""


class KeyTakenError(ConflictError):
    """An idempotency key already holds another value (409); `stored` is that value.

    The one conflict of the idempotent write (`sitepulse.common.idempotent`): services turn it
    into a message naming what is stored."""

    def __init__(self, stored: object) -> None:
        super().__init__("the key already holds another value")
        self.stored = stored


class InvalidInputError(DomainError):
    """Input that passed schema validation but is still wrong (422), naming the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class ServiceUnavailableError(DomainError):
    """AWS kept refusing after the bounded retries (throttling, 5xx): the client should retry (503).

    Raised only where nothing was half-written, so a retry of the same request is safe."""

    def __init__(self, message: str, retry_after_seconds: int = 1) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
