"""AWS clients, created once per container (and per thread-safe client, shared)."""

from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

# Standard retry mode backs off on throttling and transient 5xx for us.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, signature_version="s3v4")


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=_CONFIG)


def dynamodb() -> DynamoDBClient:
    return client("dynamodb")


def s3() -> Any:
    return client("s3")
