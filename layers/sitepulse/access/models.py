"""Key records, the grant a request carries, and the key-management API's models."""

import json
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, WithJsonSchema, field_validator

from sitepulse.access.scopes import Scope
from sitepulse.common.fields import JSON_INTEGER
from sitepulse.common.timestamps import INSTANT_SCHEMA, format_instant, parse_instant

# Limits are least privilege for devices and partners: short lists, not a second database.
MAX_LIMIT_ENTRIES = 50
_ID = r"^[A-Za-z0-9_.:\-]{1,128}$"
SensorPrefix = Annotated[str, Field(pattern=_ID, description="a sensor id prefix")]
BuildingId = Annotated[str, Field(pattern=_ID)]
# A JSON integer (`200.0` and `2e2` too, as JSON Schema says), as the bookings routes take hotel ids.
HotelId = Annotated[StrictInt, Field(ge=1, le=2**31 - 1), JSON_INTEGER]


class Limits(BaseModel):
    """Resources a key may touch; a kind left out (null) is not limited."""

    model_config = ConfigDict(extra="forbid")

    sensors: list[SensorPrefix] | None = Field(default=None, min_length=1, max_length=MAX_LIMIT_ENTRIES)
    buildings: list[BuildingId] | None = Field(default=None, min_length=1, max_length=MAX_LIMIT_ENTRIES)
    hotels: list[HotelId] | None = Field(default=None, min_length=1, max_length=MAX_LIMIT_ENTRIES)

    def is_empty(self) -> bool:
        return self.sensors is None and self.buildings is None and self.hotels is None

    def compact(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


def _instant(value: Any) -> Any:
    if value is None or isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 timestamp")
    return parse_instant(value)


class ApiKeyRecord(BaseModel):
    """One item of ApiKeysTable. Holds the secret's hash, never the secret."""

    key_id: str
    name: str
    scopes: list[str]
    limits: Limits = Field(default_factory=Limits)
    secret_hash: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    _parse_instants = field_validator("created_at", "expires_at", "revoked_at", mode="before")(
        lambda value: _instant(value)
    )

    def public(self) -> "ApiKeyOut":
        return ApiKeyOut(
            key_id=self.key_id,
            name=self.name,
            scopes=self.scopes,
            limits=self.limits.compact(),
            created_at=format_instant(self.created_at),
            expires_at=format_instant(self.expires_at) if self.expires_at else None,
            revoked_at=format_instant(self.revoked_at) if self.revoked_at else None,
        )


class Grant(BaseModel):
    """What the authorizer vouched for, as the function edge reads it back from the context."""

    key_id: str
    scopes: frozenset[str]
    limits: Limits
    expires_at: datetime | None = None


# ---------------------------------------------------------------- authorizer context
# HTTP API passes a simple response's context through as flat key → value pairs (no
# nesting), so lists and limits travel as strings.


def grant_context(record: ApiKeyRecord) -> dict[str, str]:
    return {
        "status": "allow",
        "key_id": record.key_id,
        "scopes": " ".join(sorted(record.scopes)),
        "limits": json.dumps(record.limits.compact(), separators=(",", ":"), sort_keys=True),
        "expires_at": format_instant(record.expires_at) if record.expires_at else "",
    }


def grant_from_context(context: dict[str, Any]) -> Grant:
    expires = context.get("expires_at") or None
    return Grant(
        key_id=str(context.get("key_id", "")),
        scopes=frozenset(str(context.get("scopes", "")).split()),
        limits=Limits.model_validate(json.loads(context.get("limits") or "{}")),
        expires_at=parse_instant(expires) if expires else None,
    )


# ---------------------------------------------------------------- key management API

KeyName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")]


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: KeyName
    scopes: list[Scope] = Field(
        min_length=1,
        max_length=len(Scope.__args__),  # type: ignore[attr-defined]
        json_schema_extra={"uniqueItems": True},
    )
    limits: Limits | None = None
    # Parsed by the service under the API's timestamp rule; documented as such.
    expires_at: Annotated[str, WithJsonSchema(INSTANT_SCHEMA)] | None = Field(
        default=None, max_length=40, description="ISO 8601 date and time, in the future"
    )

    @field_validator("scopes")
    @classmethod
    def _unique(cls, scopes: list[str]) -> list[str]:
        if len(set(scopes)) != len(scopes):
            raise ValueError("scopes must not repeat")
        return scopes


class ApiKeyOut(BaseModel):
    key_id: str
    name: str
    scopes: list[str]
    limits: dict[str, Any]
    created_at: str
    expires_at: str | None = None
    revoked_at: str | None = None


class ApiKeyCreated(ApiKeyOut):
    secret: str = Field(description="The full key to send as `Authorization: Bearer <secret>`; shown once")


class ApiKeyList(BaseModel):
    keys: list[ApiKeyOut]
    next_token: str | None = None
