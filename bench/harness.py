"""What every API benchmark needs: the environment, a Lambda context, payload v2 events,
and DynamoDB's item-size rule for estimating capacity units."""

from __future__ import annotations

import json
import os
from typing import Any

from local import moto_patches
from local.inprocess import LambdaContext, merged_environment
from local.template import Stack

CONTEXT = LambdaContext(
    "bench", 512, 15, "bench-request", "arn:aws:lambda:us-east-1:123456789012:function:bench"
)


def bench_environment(stack: Stack) -> None:
    """The functions' environment, moto in-process (never an endpoint), quiet Powertools."""
    moto_patches.install()  # moto reads one partition per query, item reads as plain JSON
    os.environ.update(merged_environment(stack))
    os.environ.update(
        {
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
        }
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)


def api_event(
    method: str,
    path: str,
    body: Any = None,
    query: dict[str, str] | None = None,
    route: str | None = None,
    params: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API payload v2.0 event, authorized as an every-scope key (the context
    the authorizer passes), with the template's route key and path parameters."""
    if route is None:
        route, matched_params = _template_route(method, path)
        params = params or matched_params or None
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "http": {"method": method, "path": path},
            "requestId": "bench",
            "routeKey": route,
            "stage": "$default",
            "authorizer": {"lambda": bench_key_context()},
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = query
    if params:
        event["pathParameters"] = params
    if body is not None:
        event["body"] = json.dumps(body)
    return event


_router: Any = None


def _template_route(method: str, path: str) -> tuple[str, dict[str, str]]:
    global _router
    if _router is None:
        from local.gateway import Router
        from local.stack import ROOT
        from local.template import load_stack

        _router = Router(load_stack(ROOT / "template.yaml").routes)
    matched = _router.match(method, path)
    return (matched[0].route_key, matched[1]) if matched else (f"{method} {path}", {})


def bench_key_context() -> dict[str, str]:
    from sitepulse.access.models import ApiKeyRecord, grant_context
    from sitepulse.access.scopes import ALL_SCOPES

    record = ApiKeyRecord(
        key_id="benchkey2345abcd",
        name="bench",
        scopes=list(ALL_SCOPES),
        secret_hash="0" * 64,
        created_at="2024-01-01T00:00:00Z",
    )
    return grant_context(record)


def _attribute_bytes(value: dict[str, Any]) -> int:
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(inner.encode())
    if kind == "N":  # ~1 byte per 2 significant digits + 1
        return (len(inner.lstrip("-").replace(".", "").strip("0")) + 1) // 2 + 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + _attribute_bytes(v) for k, v in inner.items())
    if kind == "L":
        return 3 + sum(1 + _attribute_bytes(v) for v in inner)
    return 1


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB's item size: attribute names plus values."""
    return sum(len(name.encode()) + _attribute_bytes(value) for name, value in item.items())
