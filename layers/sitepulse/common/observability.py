"""Logger, Tracer and Metrics: created once per container and shared by every module.

Service name and metrics namespace come from the template's Globals
(`POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_METRICS_NAMESPACE`).

`tracer` imports Powertools' Tracer (and with it the X-Ray SDK, the most expensive import of
a cold start) only where tracing can be on: in Lambda (`LAMBDA_TASK_ROOT` set), not under
`sam local` or Chalice, and not disabled by `POWERTOOLS_TRACE_DISABLED` — the rule Powertools
itself applies before doing nothing. Elsewhere (tests, `make run`, the cold-start bench) its
decorators return the function unchanged and nothing X-Ray is imported. In AWS, with
`Tracing: Active`, the real Tracer is created when the handler is decorated, at init, as before.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.shared import constants
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice
from aws_lambda_powertools.shared.version import VERSION as POWERTOOLS_VERSION

from sitepulse.common.pinned import POWERTOOLS, require_version

logger = Logger()
metrics = Metrics()

# What the X-Ray SDK instruments: botocore, our only outbound client (every AWS call becomes a
# subsegment). Powertools' default patches every library the SDK supports, importing each one
# it finds (requests, httplib, sqlite3, …) at init: ≈ 55 ms more of a cold start, for nothing.
PATCHED_MODULES = ("botocore",)


# `tracing_enabled` mirrors Powertools' private `Tracer._is_tracer_disabled` (importing the Tracer
# to ask it would cost the X-Ray SDK import this module exists to avoid): checked against the
# version it mirrors, at import, and compared with the original by a test.
require_version(
    "aws-lambda-powertools", POWERTOOLS_VERSION, POWERTOOLS, "common.observability's tracing_enabled"
)


def tracing_enabled() -> bool:
    """Whether Powertools' Tracer would trace here (its `_is_tracer_disabled`, without importing it)."""
    if resolve_truthy_env_var_choice(env=os.getenv(constants.TRACER_DISABLED_ENV, "false")):
        return False
    in_lambda = os.getenv(constants.LAMBDA_TASK_ROOT_ENV)
    emulated = os.getenv(constants.SAM_LOCAL_ENV) or os.getenv(constants.CHALICE_LOCAL_ENV)
    return bool(in_lambda) and not emulated


class LazyTracer:
    """Powertools' Tracer, imported on first real use; a no-op where tracing is off."""

    def __init__(self) -> None:
        self._tracer: Any = None

    @property
    def tracer(self) -> Any:
        """The Powertools Tracer (imports the X-Ray SDK on first access)."""
        if self._tracer is None:
            from aws_lambda_powertools import Tracer

            self._tracer = Tracer(patch_modules=PATCHED_MODULES)
        return self._tracer

    def capture_lambda_handler[F: Callable[..., Any]](self, handler: F) -> F:
        if not tracing_enabled():
            return handler
        wrapped: F = self.tracer.capture_lambda_handler(handler)
        return wrapped

    def capture_method[F: Callable[..., Any]](self, method: F) -> F:
        if not tracing_enabled():
            return method
        wrapped: F = self.tracer.capture_method(method)
        return wrapped

    def __getattr__(self, name: str) -> Any:
        # put_annotation, put_metadata, provider, ...: the real Tracer (disabled or not).
        return getattr(self.tracer, name)


tracer = LazyTracer()
