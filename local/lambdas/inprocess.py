"""Handlers loaded into the calling process: for unit tests, benchmarks and the OpenAPI export.

No isolation here: every function shares this process's environment (`merged_environment`)
and Powertools' class-level state, so a loaded module must serve one request at a time.
The local stack runs functions in their own workers instead (`local.lambdas.workers`).
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from local.lambdas.workers import FunctionError
from local.template import Function, Stack

_serial = itertools.count()


@dataclass
class LambdaContext:
    """The parts of the Lambda context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str
    invoked_function_arn: str
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def merged_environment(stack: Stack) -> dict[str, str]:
    """All functions' variables in one process environment.

    Convention checked here: a variable name means the same in every function,
    so the handlers can share one test process the way they share one template.
    """
    merged: dict[str, str] = {}
    for function in stack.functions.values():
        for key, value in function.environment.items():
            if merged.setdefault(key, value) != value:
                raise ValueError(
                    f"environment variable {key} differs between functions; give each meaning its own name"
                )
    return merged


def load_handler_module(function: Function, layer_dirs: list[Path] | None = None) -> ModuleType:
    """A fresh copy of the function's handler module, under its own name."""
    for path in map(str, function.layers if layer_dirs is None else layer_dirs):
        if path not in sys.path:
            sys.path.insert(0, path)
    module_file = function.handler.rsplit(".", 1)[0]
    source = function.code_dir / f"{module_file.replace('.', '/')}.py"
    name = f"_sitepulse_fn_{function.logical_id}_{next(_serial)}"
    spec = importlib.util.spec_from_file_location(name, source)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {source}")
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class InProcessRuntime:
    """`FunctionRuntime.invoke` in this process (moto in-process: `mock_aws`), one module per
    concurrent invocation of a function, reused once it is free."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self._idle: dict[str, list[Callable[[Any, Any], Any]]] = {fid: [] for fid in stack.functions}
        self._lock = threading.Lock()

    def invoke(self, name_or_arn: str, event: Any) -> Any:
        function = self.stack.function_by_name(name_or_arn)
        if function is None:
            raise KeyError(f"no function {name_or_arn!r} in the template")
        with self._lock:
            idle = self._idle[function.logical_id]
            handler = idle.pop() if idle else None
        if handler is None:
            handler = getattr(load_handler_module(function), function.handler.rsplit(".", 1)[1])
        context = LambdaContext(
            function.name, function.memory, function.timeout, str(uuid.uuid4()), function.arn
        )
        try:
            return handler(event, context)
        except Exception as exc:
            raise FunctionError(
                {
                    "errorMessage": str(exc),
                    "errorType": type(exc).__name__,
                    "stackTrace": traceback.format_tb(exc.__traceback__),
                }
            ) from exc
        finally:
            with self._lock:
                self._idle[function.logical_id].append(handler)
