"""The access check every API function runs at its HTTP edge, before any work.

The Lambda authorizer already refused every request without a valid key holding the
route's scope (API Gateway's 403, no function runs). This edge is defence in depth: it
reads the grant the authorizer put in `requestContext.authorizer.lambda` and
- no grant on a protected route (a misconfigured API) → 403, fail closed;
- a grant whose `expires_at` has passed since the authorizer cached it → 403;
- a grant without the route's scope → 403;
- a path parameter, query parameter or top-level body field naming a resource outside
  the key's limits (sensor prefixes, buildings, hotel ids) → 403, nothing stored.
The body is not parsed here: the HTTP edge (`sitepulse.common.http`) parses it once and hands
its top-level fields over (`body_fields`), asked only for a key with limits; Powertools'
validation then reuses that same parse.
Then it records the grant for the request, so listings can show only what the key may see
(`current_grant()`), and tags every log line with the key id (never the secret).
"""

import json
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from sitepulse.access.models import Grant, Limits, grant_from_context
from sitepulse.access.scopes import is_public, scope_of
from sitepulse.common.observability import logger
from sitepulse.common.pagination import bind_caller
from sitepulse.common.timestamps import utc_now

# Request field name → the kind of limit it falls under, wherever it appears
# (path parameter, query parameter or top-level body field).
LIMITED_FIELDS: dict[str, str] = {"sensor": "sensors", "building": "buildings", "hotel_id": "hotels"}

FORBIDDEN = "Forbidden"
EXPIRED_MESSAGE = "Forbidden: API key expired"

_current_grant: ContextVar[Grant | None] = ContextVar("sitepulse_grant", default=None)


def current_grant() -> Grant | None:
    """The grant of the request being handled (None on public routes)."""
    return _current_grant.get()


def current_limits() -> Limits:
    grant = _current_grant.get()
    return grant.limits if grant else Limits()


def _answer(status: int, message: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"message": message}),
        "isBase64Encoded": False,
    }


def route_key_of(event: dict[str, Any]) -> str:
    return str(event.get("routeKey") or (event.get("requestContext") or {}).get("routeKey") or "")


BodyFields = Callable[[], Mapping[str, Any]]
"""The request body's top-level fields, from the HTTP edge's one parse ({} without a JSON object)."""


def access_problem(event: dict[str, Any], body_fields: BodyFields) -> dict[str, Any] | None:
    """The 403 response for a request this key may not make, else None (and the grant is set).
    `body_fields` is called only for a key with limits, after its scope was checked."""
    _current_grant.set(None)
    bind_caller("")
    logger.remove_keys(["key_id"])
    route_key = route_key_of(event)
    if is_public(route_key):
        return None
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    context = authorizer.get("lambda") if isinstance(authorizer, dict) else None
    if not isinstance(context, dict) or context.get("status") != "allow":
        logger.warning("request refused", extra={"route": route_key, "reason": "no grant", "status": 403})
        return _answer(403, FORBIDDEN)
    if context.get("key_id"):
        logger.append_keys(key_id=context["key_id"])
    try:
        grant = grant_from_context(context)
    except ValueError:
        return _answer(403, FORBIDDEN)
    if grant.expires_at is not None and grant.expires_at <= utc_now():
        # The authorizer's cached decision may outlive the key's expiry: expiry is exact here.
        logger.info("request refused", extra={"route": route_key, "reason": "expired", "status": 403})
        return _answer(403, EXPIRED_MESSAGE)
    scope = scope_of(route_key)
    if scope is None or scope not in grant.scopes:
        return _answer(403, f"Forbidden: this API key lacks the scope {scope or 'for this route'}")
    outside = outside_limits(grant.limits, event, body_fields)
    if outside is not None:
        logger.info("request refused", extra={"route": route_key, "reason": "limits", "status": 403})
        return _answer(403, f"Forbidden: this API key may not access {outside}")
    _current_grant.set(grant)
    bind_caller(grant.key_id)  # this request's page tokens are bound to its key
    return None


def _allowed(limits: Limits, kind: str, value: Any) -> bool:
    allowed = getattr(limits, kind)
    if allowed is None:
        return True
    if kind == "hotels":
        return _as_hotel_id(value) in allowed
    if not isinstance(value, str):
        return False
    if kind == "sensors":
        return any(value.startswith(prefix) for prefix in allowed)
    return value in allowed


def _as_hotel_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _request_fields(event: dict[str, Any], body_fields: BodyFields) -> list[tuple[str, str, Any]]:
    fields: list[tuple[str, str, Any]] = []
    for name, value in (event.get("pathParameters") or {}).items():
        fields.append(("path", name, value))
    for name, value in (event.get("queryStringParameters") or {}).items():
        # A repeated parameter arrives comma-joined: every part must be allowed.
        parts = [value, *value.split(",")] if isinstance(value, str) and "," in value else [value]
        fields.extend(("query", name, part) for part in parts)
    for name, value in body_fields().items():
        fields.append(("body", name, value))
    return fields


def outside_limits(limits: Limits, event: dict[str, Any], body_fields: BodyFields) -> str | None:
    """A description of the first resource the request names outside the key's limits."""
    if limits.is_empty():
        return None
    for where, name, value in _request_fields(event, body_fields):
        kind = LIMITED_FIELDS.get(name)
        if kind and not _allowed(limits, kind, value):
            return f"{name} {json.dumps(value)[:140]} ({where})"
    return None
