"""Authorizer cost per request: uncached (the AuthorizerFunction runs: one GetItem) and cached
(API Gateway's cache, emulated by the local stack's LocalAuthorizer: no invocation at all),
plus the function edge's access check every routed request pays."""

from __future__ import annotations

import statistics
import time
from typing import Any

import boto3
from moto import mock_aws

from bench.cost import CostMeter
from bench.harness import CONTEXT, api_event, bench_environment
from local.aws.provision import create_table
from local.front.authorizer import LocalAuthorizer
from local.lambdas.inprocess import load_handler_module
from local.stack import ROOT
from local.template import load_stack

ROUTE = "GET /api/sensors"
REPEAT = 200


def _median_ms(call: Any, repeat: int = REPEAT) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def run() -> None:
    stack = load_stack(ROOT / "template.yaml")
    bench_environment(stack)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, stack.tables["ApiKeysTable"])
        layers = [stack.root / "layers"]
        authorizer = load_handler_module(stack.functions["AuthorizerFunction"], layers)
        from sitepulse.access.edge import access_problem
        from sitepulse.access.models import ApiKeyIn
        from sitepulse.access.repository import ApiKeyRepository
        from sitepulse.access.service import KeyService

        key = KeyService(ApiKeyRepository(client, stack.tables["ApiKeysTable"].name)).create(
            ApiKeyIn(name="bench", scopes=["occupancy:read"])
        )
        meter = CostMeter(authorizer.keys._client)
        request = api_event("GET", "/api/sensors")
        request["headers"]["authorization"] = f"Bearer {key.secret}"
        auth_event = {
            "version": "2.0",
            "type": "REQUEST",
            "routeArn": "arn:aws:execute-api:us-east-1:123456789012:bench/$default/GET/api/sensors",
            "identitySource": [request["headers"]["authorization"], ROUTE],
            "routeKey": ROUTE,
            "rawPath": "/api/sensors",
            "rawQueryString": "",
            "headers": request["headers"],
            "requestContext": request["requestContext"],
        }

        meter.reset()
        assert authorizer.handler(auth_event, CONTEXT)["isAuthorized"] is True  # noqa: S101 — a development-tool invariant (never run in Lambda), not input validation
        requests = dict(meter.requests)
        uncached = _median_ms(lambda: authorizer.handler(auth_event, CONTEXT))

        class Runtime:
            def invoke(self, name: str, event: Any) -> Any:
                return authorizer.handler(event, CONTEXT)

        gateway = LocalAuthorizer(stack, Runtime(), ttl_override=300)
        route = next(r for r in stack.routes if r.route_key == ROUTE)
        assert gateway(route, dict(request)) is None  # first call fills the cache  # noqa: S101 — a development-tool invariant (never run in Lambda), not input validation
        cached = _median_ms(lambda: gateway(route, dict(request)))
        edge = _median_ms(lambda: access_problem(request, dict))  # a GET: no body fields

        print(f"{'step':<44} {'DynamoDB requests':>17} {'median ms':>10} {'p95 ms':>8}")
        rows = [
            ("authorizer, uncached (function invoked)", requests, uncached),
            ("authorizer, cached (same key and route)", {}, cached),
            ("function edge access check (every request)", {}, edge),
        ]
        for label, calls, (median, p95) in rows:
            print(f"{label:<44} {calls!s:>17} {median:>10.3f} {p95:>8.3f}")
        print(
            f"authorizer invocations for {REPEAT + 1} cached requests: {gateway.invocations}.\n"
            "uncached: the handler in-process against moto (moto's GetItem is not DynamoDB's: on AWS\n"
            "add the Lambda invocation and a DynamoDB GetItem; a cold start is paid once per container).\n"
            f"cached: API Gateway answers from its cache for the TTL (template: {route.authorizer} "
            f"{stack.authorizers[route.authorizer].ttl_seconds} s); locally a dict lookup."  # type: ignore[index]
        )


if __name__ == "__main__":
    run()
