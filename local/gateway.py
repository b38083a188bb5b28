"""An HTTP front that behaves like API Gateway HTTP API with payload format 2.0:
each request becomes the v2 event API Gateway would send, the matching route's
handler runs in-process, and its result becomes the HTTP response."""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from local.functions import FunctionError, FunctionRuntime
from local.template import ACCOUNT, Route

MAX_PAYLOAD = 10 * 1024 * 1024  # HTTP API's request payload limit
_TEXT_TYPES = re.compile(r"^(text/|application/(json|xml|x-www-form-urlencoded|javascript)|.*\+json)", re.I)


class Router:
    """API Gateway picks the most specific route: literal paths before
    parameters, parameters before greedy `{proxy+}`; exact methods before ANY."""

    def __init__(self, routes: list[Route]) -> None:
        def specificity(route: Route) -> tuple[int, int, int]:
            return (route.path.count("+}"), route.path.count("{"), -len(route.path))

        self._routes = [(route, route.pattern()) for route in sorted(routes, key=specificity)]

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        fallback = None
        for route, pattern in self._routes:
            found = pattern.match(path)
            if not found:
                continue
            params = {_param_name(route, group): unquote(value) for group, value in found.groupdict().items()}
            if route.method == method:
                return route, params
            if route.method == "ANY" and fallback is None:
                fallback = (route, params)
        return fallback


def _param_name(route: Route, group: str) -> str:
    for name in re.findall(r"\{([^}]+)\}", route.path):
        clean = name.rstrip("+")
        if re.sub(r"\W", "_", clean) == group:
            return clean
    return group


def build_event(
    route: Route,
    params: dict[str, str],
    method: str,
    target: str,
    headers: dict[str, str],
    body: bytes,
    source_ip: str,
) -> dict[str, Any]:
    split = urlsplit(target)
    query: dict[str, list[str]] = {}
    for key, value in parse_qsl(split.query, keep_blank_values=True):
        query.setdefault(key, []).append(value)
    content_type = headers.get("content-type", "")
    is_text = not body or bool(_TEXT_TYPES.match(content_type)) if content_type else _is_utf8(body)
    if is_text and not _is_utf8(body):
        is_text = False
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": split.path,
        "rawQueryString": split.query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "domainName": headers.get("host", "127.0.0.1"),
            "domainPrefix": headers.get("host", "127.0.0.1").split(".")[0],
            "http": {
                "method": method,
                "path": split.path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route.route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": not is_text,
    }
    if "cookie" in headers:
        event["cookies"] = [c.strip() for c in headers["cookie"].split(";") if c.strip()]
    if query:
        event["queryStringParameters"] = {key: ",".join(values) for key, values in query.items()}
    if params:
        event["pathParameters"] = params
    if body:
        event["body"] = body.decode("utf-8") if is_text else base64.b64encode(body).decode()
    return event


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def to_http(result: Any) -> tuple[int, dict[str, str], list[str], bytes]:
    """The v2 response rules: a dict with statusCode is used as is; anything else is 200 JSON."""
    if not (isinstance(result, dict) and "statusCode" in result):
        return 200, {"content-type": "application/json"}, [], json.dumps(result).encode()
    headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers[key.lower()] = ",".join(map(str, values))
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    return int(result["statusCode"]), headers, list(result.get("cookies") or []), raw


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # the default backlog of 5 resets connections under concurrent clients

    def __init__(self, address: tuple[str, int], router: Router, runtime: FunctionRuntime) -> None:
        super().__init__(address, _GatewayHandler)
        self.router = router
        self.runtime = runtime


class _GatewayHandler(BaseHTTPRequestHandler):
    server: GatewayServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # handlers log structured JSON themselves

    def _send(
        self, status: int, headers: dict[str, str], body: bytes, cookies: list[str] | None = None
    ) -> None:
        self.send_response(status)
        for key, value in headers.items():
            if key not in ("content-length", "connection"):
                self.send_header(key, value)
        for cookie in cookies or []:
            self.send_header("set-cookie", cookie)
        self.send_header("content-length", str(len(body)))
        self.send_header("apigw-requestid", uuid.uuid4().hex[:16])
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _message(self, status: int, message: str) -> None:
        self._send(status, {"content-type": "application/json"}, json.dumps({"message": message}).encode())

    def _discard(self, length: int, limit: int = 64 * 1024 * 1024) -> None:
        remaining = min(length, limit)
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 16))
            if not chunk:
                return
            remaining -= len(chunk)

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_PAYLOAD:
            # Drain what the client is sending so it can read the answer instead of a broken pipe.
            self._discard(length)
            self.close_connection = True
            self._message(413, "Request Entity Too Large")
            return
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        matched = self.server.router.match(self.command, path)
        if matched is None:
            self._message(404, "Not Found")
            return
        route, params = matched
        headers: dict[str, str] = {}
        for key, value in self.headers.items():
            key = key.lower()
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        event = build_event(route, params, self.command, self.path, headers, body, self.client_address[0])
        try:
            result = self.server.runtime.invoke(route.function, event)
        except FunctionError:
            self._message(500, "Internal Server Error")
            return
        status, out_headers, cookies, raw = to_http(result)
        self._send(status, out_headers, raw, cookies)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    def __getattr__(self, name: str) -> Any:
        # Any other method (TRACE, CONNECT, PROPFIND…) is routed like the others, hence a JSON 404
        # when no route declares it, as API Gateway answers; http.server would send an HTML 501.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)
