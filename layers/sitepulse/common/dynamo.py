"""Small helpers over the low-level DynamoDB client: (de)serialisation and
transaction error classification. The low-level client is used because it is
the only one exposing transactions and cancellation reasons."""

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """Typed attribute values: an item, a key, or expression attribute values (`:name` → value)."""
    return {key: _serializer.serialize(value) for key, value in values.items()}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


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
_BATCH_ROUNDS = 5  # unprocessed keys are asked again at most this often (the SDK already retries)


def batch_get(
    client: Any, table: str, keys: Sequence[Mapping[str, Any]], projection: str | None = None
) -> list[dict[str, Any]]:
    """The items stored under exactly these keys (in no particular order): one BatchGetItem per
    100 keys, unprocessed keys asked again. Reads nothing but the keys named."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), MAX_BATCH_GET):
        request: dict[str, Any] = {"Keys": list(keys[start : start + MAX_BATCH_GET])}
        if projection:
            request["ProjectionExpression"] = projection
        pending: dict[str, Any] = {table: request}
        for _ in range(_BATCH_ROUNDS):
            response = client.batch_get_item(RequestItems=pending)
            found.extend(response.get("Responses", {}).get(table, []))
            pending = response.get("UnprocessedKeys") or {}
            if not pending:
                break
        else:
            raise RuntimeError(
                f"BatchGetItem on {table}: keys still unprocessed after {_BATCH_ROUNDS} rounds"
            )
    return found
