"""A request body is parsed once, at the edge: Powertools' validation reuses that parse."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from pydantic import BaseModel

from sitepulse.access.models import Limits
from sitepulse.common.http import create_app, lambda_entry
from tests.unit.conftest import http_event, lambda_context


class Reading(BaseModel):
    sensor: str
    count: int


@pytest.fixture
def handler() -> Any:
    app = create_app()

    @app.post("/api/webhook")
    def post(reading: Reading) -> dict[str, Any]:
        return {"sensor": reading.sensor, "count": reading.count}

    return lambda_entry(app)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every json.loads of a request body (a str holding "sensor"), whoever makes it."""
    seen: list[str] = []
    original = json.loads

    def counting(text: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(text, str) and '"sensor"' in text:
            seen.append(text)
        return original(text, *args, **kwargs)

    monkeypatch.setattr(json, "loads", counting)
    return seen


def test_a_valid_body_is_parsed_once(handler: Any, parses: list[str]) -> None:
    body = json.dumps({"sensor": "s1", "count": 3})
    answer = handler(http_event("POST", "/api/webhook", body), lambda_context())
    assert answer["statusCode"] == 200, answer
    assert parses == [body]
    assert json.loads(answer["body"]) == {"sensor": "s1", "count": 3}


def test_a_base64_body_is_parsed_once_too(handler: Any, parses: list[str]) -> None:
    text = json.dumps({"sensor": "s2", "count": 4})
    event = http_event("POST", "/api/webhook", text)
    event["body"], event["isBase64Encoded"] = base64.b64encode(text.encode()).decode(), True
    answer = handler(event, lambda_context())
    assert answer["statusCode"] == 200, answer
    assert parses == [text]


def test_validation_still_sees_the_body(handler: Any, parses: list[str]) -> None:
    event = http_event("POST", "/api/webhook", {"sensor": "s3", "count": "many"})
    answer = handler(event, lambda_context())
    assert answer["statusCode"] == 422, answer
    assert "count" in answer["body"]
    assert len(parses) == 1


def test_an_earlier_invocations_body_is_never_reused(handler: Any) -> None:
    first = http_event("POST", "/api/webhook", {"sensor": "a", "count": 1})
    second = http_event("POST", "/api/webhook", {"sensor": "b", "count": 2})
    assert json.loads(handler(first, lambda_context())["body"])["sensor"] == "a"
    assert json.loads(handler(second, lambda_context())["body"])["sensor"] == "b"


def limited(prefixes: list[str]) -> dict[str, Any]:
    """A grant limited to these sensor prefixes: the access edge reads the body's fields."""
    from tests.unit.access.test_edge import context_for

    return context_for(["occupancy:write"], Limits(sensors=prefixes))


def test_a_limited_keys_body_is_parsed_once_for_its_limits_and_the_route(
    handler: Any, parses: list[str]
) -> None:
    body = json.dumps({"sensor": "s1", "count": 3})
    answer = handler(http_event("POST", "/api/webhook", body, authorizer=limited(["s"])), lambda_context())
    assert answer["statusCode"] == 200, answer
    assert parses == [body]


def test_a_limited_keys_body_outside_its_limits_is_403_after_one_parse(
    handler: Any, parses: list[str]
) -> None:
    body = json.dumps({"sensor": "hall-1", "count": 3})
    answer = handler(http_event("POST", "/api/webhook", body, authorizer=limited(["s"])), lambda_context())
    assert answer["statusCode"] == 403 and "may not access sensor" in answer["body"], answer
    assert parses == [body]


def test_a_limited_keys_base64_body_is_checked_from_the_same_parse(handler: Any, parses: list[str]) -> None:
    text = json.dumps({"sensor": "hall-2", "count": 1})
    event = http_event("POST", "/api/webhook", text, authorizer=limited(["s"]))
    event["body"], event["isBase64Encoded"] = base64.b64encode(text.encode()).decode(), True
    assert handler(event, lambda_context())["statusCode"] == 403
    assert parses == [text]


def test_a_keys_body_is_not_read_when_the_key_lacks_the_scope(handler: Any, parses: list[str]) -> None:
    from tests.unit.access.test_edge import context_for

    authorizer = context_for(["occupancy:read"], Limits(sensors=["s"]))
    event = http_event("POST", "/api/webhook", {"sensor": "s1", "count": 1}, authorizer=authorizer)
    assert handler(event, lambda_context())["statusCode"] == 403
    assert parses == []


def test_a_limited_keys_malformed_or_oversized_body_is_still_400_or_413(handler: Any) -> None:
    event = http_event("POST", "/api/webhook", authorizer=limited(["s"]))
    event["body"] = '{"sensor": "s1", '
    assert handler(event, lambda_context())["statusCode"] == 400
    event = http_event("POST", "/api/webhook", authorizer=limited(["s"]))
    event["body"] = json.dumps({"sensor": "hall", "pad": "x" * (300 * 1024)})
    assert handler(event, lambda_context())["statusCode"] == 413
