"""Run the real Lambda handlers in-process.

Each function gets a pool of "containers": a container is the handler module
loaded under its own name, with its own module globals, used by one request at
a time — as in Lambda, where a container never serves two requests at once.
Concurrent requests therefore load more containers instead of sharing one
resolver's per-request state.
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

from local.template import Function, Stack


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


class FunctionError(Exception):
    """The handler raised: Lambda reports this as an Unhandled function error."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload["errorMessage"])
        self.payload = payload


def merged_environment(stack: Stack) -> dict[str, str]:
    """All functions' variables in one process environment.

    Convention checked here: a variable name means the same in every function,
    so the handlers can share one process the way they share one template.
    """
    merged: dict[str, str] = {}
    for function in stack.functions.values():
        for key, value in function.environment.items():
            if merged.setdefault(key, value) != value:
                raise ValueError(
                    f"environment variable {key} differs between functions; give each meaning its own name"
                )
    return merged


class FunctionPool:
    _serial = itertools.count()

    def __init__(self, function: Function, layer_dirs: list[Path]) -> None:
        self.function = function
        self._idle: list[Callable[[dict[str, Any], Any], Any]] = []
        self._lock = threading.Lock()
        for path in map(str, layer_dirs):
            if path not in sys.path:
                sys.path.insert(0, path)

    def load_module(self) -> ModuleType:
        """A fresh copy of the handler's module: a new container."""
        module_file = self.function.handler.rsplit(".", 1)[0]
        source = self.function.code_dir / f"{module_file.replace('.', '/')}.py"
        name = f"_sitepulse_fn_{self.function.logical_id}_{next(self._serial)}"
        spec = importlib.util.spec_from_file_location(name, source)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {source}")
        module: ModuleType = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module

    def _load(self) -> Callable[[dict[str, Any], Any], Any]:
        return getattr(self.load_module(), self.function.handler.rsplit(".", 1)[1])

    def invoke(self, event: Any) -> Any:
        with self._lock:
            handler = self._idle.pop() if self._idle else None
        if handler is None:
            handler = self._load()
        context = LambdaContext(
            function_name=self.function.name,
            memory_limit_in_mb=self.function.memory,
            timeout_seconds=self.function.timeout,
            aws_request_id=str(uuid.uuid4()),
            invoked_function_arn=self.function.arn,
        )
        try:
            return handler(event, context)
        except Exception as exc:
            traceback.print_exc()
            raise FunctionError(
                {
                    "errorMessage": str(exc),
                    "errorType": type(exc).__name__,
                    "stackTrace": traceback.format_tb(exc.__traceback__),
                }
            ) from exc
        finally:
            with self._lock:
                self._idle.append(handler)


class FunctionRuntime:
    """Every function of the stack, invocable by logical id, name or ARN."""

    def __init__(self, stack: Stack) -> None:
        layer_dirs = [stack.root / "layers"]
        self.stack = stack
        self.pools = {fid: FunctionPool(f, layer_dirs) for fid, f in stack.functions.items()}

    def invoke(self, name_or_arn: str, event: Any) -> Any:
        function = self.stack.function_by_name(name_or_arn)
        if function is None:
            raise KeyError(f"no function {name_or_arn!r} in the template")
        return self.pools[function.logical_id].invoke(event)
