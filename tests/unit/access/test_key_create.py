"""Creating a key is `common.idempotent.write_once` keyed by the key id: a retried put of the
same key is a replay, another key under the same id is a collision that draws a new id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from sitepulse.access import service as service_module
from sitepulse.access import tokens
from sitepulse.access.models import ApiKeyIn, ApiKeyRecord
from sitepulse.access.repository import ApiKeyRepository, KeyIdTaken
from sitepulse.access.service import KeyService


@pytest.fixture
def client(aws: boto3.Session) -> Any:
    return aws.client("dynamodb")


@pytest.fixture
def repository(client: Any, tables: dict[str, str]) -> ApiKeyRepository:
    return ApiKeyRepository(client, tables["ApiKeysTable"])


def record(key_id: str, secret_hash: str = "a" * 64, name: str = "k") -> ApiKeyRecord:
    return ApiKeyRecord(
        key_id=key_id,
        name=name,
        scopes=["occupancy:read"],
        secret_hash=secret_hash,
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
    )


def stored_count(client: Any, tables: dict[str, str]) -> int:
    return int(client.scan(TableName=tables["ApiKeysTable"], Select="COUNT")["Count"])


def test_the_same_key_put_again_is_a_replay_not_a_collision(
    repository: ApiKeyRepository, client: Any, tables: dict[str, str]
) -> None:
    # An SDK retry whose first attempt was stored: the very same key, nothing written twice.
    repository.create(record("samekey234567890"))
    repository.create(record("samekey234567890"))
    assert stored_count(client, tables) == 1
    assert repository.get("samekey234567890") == record("samekey234567890")


def test_another_key_under_a_taken_id_is_refused_and_the_first_stays(
    repository: ApiKeyRepository, client: Any, tables: dict[str, str]
) -> None:
    repository.create(record("takenkey23456789", "a" * 64, name="first"))
    with pytest.raises(KeyIdTaken):
        repository.create(record("takenkey23456789", "b" * 64, name="second"))
    assert stored_count(client, tables) == 1
    stored = repository.get("takenkey23456789")
    assert stored is not None and stored.name == "first" and stored.secret_hash == "a" * 64


def test_the_service_draws_a_new_id_after_a_collision(
    repository: ApiKeyRepository, client: Any, tables: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = tokens.new_key()
    repository.create(record(taken[0]))  # another key already holds the first id drawn
    drawn = [taken, tokens.new_key()]
    monkeypatch.setattr(service_module.tokens, "new_key", lambda: drawn.pop(0))
    created = KeyService(repository).create(ApiKeyIn(name="fresh", scopes=["occupancy:read"]))
    assert created.key_id != taken[0] and not drawn
    assert stored_count(client, tables) == 2
    assert repository.get(taken[0]) == record(taken[0])
