"""Route moto's simple-Lambda invocations to the function runtime's workers.

moto's Step Functions interpreter invokes Lambda tasks through moto's Lambda
backend; with `use_docker: False` that backend only echoes the payload. The
bridge replaces that echo with `runtime.invoke` (the function's own workers in the
local stack), returning the handler's result or a Lambda-shaped Unhandled error.
Installed explicitly; refuses any moto but the pinned one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

from moto.awslambda_simple.models import LambdaSimpleBackend

from local.aws.moto_pin import require_pinned_moto
from local.lambdas.workers import FunctionError


class Invoker(Protocol):
    def invoke(self, name_or_arn: str, event: Any) -> Any: ...


_original_invoke: Callable[..., Any] | None = None


def install(runtime: Invoker) -> None:
    global _original_invoke
    require_pinned_moto("local.lambdas.moto_bridge")
    if _original_invoke is None:
        _original_invoke = LambdaSimpleBackend.invoke

    def invoke(
        self: LambdaSimpleBackend,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: Any,
    ) -> bytes:
        payload = json.loads(body) if body else {}
        try:
            result = runtime.invoke(function_name, payload)
        except FunctionError as error:
            if isinstance(response_headers, dict):
                response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(error.payload).encode()
        return json.dumps(result).encode()

    LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]


def uninstall() -> None:
    if _original_invoke is not None:
        LambdaSimpleBackend.invoke = _original_invoke  # type: ignore[method-assign]
