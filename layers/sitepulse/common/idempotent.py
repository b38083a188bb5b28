"""The one idempotent write of every domain: a conditional put of the idempotency key, alone
or in a transaction with the aggregates it feeds, told apart as created / replay / conflict.

    outcome = write_once(client, value, plan, decode=..., read_stored=...)

* `plan()` returns the `TransactItems` of one attempt, whose FIRST item is the conditional
  Put of the value under its idempotency key (`attribute_not_exists(pk)`, ALL_OLD on
  failure); a plan of that one Put is sent as a `PutItem`. `plan()` may return `ALREADY_STORED`
  when the domain already knows the key is taken (then the stored item is read).
* The key's condition failing means the key is taken: the stored item (from the
  cancellation reason, else `read_stored()`) is decoded and compared with `value`:
  equal → `WriteOutcome(stored, created=False)` (a replay changes nothing); different →
  `KeyTakenError(stored)` (409).
* Contention (`TransactionConflict`, or a domain condition that `on_cancelled` says is
  `Retry.BACKOFF`, e.g. an optimistic lock) is retried under the layer's one retry policy
  (`sitepulse.common.retry.CONTENTION`: full jitter, bounded). When it is exhausted:
  `ServiceUnavailableError` (503 + Retry-After); nothing was written, so the client's retry
  is safe. `Retry.NOW` re-plans at once (a domain condition that changes the plan, e.g. a
  late reading must not move "latest").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from botocore.exceptions import ClientError

from sitepulse.common import dynamo
from sitepulse.common.errors import KeyTakenError, ServiceUnavailableError
from sitepulse.common.retry import CONTENTION, RetryPolicy

_CONDITION_FAILED = "ConditionalCheckFailed"


@dataclass(frozen=True)
class WriteOutcome[T]:
    value: T  # what is stored under the key: the value written, or the same value already there
    created: bool  # False: an idempotent replay, nothing was written


class Retry(Enum):
    NOW = "now"  # re-plan and send again at once (bounded by the policy's attempts)
    BACKOFF = "backoff"  # contention: wait (jittered) and re-plan


ALREADY_STORED: Sequence[dict[str, Any]] = ()
"""`plan()`'s answer when the domain already knows the key is taken."""


def _no_domain_conditions(codes: list[str]) -> Retry | None:
    return None


def write_once[T](
    client: Any,
    value: T,
    plan: Callable[[], Sequence[dict[str, Any]]],
    *,
    decode: Callable[[dict[str, Any]], T],
    read_stored: Callable[[], dict[str, Any] | None],
    on_cancelled: Callable[[list[str]], Retry | None] = _no_domain_conditions,
    policy: RetryPolicy | None = None,
) -> WriteOutcome[T]:
    """Write `value` once under its idempotency key; see the module docstring."""
    policy = policy or CONTENTION
    for attempt in range(policy.attempts):
        items = plan()
        if items is ALREADY_STORED:
            return _replay(value, read_stored(), decode)
        try:
            _send(client, items)
            return WriteOutcome(value, created=True)
        except ClientError as error:
            codes = _reason_codes(error)
            if codes[:1] == [_CONDITION_FAILED]:
                return _replay(value, _returned_item(error) or read_stored(), decode)
            retry = on_cancelled(codes) if codes else None
            if retry is None and dynamo.is_transaction_conflict(error):
                retry = Retry.BACKOFF
            if retry is None:
                raise
            if retry is Retry.BACKOFF and attempt + 1 < policy.attempts:
                policy.wait(attempt)
    raise ServiceUnavailableError(
        "too many concurrent writes to the same record; retry shortly", policy.retry_after_seconds
    )


def _send(client: Any, items: Sequence[dict[str, Any]]) -> None:
    if len(items) == 1 and "Put" in items[0]:
        client.put_item(**items[0]["Put"])  # one item needs no transaction (half the write cost)
    else:
        client.transact_write_items(TransactItems=list(items))


def _reason_codes(error: ClientError) -> list[str]:
    """Per-item reason codes of a cancelled transaction; a failed PutItem as a one-item list."""
    if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
        return [_CONDITION_FAILED]
    return dynamo.cancellation_codes(error)


def _returned_item(error: ClientError) -> dict[str, Any] | None:
    """The stored item returned with ReturnValuesOnConditionCheckFailure=ALL_OLD, if any."""
    if "Item" in error.response:  # PutItem
        return dynamo.from_item(error.response["Item"])
    return dynamo.cancellation_item(error, 0)


def _replay[T](
    value: T, stored_item: dict[str, Any] | None, decode: Callable[[dict[str, Any]], T]
) -> WriteOutcome[T]:
    if stored_item is None:  # nothing ever deletes a record written under an idempotency key
        raise RuntimeError("the key was reported as taken but its item could not be read")
    stored = decode(stored_item)
    if stored != value:
        raise KeyTakenError(stored)
    return WriteOutcome(stored, created=False)
