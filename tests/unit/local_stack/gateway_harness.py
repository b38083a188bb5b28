"""An in-process GatewayServer with a recording runtime, and a raw-socket client: enough to
check, byte for byte, how the local front answers what ordinary clients never send."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from local.front.gateway import Authorize, GatewayServer, Router
from local.front.http_io import HttpLimits
from local.front.throttle import RouteThrottle
from local.lambdas.workers import FunctionError
from local.template import Stack


@dataclass
class RecordingRuntime:
    """Answers every invocation with the event it received (or `answer(event)` when set)."""

    events: list[dict[str, Any]] = field(default_factory=list)
    answer: Callable[[dict[str, Any]], Any] | None = None

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        self.events.append(event)
        if self.answer is not None:
            return self.answer(event)
        body = {"function": function, "rawPath": event["rawPath"], "params": event.get("pathParameters")}
        body["body"] = event.get("body")
        return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


class FailingRuntime(RecordingRuntime):
    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        raise FunctionError({"errorMessage": "boom", "errorType": "RuntimeError", "stackTrace": []})


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def parse_response(raw: bytes, seconds: float) -> RawResponse:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = body[: int(headers["content-length"])]
    return RawResponse(status, headers, body, seconds, raw)


@dataclass
class Front:
    server: GatewayServer
    runtime: RecordingRuntime
    access: list[str]

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=5)

    def send(self, data: bytes, *, read_seconds: float = 5.0, shut_write: bool = False) -> RawResponse:
        """Send raw bytes, read until the server closes (or one full response arrives)."""
        started = time.monotonic()
        with self.connect() as sock:
            sock.settimeout(read_seconds)
            sock.sendall(data)
            if shut_write:
                sock.shutdown(socket.SHUT_WR)
            raw = read_one_response(sock)
        return parse_response(raw, time.monotonic() - started)


def read_one_response(sock: socket.socket) -> bytes:
    raw = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            raise AssertionError(f"no complete answer; got {raw[:300]!r}") from None
        except ConnectionResetError:
            break
        if not chunk:
            break
        raw += chunk
        head, sep, body = raw.partition(b"\r\n\r\n")
        if sep:
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            if len(body) >= length:
                break
    if not raw:
        raise AssertionError("the server closed the connection without answering")
    return raw


@contextmanager
def running_front(
    stack: Stack,
    runtime: RecordingRuntime | None = None,
    *,
    authorize: Authorize | None = None,
    limits: HttpLimits | None = None,
    throttle: RouteThrottle | None = None,
) -> Iterator[Front]:
    runtime = runtime or RecordingRuntime()
    access: list[str] = []
    server = GatewayServer(
        ("127.0.0.1", 0),
        Router(stack.routes),
        runtime,  # type: ignore[arg-type]
        cors=stack.cors,
        authorize=authorize,
        access_log=access.append,
        limits=limits,
        throttle=throttle,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Front(server, runtime, access)
    finally:
        server.shutdown()
        server.server_close()
