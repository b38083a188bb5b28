"""A small webhook receiver on 127.0.0.1 for alert notifications: the demo's (each delivery is
printed on the terminal, signature checked when the rule's secret is known) and the tests'.

Every POST is kept (path, headers, raw body, when). A path under `/fail` answers 500, so a rule
pointed there shows its failed attempts in its deliveries.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sitepulse.alerts.rules import SIGNATURE_HEADER, verify

MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() when it arrived

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def signature(self) -> str:
        return self.headers.get(SIGNATURE_HEADER.lower(), "")


class WebhookReceiver:
    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, show: Callable[[str], None] | None = None
    ) -> None:
        self.received: list[Received] = []
        self.secrets: dict[str, str] = {}  # alert_id → secret, to check signatures in the demo
        self._show = show
        self._lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
                body = self.rfile.read(length)
                item = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.time())
                failing = self.path.startswith("/fail")
                receiver._keep(item, failing)  # before answering: the sender's return means it is kept
                self.send_response(500 if failing else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name="webhook-receiver"
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str = "/hook") -> str:
        return self.base_url + path

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _keep(self, item: Received, failing: bool) -> None:
        with self._lock:
            self.received.append(item)
            self._lock.notify_all()
        if self._show is not None:
            self._show(self.describe(item, failing))

    def describe(self, item: Received, failing: bool = False) -> str:
        try:
            payload = item.json
        except ValueError:
            return f"webhook {item.path}: {len(item.body)} bytes, not JSON"
        secret = self.secrets.get(str(payload.get("alert_id")))
        checked = (
            ""
            if secret is None
            else (" signature ok" if verify(secret, item.body, item.signature) else " BAD SIGNATURE")
        )
        answer = " (answered 500)" if failing else ""
        return (
            f"webhook {payload.get('state')} {payload.get('kind')} {payload.get('name')!r} "
            f"target={json.dumps(payload.get('target'))} value={payload.get('value')} at={payload.get('at')}"
            f"{checked}{answer}"
        )

    def wait_for(self, predicate: Callable[[list[Received]], bool], timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate(self.received):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"webhook receiver: not met within {timeout} s ({len(self.received)} received)"
                    )
                self._lock.wait(remaining)
            return list(self.received)

    def for_alert(self, alert_id: str) -> list[Received]:
        with self._lock:
            return [item for item in self.received if _alert_of(item) == alert_id]


def _alert_of(item: Received) -> str | None:
    try:
        return str(item.json.get("alert_id"))
    except (ValueError, AttributeError):
        return None
