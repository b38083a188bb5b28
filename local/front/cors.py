"""CORS as API Gateway HTTP API applies a `CorsConfiguration`.

* A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is answered by
  the gateway itself, 204, whatever the routes: no function runs.
* Any other request whose `Origin` the configuration allows gets `Access-Control-Allow-Origin`
  (plus credentials / expose headers when configured) on its response.
* CORS headers returned by a function are dropped: the configuration is the only source.
"""

from __future__ import annotations

from local.template import Cors


def origin_allowed(cors: Cors, origin: str) -> bool:
    for allowed in cors.allow_origins:
        if allowed == "*" or allowed.lower() == origin.lower():
            return True
        # `https://*` and `http://*` allow every origin of that scheme.
        if allowed.endswith("://*") and origin.lower().startswith(allowed[:-1].lower()):
            return True
    return False


def _allow_origin(cors: Cors, origin: str) -> dict[str, str]:
    if "*" in cors.allow_origins and not cors.allow_credentials:
        return {"access-control-allow-origin": "*"}
    return {"access-control-allow-origin": origin, "vary": "origin"}


def is_preflight(method: str, headers: dict[str, str]) -> bool:
    return method == "OPTIONS" and "origin" in headers and "access-control-request-method" in headers


def preflight_headers(cors: Cors, headers: dict[str, str]) -> dict[str, str]:
    """Headers of the 204 answering a preflight; none when the origin is not allowed."""
    origin = headers["origin"]
    if not origin_allowed(cors, origin):
        return {}
    out = _allow_origin(cors, origin)
    if cors.allow_methods:
        out["access-control-allow-methods"] = ",".join(cors.allow_methods)
    if cors.allow_headers:
        requested = headers.get("access-control-request-headers", "")
        # `*` lets through whatever the browser asks for.
        out["access-control-allow-headers"] = (
            requested if "*" in cors.allow_headers and requested else ",".join(cors.allow_headers)
        )
    if cors.max_age is not None:
        out["access-control-max-age"] = str(cors.max_age)
    if cors.allow_credentials:
        out["access-control-allow-credentials"] = "true"
    return out


def response_headers(cors: Cors, headers: dict[str, str]) -> dict[str, str]:
    """CORS headers for a normal response to a request carrying these (lower-cased) headers."""
    origin = headers.get("origin")
    if origin is None or not origin_allowed(cors, origin):
        return {}
    out = _allow_origin(cors, origin)
    if cors.expose_headers:
        out["access-control-expose-headers"] = ",".join(cors.expose_headers)
    if cors.allow_credentials:
        out["access-control-allow-credentials"] = "true"
    return out


def strip_function_cors(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if not k.startswith("access-control-")}


def merged(headers: dict[str, str], cors_headers: dict[str, str]) -> dict[str, str]:
    """The response's headers plus CORS's; a `Vary` of both lists both (a read varies with
    `Authorization` whatever CORS adds)."""
    out = {**headers, **cors_headers}
    if "vary" in headers and "vary" in cors_headers:
        out["vary"] = f"{headers['vary']}, {cors_headers['vary']}"
    return out
