"""A local implementation of the Lambda Runtime API, for one execution environment.

In Lambda, the runtime inside a container (here the official `awslambdaric`) long-polls
`GET /2018-06-01/runtime/invocation/next` for its next event and posts the handler's
outcome to `/invocation/{id}/response` or `/invocation/{id}/error`; a handler module
that cannot be loaded is reported to `/init/error`. `RuntimeApi` serves those endpoints
on 127.0.0.1 for exactly one worker process, so the runtime always knows which worker
holds which invocation (to time it out or to notice it died).
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PREFIX = "/2018-06-01/runtime"


@dataclass
class Invocation:
    body: bytes
    function_arn: str
    timeout_seconds: float
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    outcome: str | None = None  # "response", "error" or "init_error"
    payload: bytes = b""
    error_type: str = ""
    _done: threading.Event = field(default_factory=threading.Event)
    picked: threading.Event = field(default_factory=threading.Event)  # the runtime took it (`/next`)
    deadline_ms: int = 0

    def finish(self, outcome: str, payload: bytes, error_type: str = "") -> bool:
        if self._done.is_set():
            return False
        self.outcome, self.payload, self.error_type = outcome, payload, error_type
        self._done.set()
        return True

    def wait(self, seconds: float) -> bool:
        return self._done.wait(seconds)

    @property
    def done(self) -> bool:
        return self._done.is_set()


class RuntimeApi(ThreadingHTTPServer):
    """The Runtime API of one worker: it hands out at most one invocation at a time."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RuntimeHandler)
        self._lock = threading.Condition()
        self._pending: Invocation | None = None
        self.current: Invocation | None = None
        self.init_error: tuple[bytes, str] | None = None
        self._closed = False
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True, name="runtime-api"
        )
        self._thread.start()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a worker killed mid-request (timeout, crash, stop) is not news: the runtime reports it

    @property
    def address(self) -> str:
        host, port = self.server_address[:2]
        return f"{host}:{port}"

    def submit(self, invocation: Invocation) -> None:
        with self._lock:
            if self._pending is not None or (self.current is not None and not self.current.done):
                raise RuntimeError("a worker serves one invocation at a time")
            if self.init_error is not None:  # the runtime already failed to load the handler
                invocation.finish("init_error", *self.init_error)
                return
            self._pending = invocation
            self._lock.notify_all()

    def next_invocation(self) -> Invocation | None:
        """Block until an invocation is submitted (or the API closes): `GET .../next`."""
        with self._lock:
            while self._pending is None and not self._closed:
                self._lock.wait(1.0)
            if self._closed:
                return None
            invocation, self._pending = self._pending, None
            invocation.deadline_ms = int((time.time() + invocation.timeout_seconds) * 1000)
            self.current = invocation
            invocation.picked.set()
            return invocation

    def report(self, request_id: str, outcome: str, payload: bytes, error_type: str = "") -> bool:
        with self._lock:
            invocation = self.current
        if invocation is None or invocation.request_id != request_id:
            return False
        return invocation.finish(outcome, payload, error_type)

    def report_init_error(self, payload: bytes, error_type: str) -> None:
        with self._lock:
            self.init_error = (payload, error_type)
            for invocation in (self._pending, self.current):
                if invocation is not None:
                    invocation.finish("init_error", payload, error_type)
            self._pending = None

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        self.shutdown()
        self.server_close()


class _RuntimeHandler(BaseHTTPRequestHandler):
    server: RuntimeApi
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes: without this, Nagle + delayed ACK add ~40 ms each.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _status(self, status: int, name: str) -> None:
        self._reply(status, json.dumps({"status": name}).encode(), {"Content-Type": "application/json"})

    def do_GET(self) -> None:
        if self.path != f"{PREFIX}/invocation/next":
            self._status(404, "NotFound")
            return
        invocation = self.server.next_invocation()
        if invocation is None:
            self._status(500, "RuntimeApiClosed")
            return
        self._reply(
            200,
            invocation.body,
            {
                "Content-Type": "application/json",
                "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": invocation.function_arn,
                "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0",
            },
        )

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length) if length else b""
        error_type = self.headers.get("Lambda-Runtime-Function-Error-Type", "")
        parts = self.path.removeprefix(PREFIX).strip("/").split("/")
        if parts == ["init", "error"]:
            self.server.report_init_error(payload, error_type)
            self._status(202, "OK")
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            outcome = "response" if parts[2] == "response" else "error"
            if self.server.report(parts[1], outcome, payload, error_type):
                self._status(202, "OK")
            else:
                self._status(400, "InvalidRequestID")
        else:
            self._status(404, "NotFound")
