"""Powertools' event handler, made safe for concurrent handlers in one process.

`ApiGatewayResolver.resolve` stores the request on the *class* (`BaseRouter.current_event`,
`BaseRouter.lambda_context`): fine in Lambda, where a process serves one request at a time,
but the local stack runs every container of every function as threads of one process. Two
concurrent requests then read each other's event — a handler validates and stores the
other request's body and path parameters (seen as a reading stored twice and another lost
under 50 concurrent POSTs).

Here each resolver also keeps its own request as instance attributes, which shadow the
class-level ones for every `app.current_event` / `self.current_event` lookup. A container
(one resolver) serves one request at a time (`local.functions.FunctionPool`), as in Lambda.
Idempotent; `uninstall()` restores Powertools' own methods.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver

_originals: dict[str, Callable[..., Any]] = {}


def _own_proxy_event(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def to_proxy_event(self: ApiGatewayResolver, event: dict[str, Any]) -> Any:
        proxy = original(self, event)
        self.__dict__["current_event"] = proxy
        return proxy

    return to_proxy_event


def _own_lambda_context(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def resolve(self: ApiGatewayResolver, event: Mapping[str, Any], context: Any) -> Any:
        self.__dict__["lambda_context"] = context
        return original(self, event, context)

    return resolve


def install() -> None:
    if _originals:
        return
    _originals["_to_proxy_event"] = ApiGatewayResolver._to_proxy_event
    _originals["resolve"] = ApiGatewayResolver.resolve
    ApiGatewayResolver._to_proxy_event = _own_proxy_event(_originals["_to_proxy_event"])  # type: ignore[method-assign]
    ApiGatewayResolver.resolve = _own_lambda_context(_originals["resolve"])  # type: ignore[method-assign]


def uninstall() -> None:
    for name, method in _originals.items():
        setattr(ApiGatewayResolver, name, method)
    _originals.clear()
