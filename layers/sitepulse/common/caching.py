"""HTTP caching of the API's reads: one rule at the HTTP edge (`sitepulse.common.http`), one
policy per route.

Every `GET` that answers 200 gets a strong `ETag` (a hash of the exact body bytes; weak for a
body that echoes the clock, see `CachePolicy.clock_fields`), the route's
`Cache-Control` and `Vary: Authorization`; a request whose `If-None-Match` names that tag (or
`*`) gets 304 with no body and the same three headers. Dashboards poll: a 304 saves the body
and the client's parsing, and costs the same reads on our side, so correctness never depends
on it.

Why (almost) everything is `private, no-cache`: an answer depends on the key (a key limited to
some sensors lists only those), so no shared cache may keep it; and no read can promise it will
not change for a while — "now" reads move with every write, a past window changes when a late
reading arrives, a report progresses, a key can be revoked. `no-cache` lets the client keep the
body and revalidate it every time, which is exactly what the ETag is for.

A route that *does* something (`GET /trigger_report` starts a report) is `no-store` and never
answers 304; errors are `no-store` and carry no ETag (a 404 now may be a 200 later).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ETAG_HEADER = "ETag"
CACHE_CONTROL_HEADER = "Cache-Control"
VARY_HEADER = "Vary"
IF_NONE_MATCH = "if-none-match"  # request headers arrive lower-cased in the v2 event
VARY = "Authorization"
NO_STORE = "no-store"
REVALIDATE = "private, no-cache"
_CACHED_METHODS = frozenset({"GET", "HEAD"})
# One entity-tag of an If-None-Match list: an optional weakness flag, then the quoted opaque tag.
_ENTITY_TAG = re.compile(r'(?:W/)?("[\x21\x23-\x7e\x80-\xff]*")')


@dataclass(frozen=True)
class CachePolicy:
    """How one GET route may be cached. `validated`: it gets an ETag and honours If-None-Match.

    `clock_fields`: top-level body fields that echo the clock (a window ending "now"). They
    differ on every request while the answer itself does not, so the tag is computed without
    them and is weak (`W/"…"`): it says "the same answer", not "the same bytes"."""

    cache_control: str
    why: str
    validated: bool = True
    clock_fields: tuple[str, ...] = ()


_NOW = "answers the current state, which any write changes"
_WINDOW = "a past window still changes when a late reading arrives"
_LISTING = "a new item can appear at any moment; page tokens are deterministic, so pages revalidate"

# Every GET route of the API (template route keys). A route missing here is refused by a test.
ROUTE_POLICIES: dict[str, CachePolicy] = {
    "GET /api/sensors": CachePolicy(REVALIDATE, _LISTING),
    "GET /api/sensors/{sensor}/occupancy": CachePolicy(REVALIDATE, f"now: {_NOW}; at an instant: {_WINDOW}"),
    "GET /sensors/{sensor}/occupancy": CachePolicy(REVALIDATE, f"now: {_NOW}; at an instant: {_WINDOW}"),
    "GET /api/sensors/{sensor}/occupancy/series": CachePolicy(REVALIDATE, _WINDOW),
    "GET /api/v1/buildings": CachePolicy(REVALIDATE, _LISTING),
    "GET /api/v1/buildings/{building}/rooms": CachePolicy(REVALIDATE, f"latest reading per room: {_NOW}"),
    "GET /api/v1/buildings/{building}/rooms/{room}/temperatures/average": CachePolicy(
        REVALIDATE,
        f"a duration ending now: {_NOW}; its window bounds follow the clock (weak ETag without them)",
        clock_fields=("from", "to"),
    ),
    "GET /api/v1/buildings/{building}/rooms/{room}/temperatures/series": CachePolicy(REVALIDATE, _WINDOW),
    "GET /api/events": CachePolicy(REVALIDATE, "a booking can be added or change state at any moment"),
    "GET /api/dashboard": CachePolicy(REVALIDATE, "a booking can be added or change state at any moment"),
    "GET /api/hotels": CachePolicy(REVALIDATE, _LISTING),
    "GET /api/reports": CachePolicy(REVALIDATE, f"reports progress and complete; {_LISTING}"),
    "GET /api/reports/{report_id}": CachePolicy(
        REVALIDATE,
        "a Running report progresses; a Complete one carries a presigned URL re-signed each window",
    ),
    "GET /get_report": CachePolicy(
        REVALIDATE,
        "a Running report progresses; a Complete one carries a presigned URL re-signed each window",
    ),
    "GET /api/reports/{report_id}/csv": CachePolicy(
        NO_STORE, "a redirect to a presigned URL, followed at once: nothing to keep", validated=False
    ),
    "GET /trigger_report": CachePolicy(
        NO_STORE, "starts a report: never answered from a cache", validated=False
    ),
    "GET /api/keys": CachePolicy(REVALIDATE, "keys are created and revoked at any moment"),
    "GET /api/alerts": CachePolicy(REVALIDATE, f"rules change state with every write they watch; {_LISTING}"),
    "GET /api/alerts/{alert_id}": CachePolicy(
        REVALIDATE, "its state, transitions and deliveries change with every write it watches"
    ),
    "GET /api/openapi.json": CachePolicy(REVALIDATE, "changes with each deploy, at an unknown time"),
    "GET /api/docs": CachePolicy(REVALIDATE, "changes with each deploy, at an unknown time"),
}
# A GET route this table does not know: revalidated like the rest (the safe choice for a read).
DEFAULT_POLICY = CachePolicy(REVALIDATE, "not listed: revalidated")


def policy_of(route_key: str) -> CachePolicy:
    return ROUTE_POLICIES.get(route_key, DEFAULT_POLICY)


def strong_etag(body: bytes) -> str:
    """A strong entity tag: the same bytes always give the same tag, any change gives another."""
    digest = hashlib.sha256(body).digest()[:18]
    return '"' + base64.urlsafe_b64encode(digest).decode("ascii") + '"'


def none_match(if_none_match: str | None, etag: str) -> bool:
    """False when `If-None-Match` matches the current representation's `etag` (answer 304).

    Weak comparison, as the header requires: `W/"x"` matches `"x"`. `*` matches any current
    representation. A list that cannot be parsed matches nothing (the full answer is safe)."""
    if if_none_match is None:
        return True
    value = if_none_match.strip()
    if value == "*":
        return False
    if _ENTITY_TAG.sub("", value).strip(" \t,"):
        return True  # not a list of entity-tags: evaluated as if the header were absent
    return etag.removeprefix("W/") not in _ENTITY_TAG.findall(value)


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return None


def _set(headers: dict[str, Any], name: str, value: str) -> None:
    for key in [key for key in headers if key.lower() == name.lower()]:
        del headers[key]
    headers[name] = value


def _body_bytes(response: Mapping[str, Any]) -> bytes:
    body = response.get("body") or ""
    return base64.b64decode(body) if response.get("isBase64Encoded") else str(body).encode("utf-8")


def etag_of(policy: CachePolicy, body: bytes) -> str:
    """The strong tag of the body; for a policy with clock fields, the weak tag of the body
    without them (the whole body when it is not a JSON object)."""
    if not policy.clock_fields:
        return strong_etag(body)
    try:
        parsed = json.loads(body)
    except ValueError:
        return strong_etag(body)
    if not isinstance(parsed, dict):
        return strong_etag(body)
    answer = {key: value for key, value in parsed.items() if key not in policy.clock_fields}
    return "W/" + strong_etag(json.dumps(answer, sort_keys=True, separators=(",", ":")).encode("utf-8"))


def apply_http_caching(event: Mapping[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    """The response (a v2 proxy result) with the route's caching headers, or a 304 in its place.

    Only GET (and HEAD) reads are touched. A 200 gets ETag, Cache-Control and Vary; any other
    status (errors, redirects) gets `no-store` and no ETag."""
    method = event.get("requestContext", {}).get("http", {}).get("method", "")
    if method not in _CACHED_METHODS:
        return response
    policy = policy_of(str(event.get("routeKey", "")))
    headers = dict(response.get("headers") or {})
    status = int(response.get("statusCode", 200))
    if status != 200 or not policy.validated:
        _set(headers, CACHE_CONTROL_HEADER, NO_STORE)
        return {**response, "headers": headers}
    etag = etag_of(policy, _body_bytes(response))
    _set(headers, ETAG_HEADER, etag)
    _set(headers, CACHE_CONTROL_HEADER, policy.cache_control)
    _set(headers, VARY_HEADER, VARY)
    if none_match(_header(event.get("headers") or {}, IF_NONE_MATCH), etag):
        return {**response, "headers": headers}
    # 304: the validators and caching headers of the 200 it stands for, no body, no Content-Type.
    kept = {key: value for key, value in headers.items() if key.lower() != "content-type"}
    return {
        "statusCode": 304,
        "headers": kept,
        "body": "",
        "isBase64Encoded": False,
        **({"cookies": response["cookies"]} if response.get("cookies") else {}),
    }
