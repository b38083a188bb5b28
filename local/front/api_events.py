"""API Gateway HTTP API (payload v2.0) events for callers without a socket.

The unit tests and the benchmarks call handlers with the event the local gateway would hand
them for the same request: `api_event` matches the template's routes with the gateway's
`Router` and builds the event with the gateway's own `build_event`, so the three share one
builder and cannot drift apart. `every_scope_grant` is what the authorizer passes on for an
every-scope key (the admin key of the tests, the key of the benchmarks).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from urllib.parse import quote, urlencode

from local.front.gateway import Router, build_event
from local.template import Route, load_stack

_ROOT_TEMPLATE = "template.yaml"
# What a decoded path keeps unencoded on the wire: quoting the rest and letting `build_event`
# decode it again gives back the same path, whatever it holds (`%`, spaces, non-ASCII).
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


@cache
def _router() -> Router:
    from local.stack import ROOT

    return Router(load_stack(ROOT / _ROOT_TEMPLATE).routes)


def every_scope_grant(key_id: str = "testadminkey2345", name: str = "unit-test admin") -> dict[str, Any]:
    """`requestContext.authorizer` for a key holding every scope and no limits."""
    from sitepulse.access.models import ApiKeyRecord, grant_context
    from sitepulse.access.scopes import ALL_SCOPES

    record = ApiKeyRecord(
        key_id=key_id,
        name=name,
        scopes=list(ALL_SCOPES),
        secret_hash="0" * 64,
        created_at="2024-01-01T00:00:00Z",
    )
    return {"lambda": grant_context(record)}


def api_event(
    method: str,
    path: str,
    body: Any = None,
    query: dict[str, str] | None = None,
    *,
    route_key: str | None = None,
    path_parameters: dict[str, str] | None = None,
    authorizer: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The event of `method path?query` with `body` (JSON-encoded unless str or bytes).

    The route key and path parameters are the template route's that the path matches (the
    literal `METHOD path` and none when no route does); `route_key` / `path_parameters`
    override them. `authorizer` replaces `requestContext.authorizer` (default: an every-scope
    grant; `{}` leaves it out, as for an open route).
    """
    matched = _router().match(method, quote(path, safe=_PATH_SAFE))
    route, params = matched if matched else (Route(method, path, ""), {})
    if path_parameters is not None:
        params = path_parameters
    target = quote(path, safe=_PATH_SAFE) + (f"?{urlencode(query)}" if query else "")
    raw = body if isinstance(body, bytes) else b"" if body is None else _text(body).encode()
    sent_headers = {"content-type": "application/json", "host": "localhost", "user-agent": "sitepulse-tests"}
    event = build_event(route, params, method, target, {**sent_headers, **(headers or {})}, raw, "127.0.0.1")
    if route_key is not None:
        event["routeKey"] = event["requestContext"]["routeKey"] = route_key
    grant = every_scope_grant() if authorizer is None else authorizer
    if grant:
        event["requestContext"]["authorizer"] = grant
    if body is not None and not raw:
        event["body"] = ""  # an empty body was sent: the handler sees "", not no body
    return event


def _text(body: Any) -> str:
    return body if isinstance(body, str) else json.dumps(body)
