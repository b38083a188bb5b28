"""moto in server mode, with DynamoDB requests serialised.

moto's DynamoDB backend is not thread-safe: under concurrent requests a
conditional Put can pass twice and two `ADD`s can lose one update, things
real DynamoDB never does (every write to an item is atomic and conditions are
checked atomically). The local stack runs handlers concurrently, so it
serialises DynamoDB calls to give them the guarantees the code relies on.
Other services stay concurrent: a Step Functions Lambda task is itself an
HTTP call into moto that runs a handler which calls DynamoDB, so a global
lock would deadlock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from local.aws.moto_pin import require_pinned_moto

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class SerialisedDynamoDB:
    """WSGI middleware: one DynamoDB request at a time, everything else passes through."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # DynamoDB and its streams (DynamoDBStreams_…): the stream reads the tables' change log.
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            return self._app(environ, start_response)
        with self._lock:
            # Materialise the body inside the lock: the backend does its work while producing it.
            return list(self._app(environ, start_response))


class LocalMotoServer(ThreadedMotoServer):
    """moto's threaded server, DynamoDB serialised, optionally behind more WSGI middleware
    (the stack puts `local.aws.recorded_actions.ActionRecorder` in front).

    moto's server takes no WSGI middleware, so this overrides its private `_server_entry` (and
    the private attributes it sets): refused against any moto but the pinned one."""

    def __init__(self, *args: Any, middleware: Callable[[WsgiApp], WsgiApp] | None = None, **kwargs: Any):
        require_pinned_moto("local.aws.moto_server")
        super().__init__(*args, **kwargs)
        self._middleware = middleware

    def _server_entry(self) -> None:
        app: WsgiApp = SerialisedDynamoDB(DomainDispatcherApplication(create_backend_app))
        if self._middleware is not None:
            app = self._middleware(app)
        self._server = make_server(
            self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()
