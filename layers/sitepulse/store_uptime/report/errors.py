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

from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

_TRANSIENT_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "SlowDown",
    "InternalError",
    "RequestTimeout",
    "TransactionConflictException",
}


class TransientAwsError(Exception):
    """An AWS call failed in a way that may succeed if tried again."""


class ReportInputError(Exception):
    """The report cannot be produced from the stored data (e.g. nothing ingested yet)."""


class ReportShardError(Exception):
    """A shard cannot compute its rows (unreadable stored data): the report fails."""


def is_transient(error: Exception) -> bool:
    if isinstance(error, ConnectionError | ReadTimeoutError):
        return True
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return code in _TRANSIENT_CODES or status >= 500
    return False


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


def readable_failure(error: Any) -> str:
    """A one-line message from the `{"Error", "Cause"}` a Catch hands over (no stack trace)."""
    if not isinstance(error, dict):
        return "the report pipeline failed"
    name = str(error.get("Error") or "Error")
    cause: Any = error.get("Cause")
    if isinstance(cause, str):
        with contextlib.suppress(ValueError):
            cause = json.loads(cause)
    if isinstance(cause, dict) and cause.get("errorMessage"):
        message = f"{cause.get('errorType', name)}: {cause['errorMessage']}"
    elif cause:
        message = f"{name}: {cause}"
    else:
        message = name
    return " ".join(message.split())[:1000]
