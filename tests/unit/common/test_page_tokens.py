"""The token secret's key ring: fetched lazily, cached per container, AWSPREVIOUS only on a miss,
refreshes rate-limited; and rotation through Secrets Manager itself (moto)."""

from __future__ import annotations

import boto3
import pytest

from sitepulse.common import page_tokens
from sitepulse.common.page_tokens import CURRENT, PREVIOUS, SecretKeyRing, secrets_manager_fetch


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Store:
    def __init__(self, current: bytes, previous: bytes | None = None) -> None:
        self.stages: dict[str, bytes | None] = {CURRENT: current, PREVIOUS: previous}
        self.calls: list[str] = []

    def __call__(self, stage: str) -> bytes | None:
        self.calls.append(stage)
        return self.stages[stage]


def test_one_fetch_at_first_use_then_cached_for_the_ttl() -> None:
    store, clock = Store(b"one"), Clock()
    ring = SecretKeyRing(store, ttl=300, min_refresh=10, clock=clock)
    assert store.calls == []  # nothing at construction (never during init / in a snapshot)
    assert ring.sealing_key() == b"one" and ring.sealing_key() == b"one"
    assert store.calls == [CURRENT]
    clock.now += 301
    ring.sealing_key()
    assert store.calls == [CURRENT, CURRENT]


def test_previous_is_fetched_only_when_the_current_does_not_open() -> None:
    store, clock = Store(b"new", b"old"), Clock()
    ring = SecretKeyRing(store, clock=clock)
    assert next(ring.opening_keys()) == b"new" and store.calls == [CURRENT]
    assert list(ring.opening_keys()) == [b"new", b"old"]
    assert store.calls == [CURRENT, PREVIOUS]  # the forced refresh is rate-limited (just fetched)


def test_a_version_this_container_has_not_seen_is_picked_up_at_most_every_min_refresh() -> None:
    store, clock = Store(b"v1"), Clock()
    ring = SecretKeyRing(store, ttl=300, min_refresh=10, clock=clock)
    ring.sealing_key()
    store.stages = {CURRENT: b"v2", PREVIOUS: b"v1"}  # another container already rotated in
    clock.now += 11
    assert list(ring.opening_keys()) == [b"v1", b"v2"]
    calls = len(store.calls)
    list(ring.opening_keys())  # a forged token right after: no new fetch
    assert len(store.calls) == calls


def test_rotation_through_secrets_manager_keeps_old_tokens_valid(aws: boto3.Session) -> None:
    client = aws.client("secretsmanager")
    arn = client.create_secret(Name="page-token-test", SecretString="first-secret-value")["ARN"]
    from sitepulse.common.pagination import Listing

    listing = Listing("things", {"pk": "S"})
    key = {"pk": {"S": "THING#1"}}
    page_tokens.use_keys(SecretKeyRing(secrets_manager_fetch(arn, client)))
    old = listing.token(key, None)
    assert old is not None
    client.put_secret_value(SecretId=arn, SecretString="second-secret-value")
    page_tokens.use_keys(SecretKeyRing(secrets_manager_fetch(arn, client)))  # a fresh container
    assert listing.start_key(old, None, {"pk": "THING#1"}) == key
    new = listing.token(key, None)
    assert new != old
    client.put_secret_value(SecretId=arn, SecretString="third-secret-value")
    page_tokens.use_keys(SecretKeyRing(secrets_manager_fetch(arn, client)))
    from sitepulse.common.errors import InvalidInputError

    with pytest.raises(InvalidInputError):
        listing.start_key(old, None, {"pk": "THING#1"})
    assert listing.start_key(new, None, {"pk": "THING#1"}) == key
