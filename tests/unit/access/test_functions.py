"""The authorizer and key-management functions, as the template declares them, against moto."""

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest

from sitepulse.access import tokens
from sitepulse.access.models import ApiKeyIn, Limits
from sitepulse.access.repository import ApiKeyRepository
from sitepulse.access.service import KeyService
from tests.unit.conftest import http_event, lambda_context

ROOT_EVENTS = __import__("pathlib").Path(__file__).resolve().parents[3] / "events"


@pytest.fixture
def keys(tables: dict[str, str], aws: boto3.Session) -> KeyService:
    return KeyService(ApiKeyRepository(aws.client("dynamodb"), tables["ApiKeysTable"]))


@pytest.fixture
def authorizer(load_function: Callable[[str], ModuleType]) -> ModuleType:
    return load_function("AuthorizerFunction")


@pytest.fixture
def keys_api(load_function: Callable[[str], ModuleType]) -> ModuleType:
    return load_function("KeysApiFunction")


def authorizer_event(key: str | None, route_key: str) -> dict[str, Any]:
    event = json.loads((ROOT_EVENTS / "AuthorizerFunction.json").read_text())
    event["routeKey"] = event["requestContext"]["routeKey"] = route_key
    if key is None:
        event["headers"].pop("authorization")
    else:
        event["headers"]["authorization"] = f"Bearer {key}"
    event["identitySource"] = [event["headers"].get("authorization", ""), route_key]
    return event


def count_dynamodb_calls(module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    client = module.keys._client
    for name in ("get_item", "query", "scan", "batch_get_item", "put_item", "update_item"):
        original = getattr(client, name)

        def spy(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(client, name, spy)
    return calls


def test_authorizer_allows_with_context_in_one_get_item(
    authorizer: ModuleType, keys: KeyService, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = keys.create(
        ApiKeyIn(name="d", scopes=["temperature:write"], limits=Limits(buildings=["viboo"]))
    )
    calls = count_dynamodb_calls(authorizer, monkeypatch)
    route = "POST /api/v1/buildings/{building}/rooms/{room}/temperatures"
    result = authorizer.handler(authorizer_event(created.secret, route), lambda_context())
    assert result["isAuthorized"] is True
    assert result["context"]["key_id"] == created.key_id and result["context"]["status"] == "allow"
    assert json.loads(result["context"]["limits"]) == {"buildings": ["viboo"]}
    assert calls == ["get_item"]
    forbidden = authorizer.handler(authorizer_event(created.secret, "GET /api/sensors"), lambda_context())
    assert forbidden["isAuthorized"] is False
    assert calls == ["get_item", "get_item"]


def test_authorizer_denies_unknown_revoked_and_malformed_keys(
    authorizer: ModuleType, keys: KeyService
) -> None:
    created = keys.create(ApiKeyIn(name="r", scopes=["occupancy:read"]))
    keys.revoke(created.key_id)
    _, unknown = tokens.new_key()
    for key in (created.secret, unknown, "nope"):
        result = authorizer.handler(authorizer_event(key, "GET /api/sensors"), lambda_context())
        assert result["isAuthorized"] is False and not result.get("context")  # fail closed: API Gateway's 403


def test_the_events_file_is_a_valid_authorizer_event(authorizer: ModuleType) -> None:
    event = json.loads((ROOT_EVENTS / "AuthorizerFunction.json").read_text())
    assert authorizer.handler(event, lambda_context())["isAuthorized"] is False


def call(module: ModuleType, event: dict[str, Any]) -> tuple[int, Any]:
    result = module.handler(event, lambda_context())
    body = result.get("body")
    return result["statusCode"], json.loads(body) if body else None


def test_keys_api_creates_lists_and_revokes(keys_api: ModuleType, keys: KeyService) -> None:
    status, created = call(
        keys_api,
        http_event(
            "POST",
            "/api/keys",
            {
                "name": "hotel 1",
                "scopes": ["bookings:write"],
                "limits": {"hotels": [1]},
                "expires_at": "2099-01-01T00:00:00Z",
            },
        ),
    )
    assert status == 201
    assert set(created) == {
        "key_id",
        "secret",
        "name",
        "scopes",
        "limits",
        "created_at",
        "expires_at",
        "revoked_at",
    }
    assert created["limits"] == {"hotels": [1]} and created["expires_at"] == "2099-01-01T00:00:00Z"
    assert tokens.parse_key(created["secret"])[0] == created["key_id"]  # type: ignore[index]

    seen: list[dict[str, Any]] = []
    token = None
    for _ in range(10):
        query = {"limit": "1", **({"next_token": token} if token else {})}
        status, page = call(keys_api, http_event("GET", "/api/keys", query=query))
        assert status == 200
        seen.extend(page["keys"])
        token = page["next_token"]
        if not token:
            break
    assert [k["key_id"] for k in seen] == [created["key_id"]]
    assert "secret" not in json.dumps(seen) and created["secret"] not in json.dumps(seen)
    assert "secret_hash" not in seen[0]

    path = f"/api/keys/{created['key_id']}"
    assert call(keys_api, http_event("DELETE", path))[0] == 204
    assert call(keys_api, http_event("DELETE", path))[0] == 204  # idempotent
    stored = keys.list(10, None).keys[0]
    assert stored.revoked_at is not None
    assert call(keys_api, http_event("DELETE", "/api/keys/aaaaaaaaaaaaaaaa"))[0] == 404
    assert call(keys_api, http_event("DELETE", "/api/keys/not-a-key-id"))[0] == 422


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "scopes": []},
        {"name": "x", "scopes": ["root"]},
        {"name": "x", "scopes": ["admin", "admin"]},
        {"name": "", "scopes": ["admin"]},
        {"name": "x\n", "scopes": ["admin"]},
        {"name": "x", "scopes": ["admin"], "expires_at": "2001-01-01T00:00:00Z"},
        {"name": "x", "scopes": ["admin"], "expires_at": "soon"},
        {"name": "x", "scopes": ["admin"], "limits": {"hotels": []}},
        {"name": "x", "scopes": ["admin"], "limits": {"hotels": ["1"]}},
        {"name": "x", "scopes": ["admin"], "limits": {"planets": ["mars"]}},
        {"name": "x", "scopes": ["admin"], "limits": {"sensors": ["a/b"]}},
        {"name": "x", "scopes": ["admin"], "extra": 1},
    ],
)
def test_keys_api_rejects_bad_requests_with_422_and_stores_nothing(
    keys_api: ModuleType, keys: KeyService, body: dict[str, Any]
) -> None:
    status, answer = call(keys_api, http_event("POST", "/api/keys", body))
    assert status == 422, answer
    assert keys.list(10, None).keys == []


def test_the_keys_api_events_file_creates_a_key(keys_api: ModuleType, keys: KeyService) -> None:
    event = json.loads((ROOT_EVENTS / "KeysApiFunction.json").read_text())
    status, created = call(keys_api, event)
    assert status == 201 and created["limits"] == {"buildings": ["viboo"]}


def test_keys_api_needs_the_admin_scope(keys_api: ModuleType) -> None:
    from tests.unit.access.test_edge import context_for

    event = http_event("GET", "/api/keys", authorizer=context_for(["occupancy:read"]))
    assert call(keys_api, event)[0] == 403
