"""AWS clients, created once per container (and per thread-safe client, shared), all with ONE
retry configuration, and the one rule that says which AWS errors are worth retrying.

Retries (`RETRY_CONFIG`): botocore's *standard* mode, `max_attempts` 5 in total (1 call + 4
retries), exponential backoff with full jitter (base 1 s, capped at 20 s by botocore, so at most
≈ 15 s of waiting), on throttling codes (`ThrottlingException`,
`ProvisionedThroughputExceededException`, `SlowDown`, `TooManyRequestsException`, …), 5xx
answers and connection errors; the process-wide retry quota stops retry storms when a service
is down. Timeouts are bounded too (connect 5 s, read 30 s), so an API call stays well inside
the function timeout. Adaptive mode was not chosen: its client-side rate limiter is per client
and per container, which at Lambda's scale only adds waiting.

When these retries are exhausted the error reaches the caller: the HTTP edge turns a transient
one into 503 + Retry-After (`sitepulse.common.http`), the report pipeline re-raises it as
`TransientAwsError` for the state machine's Retry.
"""

from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

from sitepulse.common.snapstart import reseed_after_restore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

RETRY_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=5,
    read_timeout=30,
    signature_version="s3v4",
)

TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "SlowDown",
        "InternalServerError",
        "InternalFailure",
        "InternalError",
        "ServiceException",
        "ServiceUnavailable",
        "RequestTimeout",
        "RequestTimeoutException",
        "TransactionConflictException",
        "TransactionInProgressException",
    }
)


def is_transient(error: BaseException) -> bool:
    """A throttling, 5xx or connection error: the same request may succeed later."""
    if isinstance(error, ConnectionError | ReadTimeoutError):
        return True
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return code in TRANSIENT_CODES or status >= 500
    return False


# Every function that creates a client imports this module: botocore's retry jitter uses `random`.
reseed_after_restore()


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=RETRY_CONFIG)


def dynamodb() -> DynamoDBClient:
    return client("dynamodb")


def s3() -> Any:
    return client("s3")


def credentials() -> Any:
    """The credentials every client above signs with (boto3's default session), for code that
    signs by itself (`sitepulse.common.presigned`)."""
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    return boto3.DEFAULT_SESSION.get_credentials()  # type: ignore[union-attr]
