"""Key management: create (secret returned once), list, revoke."""

from datetime import datetime

from sitepulse.access import tokens
from sitepulse.access.models import ApiKeyCreated, ApiKeyIn, ApiKeyList, ApiKeyOut, ApiKeyRecord, Limits
from sitepulse.access.repository import ApiKeyRepository, KeyIdTaken
from sitepulse.common.errors import InvalidInputError, NotFoundError
from sitepulse.common.timestamps import parse_instant, utc_now


class KeyService:
    def __init__(self, repository: ApiKeyRepository) -> None:
        self._repository = repository

    def create(self, request: ApiKeyIn, now: datetime | None = None) -> ApiKeyCreated:
        now = now or utc_now()
        expires_at = None
        if request.expires_at is not None:
            try:
                expires_at = parse_instant(request.expires_at)
            except ValueError as exc:
                raise InvalidInputError("expires_at", str(exc)) from None
            if expires_at <= now:
                raise InvalidInputError("expires_at", "must be in the future")
        for _ in range(3):
            key_id, secret = tokens.new_key()
            record = ApiKeyRecord(
                key_id=key_id,
                name=request.name,
                scopes=sorted(set(request.scopes)),
                limits=request.limits or Limits(),
                secret_hash=tokens.hash_secret(tokens.parse_key(secret)[1]),  # type: ignore[index]
                created_at=now,
                expires_at=expires_at,
            )
            try:
                self._repository.create(record)
            except KeyIdTaken:
                continue
            return ApiKeyCreated(**record.public().model_dump(), secret=secret)
        raise RuntimeError("could not draw an unused key id")

    def list(self, limit: int, next_token: str | None) -> ApiKeyList:
        records, token = self._repository.list(limit, next_token)
        return ApiKeyList(keys=[record.public() for record in records], next_token=token)

    def revoke(self, key_id: str, now: datetime | None = None) -> ApiKeyOut:
        record = self._repository.revoke(key_id, now or utc_now())
        if record is None:
            raise NotFoundError(f"No API key {key_id!r}")
        return record.public()
