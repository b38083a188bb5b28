"""The one query drain and the one batch retry of the layer (`sitepulse.common.dynamo`)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws

from sitepulse.common import dynamo
from sitepulse.common.errors import ServiceUnavailableError
from sitepulse.common.retry import RetryPolicy


class Pages:
    """A client whose Query answers with the given pages, recording each request."""

    def __init__(self, pages: list[list[int]]) -> None:
        self.pages = pages
        self.requests: list[dict[str, Any]] = []

    def query(self, **request: Any) -> dict[str, Any]:
        self.requests.append(dict(request))
        index = len(self.requests) - 1
        response: dict[str, Any] = {"Items": [{"n": {"N": str(n)}} for n in self.pages[index]]}
        if index + 1 < len(self.pages):
            response["LastEvaluatedKey"] = {"page": {"N": str(index)}}
        return response


def test_query_items_follows_every_page_and_leaves_the_query_alone() -> None:
    client = Pages([[1, 2], [], [3]])
    query = {"TableName": "t", "KeyConditionExpression": "pk = :pk"}
    assert [int(i["n"]["N"]) for i in dynamo.query_items(client, query)] == [1, 2, 3]
    assert [r.get("ExclusiveStartKey") for r in client.requests] == [
        None,
        {"page": {"N": "0"}},
        {"page": {"N": "1"}},
    ]
    assert query == {"TableName": "t", "KeyConditionExpression": "pk = :pk"}


def test_query_pages_is_lazy() -> None:
    client = Pages([[1], [2], [3]])
    first = next(iter(dynamo.query_pages(client, {"TableName": "t"})))
    assert first["Items"] == [{"n": {"N": "1"}}]
    assert len(client.requests) == 1  # no page is read that nobody asked for


class Throttled:
    """Batch calls that leave the first `refusals` answers' last key/item unprocessed."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.sent: list[Any] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.sent.append(RequestItems)
        keys = RequestItems["t"]["Keys"]
        if self.refusals and len(keys) > 0:
            self.refusals -= 1
            done, left = keys[:-1], keys[-1:]
            return {"Responses": {"t": done}, "UnprocessedKeys": {"t": {"Keys": left}}}
        return {"Responses": {"t": keys}, "UnprocessedKeys": {}}

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.sent.append(RequestItems)
        if self.refusals:
            self.refusals -= 1
            return {"UnprocessedItems": {"t": RequestItems["t"][-1:]}}
        return {"UnprocessedItems": {}}


def _keys(n: int) -> list[dict[str, Any]]:
    return [{"pk": {"S": str(i)}} for i in range(n)]


def test_batch_get_resends_unprocessed_keys_with_backoff() -> None:
    waits: list[float] = []
    client = Throttled(refusals=2)
    found = dynamo.batch_get(client, {"t": {"Keys": _keys(3)}}, RetryPolicy(attempts=5, sleep=waits.append))
    assert sorted(k["pk"]["S"] for k in found["t"]) == ["0", "1", "2"]
    assert len(client.sent) == 3
    assert len(waits) == 2  # one jittered wait before each re-send, none before the first


def test_batch_get_gives_up_loudly() -> None:
    waits: list[float] = []
    client = Throttled(refusals=10)
    with pytest.raises(dynamo.UnprocessedError, match="1 keys still unprocessed after 3 attempts") as raised:
        dynamo.batch_get(client, {"t": {"Keys": _keys(5)}}, RetryPolicy(attempts=3, sleep=waits.append))
    assert isinstance(raised.value, ServiceUnavailableError)  # an API answers 503 + Retry-After
    assert len(waits) == 2  # no pointless wait after the last attempt


def test_batch_write_resends_unprocessed_items_with_backoff() -> None:
    waits: list[float] = []
    client = Throttled(refusals=1)
    requests = [{"PutRequest": {"Item": k}} for k in _keys(2)]
    assert dynamo.batch_write(client, {"t": requests}, RetryPolicy(attempts=4, sleep=waits.append)) == 2
    assert client.sent[1] == {"t": requests[-1:]}
    assert len(waits) == 1


def test_batch_write_gives_up_loudly() -> None:
    client = Throttled(refusals=10)
    requests = [{"PutRequest": {"Item": k}} for k in _keys(2)]
    with pytest.raises(dynamo.UnprocessedError, match="1 items still unprocessed after 2 attempts"):
        dynamo.batch_write(client, {"t": requests}, RetryPolicy(attempts=2, sleep=lambda _: None))


@mock_aws
def test_query_items_against_dynamodb_pages_of_one() -> None:
    client = boto3.client("dynamodb", region_name="eu-west-1")
    client.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for sk in "abcde":
        client.put_item(TableName="t", Item={"pk": {"S": "p"}, "sk": {"S": sk}})
    query = {
        "TableName": "t",
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "p"}},
        "Limit": 1,
    }
    assert [i["sk"]["S"] for i in dynamo.query_items(client, query)] == list("abcde")
    assert len(list(dynamo.query_pages(client, query))) >= 5
