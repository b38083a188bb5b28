"""The one idempotent write: created / replay / conflict, and one bounded, jittered retry policy."""

from __future__ import annotations

import random
import threading
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from sitepulse.common import dynamo
from sitepulse.common.errors import ConflictError, KeyTakenError, ServiceUnavailableError
from sitepulse.common.idempotent import ALREADY_STORED, Retry, write_once
from sitepulse.common.retry import RetryPolicy


def cancelled(*codes: str, item: dict[str, Any] | None = None) -> ClientError:
    reasons = [{"Code": code} for code in codes]
    if item is not None:
        reasons[0]["Item"] = dynamo.to_item(item)
    return ClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "x"}, "CancellationReasons": reasons},
        "TransactWriteItems",
    )


class ScriptedClient:
    """Answers each call with the next scripted error, or succeeds when the script is empty."""

    def __init__(self, *errors: ClientError) -> None:
        self.errors = list(errors)
        self.calls: list[str] = []

    def _answer(self, name: str) -> dict[str, Any]:
        self.calls.append(name)
        if self.errors:
            raise self.errors.pop(0)
        return {}

    def transact_write_items(self, **_: Any) -> dict[str, Any]:
        return self._answer("transact_write_items")

    def put_item(self, **_: Any) -> dict[str, Any]:
        return self._answer("put_item")


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


TWO_ITEMS = [{"Put": {"TableName": "t", "Item": {}}}, {"Update": {"TableName": "t"}}]


def write(client: Any, value: dict[str, Any], **options: Any) -> Any:
    options.setdefault("plan", lambda: TWO_ITEMS)
    return write_once(
        client,
        value,
        options.pop("plan"),
        decode=lambda item: {"v": int(item["v"])},
        read_stored=options.pop("read_stored", lambda: None),
        **options,
    )


def test_a_first_write_is_created() -> None:
    client = ScriptedClient()
    outcome = write(client, {"v": 1})
    assert (outcome.value, outcome.created) == ({"v": 1}, True)
    assert client.calls == ["transact_write_items"]


def test_a_taken_key_holding_the_same_value_is_a_replay_from_the_returned_item() -> None:
    client = ScriptedClient(cancelled("ConditionalCheckFailed", "None", item={"v": 1}))
    outcome = write(client, {"v": 1}, read_stored=lambda: pytest.fail("the returned item suffices"))
    assert (outcome.value, outcome.created) == ({"v": 1}, False)


def test_a_taken_key_holding_another_value_is_the_one_conflict_error() -> None:
    client = ScriptedClient(cancelled("ConditionalCheckFailed", "None"))
    with pytest.raises(KeyTakenError) as caught:
        write(client, {"v": 1}, read_stored=lambda: {"v": 2})
    assert caught.value.stored == {"v": 2}
    assert isinstance(caught.value, ConflictError)  # → 409 at the edge


def test_a_single_put_is_sent_as_put_item_and_its_condition_failure_is_a_replay() -> None:
    failed = ClientError(
        {"Error": {"Code": "ConditionalCheckFailedException", "Message": "x"}, "Item": {"v": {"N": "1"}}},
        "PutItem",
    )
    client = ScriptedClient(failed)
    outcome = write(client, {"v": 1}, plan=lambda: [TWO_ITEMS[0]])
    assert client.calls == ["put_item"]
    assert outcome.created is False


def test_already_stored_reads_the_item_without_writing() -> None:
    client = ScriptedClient()
    outcome = write(client, {"v": 3}, plan=lambda: ALREADY_STORED, read_stored=lambda: {"v": 3})
    assert (outcome.created, client.calls) == (False, [])


def test_a_vanished_item_is_an_error_not_a_replay() -> None:
    with pytest.raises(RuntimeError, match="could not be read"):
        write(ScriptedClient(cancelled("ConditionalCheckFailed")), {"v": 1})


def test_contention_is_retried_with_full_jitter_under_a_cap() -> None:
    sleeps = Sleeps()
    policy = RetryPolicy(attempts=6, base_seconds=0.01, cap_seconds=0.03, sleep=sleeps)
    client = ScriptedClient(*[cancelled("None", "TransactionConflict")] * 5)
    assert write(client, {"v": 1}, policy=policy).created is True
    assert len(client.calls) == 6
    assert len(sleeps) == 5
    assert all(0 <= s <= min(0.03, 0.01 * 2**k) for k, s in enumerate(sleeps))


def test_jitter_does_not_come_from_the_seeded_random_state() -> None:
    # Two containers resumed from one SnapStart snapshot share the `random` module's state
    # (here: the same seed); their waits must still differ, or colliding writers collide again.
    def waits() -> list[float]:
        random.seed(20240101)
        sleeps = Sleeps()
        policy = RetryPolicy(attempts=6, sleep=sleeps)
        for attempt in range(5):
            policy.wait(attempt)
        return list(sleeps)

    first, second = waits(), waits()
    assert len(first) == len(second) == 5
    assert first != second


