"""`Listing.query_page`: the one "one item more than asked" page of every gsi/partition listing."""

from __future__ import annotations

import re
from typing import Any

from sitepulse.common.pagination import Listing

THINGS = Listing("things", {"pk": "S", "sk": "S"})
THINGS_SK = re.compile(r"T#[0-9]{3}")


class FakeClient:
    """A Query over `items` as DynamoDB pages it: at most `Limit` items, and a LastEvaluatedKey
    whenever the limit was reached (even when nothing follows, as DynamoDB does)."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.requests: list[dict[str, Any]] = []

    def query(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        keys = [(item["pk"]["S"], item["sk"]["S"]) for item in self.items]
        start = request.get("ExclusiveStartKey")
        first = 0 if start is None else keys.index((start["pk"]["S"], start["sk"]["S"])) + 1
        page = self.items[first : first + request["Limit"]]
        response: dict[str, Any] = {"Items": page}
        if len(page) == request["Limit"]:
            response["LastEvaluatedKey"] = {"pk": page[-1]["pk"], "sk": page[-1]["sk"]}
        return response


def things(count: int) -> list[dict[str, Any]]:
    return [{"pk": {"S": "P"}, "sk": {"S": f"T#{n:03d}"}, "x": {"S": str(n)}} for n in range(count)]


def walk(client: FakeClient, limit: int) -> list[list[str]]:
    pages, start = [], None
    while True:
        items, last_key = THINGS.query_page(client, {"TableName": "t"}, limit, start)
        pages.append([item["x"]["S"] for item in items])
        token = THINGS.token(last_key, None)
        if token is None:
            return pages
        start = THINGS.start_key(token, None, expected={"pk": "P", "sk": THINGS_SK})


def test_a_full_last_page_carries_no_token_to_an_empty_page() -> None:
    client = FakeClient(things(6))
    assert walk(client, 3) == [["0", "1", "2"], ["3", "4", "5"]]
    assert [request["Limit"] for request in client.requests] == [4, 4]


def test_pages_continue_after_the_last_kept_item_not_the_extra_one() -> None:
    assert walk(FakeClient(things(7)), 3) == [["0", "1", "2"], ["3", "4", "5"], ["6"]]
    assert walk(FakeClient(things(2)), 5) == [["0", "1"]]
    assert walk(FakeClient(things(0)), 5) == [[]]


def test_a_short_page_cut_by_dynamodb_still_continues() -> None:
    class OneMegabyte(FakeClient):
        def query(self, **request: Any) -> dict[str, Any]:
            response = super().query(**{**request, "Limit": 2})  # 1 MB reached after 2 items
            response["LastEvaluatedKey"] = {
                "pk": response["Items"][-1]["pk"],
                "sk": response["Items"][-1]["sk"],
            }
            return response

    items, last_key = THINGS.query_page(OneMegabyte(things(9)), {"TableName": "t"}, 5, None)
    assert (len(items), last_key) == (2, {"pk": {"S": "P"}, "sk": {"S": "T#001"}})
