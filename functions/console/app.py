"""GET / and GET /console/{proxy+}: the site manager's console, a single-page app.

The index is served with `no-cache` and an ETag (a revisit costs a 304); its
scripts and styles are referenced by content-hashed names
(`/console/assets/app.3f2a9c1d0b7e.js`) served with a one-year immutable
max-age, so a deploy changes the names and no browser ever runs stale code.
Any other `/console/...` path is a page of the app (a deep link): the index
again. Public route: the page holds no data, the API key is
typed in by the user and sent by the app itself.
"""

from sitepulse.common import init_phase  # first: the collector stays off while the modules below load

# isort: split
import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from sitepulse.common.caching import none_match, strong_etag
from sitepulse.common.observability import logger

STATIC = Path(__file__).resolve().parent / "static"
ASSET_PREFIX = "/console/assets/"
IMMUTABLE = "public, max-age=31536000, immutable"
# The app only talks to its own origin, and fetches report CSVs from their presigned S3 URLs.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self' https: http://127.0.0.1:* http://localhost:*; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@dataclass(frozen=True)
class Asset:
    body: str
    content_type: str
    cache_control: str

    @cached_property
    def etag(self) -> str:
        return strong_etag(self.body.encode("utf-8"))


class Assets:
    def __init__(self, index_template: str, files: dict[str, str]) -> None:
        self._by_url: dict[str, Asset] = {}
        index = index_template
        for name, body in sorted(files.items()):
            stem, dot, ext = name.rpartition(".")
            digest = hashlib.sha256(body.encode()).hexdigest()[:12]
            url = f"{ASSET_PREFIX}{stem}.{digest}{dot}{ext}"
            self._by_url[url] = Asset(body, _TYPES[f".{ext}"], IMMUTABLE)
            index = index.replace("{{" + name + "}}", url)
        if "{{" in index:
            raise ValueError("index.html names an asset that does not exist")
        self.index = index
        self._index = Asset(index, "text/html; charset=utf-8", "no-cache")

    @classmethod
    def load(cls, static: Path = STATIC) -> "Assets":
        files = {
            path.name: path.read_text(encoding="utf-8") for path in static.iterdir() if path.suffix in _TYPES
        }
        return cls((static / "index.html").read_text(encoding="utf-8"), files)

    @property
    def urls(self) -> list[str]:
        return sorted(self._by_url)

    def respond(self, method: str, path: str, if_none_match: str | None = None) -> dict[str, Any]:
        if method not in ("GET", "HEAD"):
            return _json(405, "Method not allowed", {"Allow": "GET, HEAD"})
        if path.startswith(ASSET_PREFIX):
            asset = self._by_url.get(path)
            if asset is None:  # an old hash after a deploy, or a typo: never the index in its place
                return _json(404, "Not found", {"Cache-Control": "no-store"})
            return _response(asset, if_none_match)
        if path == "/" or path == "/console" or path.startswith("/console/"):
            return _response(self._index, if_none_match)
        return _json(404, "Not found", {"Cache-Control": "no-store"})


def _response(asset: Asset, if_none_match: str | None) -> dict[str, Any]:
    """The asset, or 304 when the browser's copy is current (same rule as the API's reads)."""
    headers = {"Cache-Control": asset.cache_control, "ETag": asset.etag, **SECURITY_HEADERS}
    if not none_match(if_none_match, asset.etag):
        return {"statusCode": 304, "headers": headers, "body": "", "isBase64Encoded": False}
    headers["Content-Type"] = asset.content_type
    return {"statusCode": 200, "headers": headers, "body": asset.body, "isBase64Encoded": False}


def _json(status: int, message: str, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **headers},
        "body": json.dumps({"message": message}),
        "isBase64Encoded": False,
    }


assets = Assets.load()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    method = event.get("requestContext", {}).get("http", {}).get("method", "GET")
    if_none_match = (event.get("headers") or {}).get("if-none-match")
    return assets.respond(method, event.get("rawPath", "/"), if_none_match)


def openapi_paths() -> dict[str, Any]:
    """The console's routes for the OpenAPI document (`make openapi`): public, HTML."""
    html = {"description": "The console (HTML); assets: JavaScript or CSS", "content": {"text/html": {}}}
    missing = {
        "description": "An asset name this deploy does not serve",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"message": {"type": "string"}},
                    "required": ["message"],
                }
            }
        },
    }
    page = {"summary": "The console single-page app", "tags": ["console"], "security": []}
    return {
        "/": {"get": {**page, "operationId": "console_index", "responses": {"200": html}}},
        "/console/{proxy+}": {
            "get": {
                **page,
                "summary": "A console page (deep link) or a content-hashed asset (immutable)",
                "operationId": "console_page",
                "parameters": [
                    {"name": "proxy+", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": html, "404": missing},
            }
        },
    }


init_phase.end()
