"""The authorizer's decision: fail closed (isAuthorized false) for every bad key and a missing scope."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from sitepulse.access import tokens
from sitepulse.access.decision import decide
from sitepulse.access.models import ApiKeyRecord, Limits, grant_from_context

NOW = datetime(2025, 1, 1, tzinfo=UTC)
ROUTE = "GET /api/sensors"


def make_key(**overrides: object) -> tuple[str, ApiKeyRecord]:
    key_id, key = tokens.new_key()
    fields = {
        "key_id": key_id,
        "name": "k",
        "scopes": ["occupancy:read"],
        "limits": Limits(sensors=["room-"]),
        "secret_hash": tokens.hash_secret(tokens.parse_key(key)[1]),  # type: ignore[index]
        "created_at": NOW - timedelta(days=1),
        **overrides,
    }
    return key, ApiKeyRecord(**fields)  # type: ignore[arg-type]


class Lookup:
    def __init__(self, *records: ApiKeyRecord) -> None:
        self.records = {r.key_id: r for r in records}
        self.calls = 0

    def __call__(self, key_id: str) -> ApiKeyRecord | None:
        self.calls += 1
        return self.records.get(key_id)


def test_valid_key_with_the_scope_is_allowed_with_its_grant_in_the_context() -> None:
    key, record = make_key(expires_at=NOW + timedelta(days=1))
    lookup = Lookup(record)
    decision = decide(f"Bearer {key}", ROUTE, NOW, lookup)
    assert decision.authorized and decision.outcome == "allow"
    assert lookup.calls == 1
    assert all(isinstance(v, str) for v in decision.context.values())  # simple responses: flat context
    grant = grant_from_context(decision.context)
    assert grant.key_id == record.key_id and grant.scopes == {"occupancy:read"}
    assert grant.limits.sensors == ["room-"] and grant.expires_at == NOW + timedelta(days=1)
    assert key not in str(decision.context) and tokens.parse_key(key)[1] not in str(decision.context)  # type: ignore[index]


@pytest.mark.parametrize(
    ("header", "reason"),
    [("Bearer garbage", "malformed"), ("Basic abc", "malformed"), ("", "malformed"), (None, "malformed")],
)
def test_malformed_credentials_are_denied_without_a_lookup(header: str | None, reason: str) -> None:
    lookup = Lookup()
    decision = decide(header, ROUTE, NOW, lookup)
    assert not decision.authorized and decision.reason == reason and decision.context == {}
    assert decision.outcome == f"deny:{reason}"
    assert lookup.calls == 0


def test_unknown_key_and_wrong_secret_look_the_same() -> None:
    key, record = make_key()
    other_key, _ = make_key()
    forged = f"sp_{record.key_id}_{tokens.parse_key(other_key)[1]}"  # type: ignore[index]
    for header, lookup in ((f"Bearer {key}", Lookup()), (f"Bearer {forged}", Lookup(record))):
        decision = decide(header, ROUTE, NOW, lookup)
        assert not decision.authorized and decision.reason == "unknown" and decision.key_id == ""
        assert decision.context == {} and lookup.calls == 1


def test_revoked_and_expired_keys_are_denied_even_with_the_scope() -> None:
    key, revoked = make_key(revoked_at=NOW - timedelta(seconds=1))
    decision = decide(f"Bearer {key}", ROUTE, NOW, Lookup(revoked))
    assert not decision.authorized and decision.reason == "revoked" and decision.key_id == revoked.key_id
    key, expired = make_key(expires_at=NOW)
    decision = decide(f"Bearer {key}", ROUTE, NOW, Lookup(expired))
    assert not decision.authorized and decision.reason == "expired" and decision.context == {}


def test_missing_scope_and_unknown_routes_are_refused() -> None:
    key, record = make_key()
    for route in ("POST /api/webhook", "GET /api/keys", "GET /not/in/the/table"):
        decision = decide(f"Bearer {key}", route, NOW, Lookup(record))
        assert not decision.authorized and decision.outcome == "deny:scope" and decision.context == {}


@pytest.mark.parametrize(("given", "kept"), [("1", 1), ("200.0", 200), ("2e2", 200)])
def test_hotel_limits_are_json_integers(given: str, kept: int) -> None:
    assert Limits.model_validate_json(f'{{"hotels": [{given}]}}').hotels == [kept]


@pytest.mark.parametrize("given", ["true", '"1"', "1.5", "0"])
def test_hotel_limits_refuse_what_is_not_a_hotel_id(given: str) -> None:
    with pytest.raises(ValidationError):
        Limits.model_validate_json(f'{{"hotels": [{given}]}}')
