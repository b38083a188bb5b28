"""The API docs function: the merged OpenAPI document and a Swagger UI page built once."""

from __future__ import annotations

import json
from typing import Any

from tests.unit.conftest import http_event, lambda_context


def _get(docs: Any, path: str) -> dict[str, Any]:
    response: dict[str, Any] = docs.handler(http_event("GET", path, authorizer={}), lambda_context())
    return response


def test_the_document_is_served_without_building_the_swagger_page(load_function: Any) -> None:
    docs = load_function("ApiDocsFunction")
    response = _get(docs, "/api/openapi.json")
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["openapi"].startswith("3.")
    assert docs.swagger_page.cache_info().currsize == 0


def test_the_swagger_page_is_built_on_the_first_request_then_reused(load_function: Any) -> None:
    docs = load_function("ApiDocsFunction")
    first, second = _get(docs, "/api/docs"), _get(docs, "/api/docs")
    assert first["statusCode"] == second["statusCode"] == 200
    assert first["headers"]["Content-Type"] == "text/html"
    assert first["body"] == second["body"] and "SwaggerUIBundle" in first["body"]
    info = docs.swagger_page.cache_info()
    assert (info.misses, info.hits) == (1, 1)
