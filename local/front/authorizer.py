"""API Gateway HTTP API's Lambda authorizer step, as the local gateway runs it.

For a route with an authorizer (template.yaml `Auth`), exactly what HTTP API does:
- an identity source missing or empty → `401 {"message":"Unauthorized"}`, the authorizer
  function is not invoked;
- otherwise the decision cached for these identity values (the key AND `$context.routeKey`)
  is reused until its TTL ends, else the authorizer function from the template is invoked
  through the function runtime with a payload 2.0 authorizer event;
- `isAuthorized: false` → `403 {"message":"Forbidden"}`; the function raised, timed out or
  answered something that is not a simple response → `500 {"message":"Internal Server Error"}`
  (not cached);
- `isAuthorized: true` → the context is injected as `requestContext.authorizer.lambda`.

The TTL is the template's `ReauthorizeEvery`; `SITEPULSE_AUTH_TTL=<seconds>` shortens it locally
(e.g. to watch a revoked key stop quickly).
"""

from __future__ import annotations

import copy
import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from local.lambdas.workers import FunctionError
from local.template import ACCOUNT, REGION, Authorizer, Route, Stack

Answer = tuple[int, dict[str, str], bytes]
TTL_ENV = "SITEPULSE_AUTH_TTL"
MAX_CACHE_ENTRIES = 10_000


class Runtime(Protocol):
    def invoke(self, name_or_arn: str, event: Any) -> Any: ...


def _json_answer(status: int, message: str) -> Answer:
    return status, {"content-type": "application/json"}, json.dumps({"message": message}).encode()


UNAUTHORIZED = _json_answer(401, "Unauthorized")
FORBIDDEN = _json_answer(403, "Forbidden")
INTERNAL_ERROR = _json_answer(500, "Internal Server Error")


def identity_values(sources: list[str], event: dict[str, Any]) -> list[str] | None:
    """The values of the identity sources in order, or None when one is missing or empty."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    context = event.get("requestContext") or {}
    values: list[str] = []
    for source in sources:
        value: Any = None
        if source.startswith("$request.header."):
            value = headers.get(source.removeprefix("$request.header.").lower())
        elif source.startswith("$request.querystring."):
            value = (event.get("queryStringParameters") or {}).get(
                source.removeprefix("$request.querystring.")
            )
        elif source.startswith("$context."):
            value = context.get(source.removeprefix("$context."))
        elif source.startswith("$stageVariables."):
            value = (event.get("stageVariables") or {}).get(source.removeprefix("$stageVariables."))
        if value is None or str(value) == "":
            return None
        values.append(str(value))
    return values


def authorizer_event(event: dict[str, Any], identity: list[str]) -> dict[str, Any]:
    """The payload 2.0 authorizer event HTTP API sends for this request."""
    context = event.get("requestContext") or {}
    http = context.get("http") or {}
    route_arn = (
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{context.get('apiId', 'local')}/"
        f"{context.get('stage', '$default')}/{http.get('method', 'GET')}{http.get('path', '/')}"
    )
    payload: dict[str, Any] = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": route_arn,
        "identitySource": identity,
        "routeKey": event.get("routeKey"),
        "rawPath": event.get("rawPath"),
        "rawQueryString": event.get("rawQueryString", ""),
        "headers": dict(event.get("headers") or {}),
        "requestContext": copy.deepcopy(context),
    }
    for name in ("cookies", "queryStringParameters", "pathParameters", "stageVariables"):
        if name in event:
            payload[name] = copy.deepcopy(event[name])
    return payload


def _simple_response(result: Any) -> tuple[bool, dict[str, Any]] | None:
    if not isinstance(result, dict) or not isinstance(result.get("isAuthorized"), bool):
        return None
    context = result.get("context") or {}
    if not isinstance(context, dict):
        return None
    return result["isAuthorized"], context


class LocalAuthorizer:
    """`authorize(route, event)` for `GatewayServer`: None lets the request through."""

    def __init__(
        self,
        stack: Stack,
        runtime: Runtime,
        ttl_override: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self._authorizers: dict[str, Authorizer] = stack.authorizers
        self._runtime = runtime
        env_ttl = os.environ.get(TTL_ENV)
        self._ttl_override = ttl_override if ttl_override is not None else (int(env_ttl) if env_ttl else None)
        self._clock = clock
        self._log = log
        self._cache: dict[tuple[str, tuple[str, ...]], tuple[float, bool, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self.invocations = 0  # authorizer function calls (cache misses), for tests and benchmarks

    def ttl(self, authorizer: Authorizer) -> int:
        """The template's TTL; the local override can only shorten it."""
        if self._ttl_override is None:
            return authorizer.ttl_seconds
        return max(0, min(self._ttl_override, authorizer.ttl_seconds))

    def __call__(self, route: Route, event: dict[str, Any]) -> Answer | None:
        if route.authorizer is None:
            return None
        authorizer = self._authorizers.get(route.authorizer)
        if authorizer is None:
            return INTERNAL_ERROR  # the template names an authorizer it does not declare
        identity = identity_values(authorizer.identity_sources, event)
        if identity is None:
            return UNAUTHORIZED
        decision = self._decide(authorizer, identity, event)
        if decision is None:
            return INTERNAL_ERROR
        authorized, context = decision
        if not authorized:
            return FORBIDDEN
        event.setdefault("requestContext", {})["authorizer"] = {"lambda": copy.deepcopy(context)}
        return None

    def _decide(
        self, authorizer: Authorizer, identity: list[str], event: dict[str, Any]
    ) -> tuple[bool, dict[str, Any]] | None:
        key = (authorizer.name, tuple(identity))
        ttl = self.ttl(authorizer)
        now = self._clock()
        if ttl > 0:
            with self._lock:
                cached = self._cache.get(key)
            if cached is not None and cached[0] > now:
                return cached[1], cached[2]
        self.invocations += 1
        try:
            result = self._runtime.invoke(authorizer.function, authorizer_event(event, identity))
        except FunctionError:
            return None
        decision = _simple_response(result) if authorizer.simple_responses else None
        if decision is None:
            if self._log:
                self._log(f"authorizer {authorizer.name}: not a simple response → 500")
            return None
        if ttl > 0:
            with self._lock:
                if len(self._cache) >= MAX_CACHE_ENTRIES:
                    self._evict(now)
                self._cache[key] = (now + ttl, decision[0], decision[1])
        return decision

    def _evict(self, now: float) -> None:
        expired = [key for key, (until, *_) in self._cache.items() if until <= now]
        for key in expired or list(self._cache)[: MAX_CACHE_ENTRIES // 10]:
            del self._cache[key]
