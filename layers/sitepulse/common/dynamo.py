"""Small helpers over the low-level DynamoDB client: (de)serialisation, draining a query's
pages, batch requests retried until nothing is left unprocessed, and transaction error
classification. The low-level client is used because it is the only one exposing transactions
and cancellation reasons."""

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from sitepulse.common.errors import ServiceUnavailableError
from sitepulse.common.retry import UNPROCESSED, RetryPolicy

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """Typed attribute values: an item, a key, or expression attribute values (`:name` → value)."""
    return {key: _serializer.serialize(value) for key, value in values.items()}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


class UnprocessedError(ServiceUnavailableError):
    """DynamoDB kept handing back part of a batch (sustained throttling): the caller retries later
    (an API answers 503 + Retry-After). Safe: a batch reads, or puts items whose content is fully
    determined by their key, so sending it again writes the same thing."""


def query_pages(client: Any, query: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every page (response) of a Query, following `LastEvaluatedKey` until the last one.

    Pages are fetched lazily: a caller that has what it needs stops iterating and no further
    request is sent. `query` is not modified.
    """
    request = dict(query)
    while True:
        response = client.query(**request)
        yield response
        if "LastEvaluatedKey" not in response:
            return
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def query_items(client: Any, query: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every item of a Query across all its pages (low-level attribute values)."""
    for page in query_pages(client, query):
        yield from page["Items"]


def batch_get(
    client: Any, request_items: Mapping[str, Any], policy: RetryPolicy = UNPROCESSED
) -> dict[str, list[dict[str, Any]]]:
    """{table: items} of one BatchGetItem (≤ 100 keys), `UnprocessedKeys` re-sent under `policy`."""
    found: dict[str, list[dict[str, Any]]] = {table: [] for table in request_items}
    pending: Mapping[str, Any] = request_items
    for attempt in range(policy.attempts):
        response = client.batch_get_item(RequestItems=pending)
        for table, items in response.get("Responses", {}).items():
            found.setdefault(table, []).extend(items)
        pending = response.get("UnprocessedKeys") or {}
        if not pending:
            return found
        if attempt + 1 < policy.attempts:
            policy.wait(attempt)
    keys = sum(len(request["Keys"]) for request in pending.values())
    raise UnprocessedError(
        f"{keys} keys still unprocessed after {policy.attempts} attempts", policy.retry_after_seconds
    )


def batch_write(client: Any, request_items: Mapping[str, Any], policy: RetryPolicy = UNPROCESSED) -> int:
    """One BatchWriteItem (≤ 25 requests), `UnprocessedItems` re-sent under `policy`; the
    number of requests sent."""
    pending: Mapping[str, Any] = request_items
    for attempt in range(policy.attempts):
        pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        if not pending:
            return attempt + 1
        if attempt + 1 < policy.attempts:
            policy.wait(attempt)
    items = sum(len(requests) for requests in pending.values())
    raise UnprocessedError(
        f"{items} items still unprocessed after {policy.attempts} attempts", policy.retry_after_seconds
    )


def as_int(value: Any) -> int:
    return int(value) if isinstance(value, Decimal | int) else 0


def cancellation_codes(error: ClientError) -> list[str]:
    """Per-item reason codes of a cancelled transaction ('None' for items that were fine)."""
    reasons = error.response.get("CancellationReasons") or []
    return [reason.get("Code", "None") for reason in reasons]


def cancellation_item(error: ClientError, index: int) -> dict[str, Any] | None:
    """The stored item returned with ReturnValuesOnConditionCheckFailure=ALL_OLD, if any."""
    reasons = error.response.get("CancellationReasons") or []
    if index < len(reasons) and reasons[index].get("Item"):
        return from_item(reasons[index]["Item"])
    return None


def is_transaction_conflict(error: ClientError) -> bool:
    """A concurrent transaction touched the same items: safe to retry."""
    code = error.response.get("Error", {}).get("Code", "")
    if code == "TransactionConflictException":
        return True
    return code == "TransactionCanceledException" and "TransactionConflict" in cancellation_codes(error)


MAX_BATCH_GET = 100  # DynamoDB's limit of keys per BatchGetItem


def get_keys(
    client: Any, table: str, keys: Sequence[Mapping[str, Any]], projection: str | None = None
) -> list[dict[str, Any]]:
    """The items stored under exactly these keys (in no particular order): one `batch_get` per
    100 keys. Reads nothing but the keys named."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), MAX_BATCH_GET):
        request: dict[str, Any] = {"Keys": list(keys[start : start + MAX_BATCH_GET])}
        if projection:
            request["ProjectionExpression"] = projection
        found.extend(batch_get(client, {table: request})[table])
    return found
