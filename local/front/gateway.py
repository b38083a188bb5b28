"""An HTTP front that behaves like API Gateway HTTP API with payload format 2.0:
each request becomes the v2 event API Gateway would send, the matching route's
function runs, and its result becomes the HTTP response.

Where a client can tell, it answers as HTTP API does: JSON `{"message": ...}` for every
error it produces itself (never an HTML page, a traceback or a hang), CORS from the
template's `CorsConfiguration`, percent-decoded paths, its payload and header quotas.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from local.front import cors
from local.front.http_io import (
    DeadlineReader,
    HeadTooLarge,
    HttpLimits,
    Rejected,
    content_length,
    is_chunked,
    read_chunked,
    read_exactly,
)
from local.front.throttle import RouteThrottle
from local.lambdas.workers import FunctionError, FunctionRuntime
from local.template import ACCOUNT, Cors, Route

MAX_PAYLOAD = HttpLimits.max_payload
_TEXT_TYPES = re.compile(r"^(text/|application/(json|xml|x-www-form-urlencoded|javascript)|.*\+json)", re.I)
_METHOD = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token
# The methods an HTTP API route can name; any other method matches no route.
HTTP_API_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})

# route, event -> (status, headers, body) to answer instead of running the function, or None to proceed
Authorize = Callable[[Route, dict[str, Any]], "tuple[int, dict[str, str], bytes] | None"]
AccessLog = Callable[[str], None]


class Router:
    """API Gateway picks the most specific route: literal paths before
    parameters, parameters before greedy `{proxy+}`; exact methods before ANY."""

    def __init__(self, routes: list[Route]) -> None:
        def specificity(route: Route) -> tuple[int, int, int]:
            return (route.path.count("+}"), route.path.count("{"), -len(route.path))

        self._routes = [(route, route.pattern()) for route in sorted(routes, key=specificity)]

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """Match the path as sent (percent-encoded), so an encoded `/` stays inside its
        segment; parameter values are then percent-decoded, as HTTP API passes them."""
        fallback = None
        for route, pattern in self._routes:
            found = pattern.match(path)
            if not found:
                continue
            params = {_param_name(route, group): unquote(value) for group, value in found.groupdict().items()}
            if route.method == method:
                return route, params
            if route.method == "ANY" and method in HTTP_API_METHODS and fallback is None:
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
    protocol: str = "HTTP/1.1",
) -> dict[str, Any]:
    split = urlsplit(target)
    # HTTP API hands the function the percent-decoded path, in rawPath as in http.path.
    path = unquote(split.path)
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
        "rawPath": path,
        "rawQueryString": split.query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "domainName": headers.get("host", "127.0.0.1"),
            "domainPrefix": headers.get("host", "127.0.0.1").split(".")[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": protocol,
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
    """The v2 response rules: a dict with statusCode is used as is; anything else is 200 JSON.
    A malformed response raises ValueError (API Gateway answers 500)."""
    if not (isinstance(result, dict) and "statusCode" in result):
        return 200, {"content-type": "application/json"}, [], json.dumps(result).encode()
    status = int(result["statusCode"])
    if not 100 <= status <= 599:
        raise ValueError(f"statusCode {status} out of range")
    headers = {str(k).lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers[str(key).lower()] = ",".join(map(str, values))
    body = result.get("body") or ""
    try:
        raw = base64.b64decode(body, validate=True) if result.get("isBase64Encoded") else str(body).encode()
    except binascii.Error as error:
        raise ValueError("body is not valid base64") from error
    return status, headers, [str(c) for c in result.get("cookies") or []], raw


def _origin_form(target: str) -> str:
    """The request target as path and query; an absolute-form target counts by those only."""
    absolute = re.match(r"^https?://[^/?#]*", target, re.I)
    if absolute:
        target = target[absolute.end() :] or "/"
    if not target.startswith("/"):
        raise Rejected(400, "Bad Request")
    return target


def loggable_path(path: str, limit: int = 160) -> str:
    """A request path safe to print on a terminal: no control characters, bounded length."""
    safe = re.sub(r"[^\x21-\x7e]", lambda m: "%" + "%".join(f"{b:02X}" for b in m.group().encode()), path)
    return safe if len(safe) <= limit else safe[: limit - 3] + "..."


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # the default backlog of 5 resets connections under concurrent clients

    def __init__(
        self,
        address: tuple[str, int],
        router: Router,
        runtime: FunctionRuntime,
        *,
        cors: Cors | None = None,
        authorize: Authorize | None = None,
        access_log: AccessLog | None = None,
        limits: HttpLimits | None = None,
        throttle: RouteThrottle | None = None,
    ) -> None:
        super().__init__(address, _GatewayHandler)
        self.router = router
        self.runtime = runtime
        self.cors = cors
        self.authorize = authorize
        self.throttle = throttle  # None: never 429 (the demo loaders' requests are not throttled)
        self.access_log = access_log  # one line per request; None: silent (e.g. while demo data loads)
        self.limits = limits or HttpLimits()

    def handle_error(self, request: Any, client_address: Any) -> None:
        traceback.print_exc(file=sys.stderr)  # a bug in the front itself: never sent to the client


class _GatewayHandler(BaseHTTPRequestHandler):
    server: GatewayServer
    rfile: DeadlineReader  # type: ignore[assignment]
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.0"  # error answers before the version is known keep a status line
    server_version = "sitepulse-local"
    sys_version = ""

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        self.rfile = DeadlineReader(self.connection, self.server.limits.idle_seconds)
        self._linger = False

    # ---------------------------------------------------------------- request loop

    def handle(self) -> None:
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            self.handle_one_request()
        if self._linger:
            self._lingering_close()

    def handle_one_request(self) -> None:
        reader = self.rfile
        limits = self.server.limits
        reader.deadline = reader.budget = None
        self.command = ""
        self.requestline = ""
        self.request_version = self.default_request_version
        self._log_path = "-"
        self._function = "-"
        self._status: int | None = None
        self._expect_continue = False
        try:
            if not reader.wait_for_request():
                self.close_connection = True
                return
        except TimeoutError:  # idle keep-alive connection
            self.close_connection = True
            return
        self._started = time.monotonic()
        reader.deadline = self._started + limits.head_seconds
        try:
            self._read_and_serve(reader, limits)
        except Rejected as rejected:
            self._reject(rejected.status, rejected.message)
        except HeadTooLarge:
            self._reject(431, "Request Header Fields Too Large")
        except TimeoutError:
            self._reject(408, "Request Timeout")
        except OSError:  # the client went away mid-answer
            self.close_connection = True
        except Exception:  # a bug in the front: still a JSON answer, the traceback in the log
            traceback.print_exc(file=sys.stderr)
            self._reject(500, "Internal Server Error")
        finally:
            self._log_access()

    def _read_and_serve(self, reader: DeadlineReader, limits: HttpLimits) -> None:
        self.raw_requestline = reader.readline(limits.head_bytes + 1)
        if len(self.raw_requestline) > limits.head_bytes:
            method, _, target = self.raw_requestline[:200].decode("latin-1").partition(" ")
            self.command, self._log_path = method, loggable_path(target)
            raise Rejected(414, "Request-URI Too Long")
        if not self.raw_requestline.endswith(b"\n"):
            self.close_connection = True  # the client left mid request line
            return
        words = self.raw_requestline.decode("latin-1").split()
        if len(words) != 3:  # no HTTP/0.9
            raise Rejected(400, "Bad Request")
        self.command = words[0]
        self._log_path = loggable_path(urlsplit(words[1]).path or words[1])
        reader.budget = limits.head_bytes - len(self.raw_requestline)
        if not self.parse_request():
            return  # answered by send_error
        reader.budget = None
        self._serve()

    def handle_expect_100(self) -> bool:
        # Decided once the framing is known: no `100 Continue` for a body we would refuse.
        self._expect_continue = True
        return True

    # ---------------------------------------------------------------- one request

    def _serve(self) -> None:
        method = self.command
        if not _METHOD.fullmatch(method):
            raise Rejected(400, "Bad Request")
        target = _origin_form(self.path)
        headers: dict[str, str] = {}
        for key, value in self.headers.items():
            key = key.lower()
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        body = self._read_body(headers)

        server = self.server
        if server.cors is not None and cors.is_preflight(method, headers):
            self._function = "(CORS preflight)"
            self._send(204, cors.preflight_headers(server.cors, headers), b"", request_headers=None)
            return
        path = urlsplit(target).path
        matched = server.router.match(method, path) if method in HTTP_API_METHODS else None
        if matched is None:
            self._message(404, "Not Found", headers)
            return
        route, params = matched
        self._function = route.function
        if self._throttled(route, headers):
            return
        event = build_event(
            route, params, method, target, headers, body, self.client_address[0], self.request_version
        )
        try:
            denied = server.authorize(route, event) if server.authorize is not None else None
            if denied is None:
                result = server.runtime.invoke(route.function, event)
                status, out_headers, cookies, raw = to_http(result)
        except FunctionError:
            self._message(500, "Internal Server Error", headers)
            return
        except Exception:
            # What API Gateway answers when the authorizer or the integration fails, or answers
            # garbage; the traceback goes to the stack's log, never to the client.
            traceback.print_exc(file=sys.stderr)
            self._message(500, "Internal Server Error", headers)
            return
        if denied is not None:
            self._function = f"{route.function} (authorizer)"
            status, denied_headers, raw = denied
            denied_headers = {k.lower(): v for k, v in denied_headers.items()}
            self._send(status, denied_headers, raw, request_headers=headers)
            return
        if server.cors is not None:
            out_headers = cors.strip_function_cors(out_headers)
        self._send(status, out_headers, raw, cookies, request_headers=headers)

    def _throttled(self, route: Route, headers: dict[str, str]) -> bool:
        """429 from the gateway itself when the route's bucket is empty: neither the authorizer
        nor the function runs (and a client that resends later is served)."""
        throttle = self.server.throttle
        if throttle is None or throttle.admit(route.route_key):
            return False
        self._function = f"{route.function} (throttled)"
        self._message(429, "Too Many Requests", headers)
        return True

    def _read_body(self, headers: dict[str, str]) -> bytes:
        limits = self.server.limits
        self.rfile.deadline = time.monotonic() + limits.body_seconds
        chunked = is_chunked(self.headers.get_all("transfer-encoding") or [], self.request_version)
        length = content_length(self.headers.get_all("content-length") or [])
        if chunked:
            if length is not None:
                self.close_connection = True  # both framings: chunked wins (RFC 9112 §6.3), then close
            self._continue()
            body = read_chunked(self.rfile, limits.max_payload)
            # What the function sees, as behind any proxy: a plain body with its length.
            headers.pop("transfer-encoding", None)
            headers["content-length"] = str(len(body))
            return body
        if not length:
            return b""
        if length > limits.max_payload:
            raise Rejected(413, "Request Entity Too Large")
        self._continue()
        return read_exactly(self.rfile, length)

    def _continue(self) -> None:
        if self._expect_continue:
            self._expect_continue = False
            self.wfile.write(f"{self.protocol_version} 100 Continue\r\n\r\n".encode())

    # ---------------------------------------------------------------- answers

    def _send(
        self,
        status: int,
        headers: dict[str, str],
        body: bytes,
        cookies: list[str] | None = None,
        *,
        request_headers: dict[str, str] | None,
    ) -> None:
        self.connection.settimeout(self.server.limits.write_seconds)
        self._status = status
        if request_headers is not None and self.server.cors is not None:
            headers = cors.merged(headers, cors.response_headers(self.server.cors, request_headers))
        self.send_response(status)
        for key, value in headers.items():
            if key not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(key, value)
        for cookie in cookies or []:
            self.send_header("set-cookie", cookie)
        if status not in (204, 304):
            self.send_header("content-length", str(len(body)))
        self.send_header("apigw-requestid", uuid.uuid4().hex[:16])
        if self.close_connection:
            self.send_header("connection", "close")
        self.end_headers()
        if self.command != "HEAD" and status not in (204, 304):
            self.wfile.write(body)

    def _message(self, status: int, message: str, request_headers: dict[str, str] | None = None) -> None:
        body = json.dumps({"message": message}).encode()
        self._send(status, {"content-type": "application/json"}, body, request_headers=request_headers)

    def _reject(self, status: int, message: str) -> None:
        """An error found while reading the request: answer it, then close (draining what the
        client may still be sending, so it reads the answer rather than a reset)."""
        self.close_connection = True
        self._linger = True
        if self._status is not None:
            return  # an answer is already out
        with contextlib.suppress(OSError):
            self._message(status, message)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol errors found by http.server (bad version, header lines): JSON, never HTML, and
        4xx: a malformed request is the client's fault."""
        if code >= 500:
            code = 400
        self._reject(code, HTTPStatus(code).phrase)

    def _lingering_close(self) -> None:
        limits = self.server.limits
        try:
            self.wfile.flush()
            self.connection.shutdown(1)  # SHUT_WR: the client sees the answer, then end of stream
        except OSError:
            return
        self.rfile.drain(64 * 1024 * 1024, limits.linger_seconds)

    def _log_access(self) -> None:
        log = self.server.access_log
        if log is None or self._status is None:
            return
        millis = (time.monotonic() - self._started) * 1000
        method = self.command if self.command and _METHOD.fullmatch(self.command) else "-"
        log(f"{method[:16]} {self._log_path} {self._status} {millis:.0f} ms {self._function}")

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the access log above replaces http.server's
