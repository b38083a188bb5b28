"""Errors of the report pipeline, named so that the state machine can tell transient from final.

Step Functions matches `Retry`/`Catch` on the error *type name* a Lambda raised. AWS errors
that are worth retrying are re-raised as `TransientAwsError` (retried with backoff by the
state machine); anything else fails the report at once with a readable message.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable
from typing import Any

from sitepulse.common.aws import is_transient


class TransientAwsError(Exception):
    """An AWS call failed in a way that may succeed if tried again."""


class ReportInputError(Exception):
    """The report cannot be produced from the stored data (e.g. nothing ingested yet)."""


class ReportShardError(Exception):
    """A shard cannot compute its rows (unreadable stored data): the report fails."""


def classify_aws_errors[**P, R](function: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            if is_transient(exc):
                raise TransientAwsError(f"{type(exc).__name__}: {exc}") from exc
            raise

    return wrapper


# Errors whose message was written for the report's reader (raised by our steps on purpose).
_USER_FACING = {"ReportInputError", "ReportShardError"}
_BY_ERROR = {
    "TransientAwsError": "AWS kept refusing requests while the report was computed; try again later",
    "States.Timeout": "the report took too long and was stopped; try again later",
}
_INTERNAL = "the report could not be computed because of an internal error; try again later"
MAX_ERROR_LENGTH = 1000


def readable_failure(error: Any) -> str:
    """The `error` text a user reads, from the `{"Error", "Cause"}` a Catch hands over.

    Only our own report errors carry their message through; anything else (a bug, a
    timeout, AWS failing) is described in words, never as an exception name or repr (the
    full cause is in the failure step's log)."""
    if not isinstance(error, dict):
        return _INTERNAL
    name = str(error.get("Error") or "")
    cause: Any = error.get("Cause")
    if isinstance(cause, str):
        with contextlib.suppress(ValueError):
            cause = json.loads(cause)
    if isinstance(cause, dict):
        name = str(cause.get("errorType") or name)
        if name in _USER_FACING and cause.get("errorMessage"):
            return " ".join(str(cause["errorMessage"]).split())[:MAX_ERROR_LENGTH]
    return _BY_ERROR.get(name, _INTERNAL)