def test_exhausted_contention_is_a_503_with_retry_after() -> None:
    sleeps = Sleeps()
    policy = RetryPolicy(attempts=3, sleep=sleeps, retry_after_seconds=2)
    client = ScriptedClient(*[cancelled("None", "TransactionConflict")] * 10)
    with pytest.raises(ServiceUnavailableError) as caught:
        write(client, {"v": 1}, policy=policy)
    assert caught.value.retry_after_seconds == 2
    assert len(client.calls) == 3
    assert len(sleeps) == 2  # no pointless wait after the last attempt


def test_a_domain_condition_can_replan_at_once_or_back_off() -> None:
    sleeps = Sleeps()
    plans: list[int] = []
    client = ScriptedClient(cancelled("None", "ConditionalCheckFailed"), cancelled("None", "None", "X"))

    def on_cancelled(codes: list[str]) -> Retry | None:
        return Retry.NOW if codes[1] == "ConditionalCheckFailed" else Retry.BACKOFF

    def plan() -> list[dict[str, Any]]:
        plans.append(len(plans))
        return TWO_ITEMS

    outcome = write(client, {"v": 1}, plan=plan, on_cancelled=on_cancelled, policy=RetryPolicy(sleep=sleeps))
    assert outcome.created is True
    assert plans == [0, 1, 2]
    assert len(sleeps) == 1  # only the BACKOFF waited


def test_other_errors_are_raised_unchanged() -> None:
    throttled = ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException"}}, "TransactWriteItems"
    )
    with pytest.raises(ClientError) as caught:
        write(ScriptedClient(throttled), {"v": 1})
    assert caught.value is throttled
    with pytest.raises(ClientError):  # a domain condition nobody claimed
        write(ScriptedClient(cancelled("None", "ConditionalCheckFailed")), {"v": 1})


def test_concurrent_writers_of_one_key_on_moto_create_once(tables: dict[str, str]) -> None:
    client = boto3.client("dynamodb")
    table = tables["OccupancyTable"]
    key = {"pk": "idempotent-test", "sk": "k"}

    def attempt(value: int) -> Any:
        item = dynamo.to_item({**key, "v": value})
        put = {
            "TableName": table,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(pk)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }

        def read_stored() -> dict[str, Any] | None:
            found = client.get_item(TableName=table, Key=dynamo.to_item(key), ConsistentRead=True)
            return dynamo.from_item(found["Item"]) if "Item" in found else None

        return write_once(
            client,
            {"v": value},
            lambda: [{"Put": put}],
            decode=lambda stored: {"v": int(stored["v"])},
            read_stored=read_stored,
        )

    results: list[Any] = []
    lock = threading.Lock()

    def run(value: int) -> None:
        try:
            outcome: Any = attempt(value)
        except KeyTakenError as taken:
            outcome = taken
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(1 if n % 2 else 2,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    created = [r for r in results if not isinstance(r, KeyTakenError) and r.created]
    assert len(created) == 1
    winner = created[0].value
    for result in results:
        if isinstance(result, KeyTakenError):
            assert result.stored == winner
        else:
            assert result.value == winner


WRITES = [
    (
        "OccupancyWriteFunction",
        "/api/webhook",
        {"sensor": "s1", "ts": "2024-01-01T00:00:00Z", "in": 1, "out": 0},
    ),
    (
        "TemperatureWriteFunction",
        "/api/v1/buildings/b1/rooms/r1/temperatures",
        {"temperature": 21.5, "recorded_at": "2024-01-01T00:00:00Z"},
    ),
    (
        "BookingsWriteFunction",
        "/api/events",
        {"id": 1, "hotel_id": 7, "timestamp": "2024-03-01T10:00:00Z", "rpg_status": 1, "room_id": "r1",
         "night_of_stay": "2024-05-01"},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("function", "path", "body"), WRITES)
def test_every_write_path_answers_503_with_retry_after_when_contention_never_ends(
    load_function: Any,
    monkeypatch: pytest.MonkeyPatch,
    function: str,
    path: str,
    body: dict[str, Any],
) -> None:
    from sitepulse.common import idempotent
    from sitepulse.common.aws import dynamodb
    from tests.unit.conftest import http_event, lambda_context

    sleeps = Sleeps()
    monkeypatch.setattr(idempotent, "CONTENTION", RetryPolicy(attempts=4, sleep=sleeps))
    module = load_function(function)
    attempts = {"n": 0}

    def conflict(**_: Any) -> None:
        attempts["n"] += 1
        raise cancelled("None", "TransactionConflict")

    events = dynamodb().meta.events
    events.register("before-call.dynamodb.TransactWriteItems", conflict, unique_id="contention")
    try:
        response = module.handler(http_event("POST", path, body), lambda_context())
    finally:
        events.unregister("before-call.dynamodb.TransactWriteItems", unique_id="contention")
    assert response["statusCode"] == 503
    headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
    assert headers.get("retry-after") == "1"
    assert attempts["n"] == 4  # bounded
    assert len(sleeps) == 3
