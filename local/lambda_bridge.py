"""Route moto's simple-Lambda invocations to the real handlers in-process.

moto's Step Functions interpreter invokes Lambda tasks through moto's Lambda
backend; with `use_docker: False` that backend only echoes the payload. The
bridge replaces that echo with a call into the function runtime, returning
the handler's result or a Lambda-shaped Unhandled error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.awslambda_simple.models import LambdaSimpleBackend

from local.functions import FunctionError, FunctionRuntime

_original_invoke: Callable[..., Any] | None = None


def install(runtime: FunctionRuntime) -> None:
    global _original_invoke
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
