"""What every API benchmark needs: the environment, a Lambda context, payload v2 events (the
local gateway's, `local.front.api_events`), and DynamoDB's item-size rule for estimating capacity units."""

from __future__ import annotations

import os
from typing import Any

from local.aws import moto_fast_reads
from local.front.api_events import api_event as build_api_event
from local.front.api_events import every_scope_grant
from local.lambdas.inprocess import LambdaContext, merged_environment
from local.template import Stack

CONTEXT = LambdaContext(
    "bench", 512, 15, "bench-request", "arn:aws:lambda:us-east-1:123456789012:function:bench"
)


def bench_environment(stack: Stack) -> None:
    """The functions' environment, moto in-process (never an endpoint), quiet Powertools."""
    moto_fast_reads.install()  # moto reads one partition per query, item reads as plain JSON
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
    method: str, path: str, body: Any = None, query: dict[str, str] | None = None, **kwargs: Any
) -> dict[str, Any]:
    """The local gateway's event for this request (`local.front.api_events.api_event`), authorized as
    the benchmarks' every-scope key."""
    grant = every_scope_grant(key_id="benchkey2345abcd", name="bench")
    return build_api_event(method, path, body, query, authorizer=grant, **kwargs)


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
