"""Report records in REPORTS_TABLE, one item per report (pk = report id).

| attribute            | meaning                                                              |
|----------------------|----------------------------------------------------------------------|
| status               | Running, Complete, Failed                                            |
| requested_now        | the `now` the request asked for (absent: latest poll)               |
| idempotency_key      | the client's Idempotency-Key, if any (the id is derived from it)     |
| now, now_us          | the report instant, fixed by the prepare step                       |
| total, done          | progress in stores; `done` grows once per shard (`shards_done` set)  |
| shard_count, stores  | shards planned; rows in the finished CSV                             |
| csv_key              | `reports/<id>.csv` in REPORTS_BUCKET                                 |
| created_at, completed_at, error, execution_arn |                                          |
| gsi1pk, gsi1sk       | `REPORT`, `<sortable created_at>#<id>`: `gsi1` lists reports newest first |

Every transition is conditional on `status = Running`, so a late retry of a shard or of
finalize can never resurrect or double-count a finished report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from sitepulse.common import dynamo, idempotent
from sitepulse.common.idempotent import WriteOutcome
from sitepulse.common.pagination import Listing
from sitepulse.common.timestamps import parse_instant, sortable_instant

RUNNING = "Running"
COMPLETE = "Complete"
FAILED = "Failed"
REPORT_INDEX = "gsi1"
_REPORT_KIND = "REPORT"
REPORT_LISTING = Listing("reports", {"pk": "S", "gsi1pk": "S", "gsi1sk": "S"})
# A position is a report record: pk <id>, gsi1sk <sortable created_at>#<the same id>.
_REPORT_ID = re.compile(r"[A-Za-z0-9_-]{1,128}", re.ASCII)
_REPORT_POSITION = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z#[A-Za-z0-9_-]{1,128}", re.ASCII)


def _listing_position(record: dict[str, Any]) -> str:
    # Fixed-width instant: "…:02Z" would sort after "…:02.5Z" as plain text.
    return f"{sortable_instant(parse_instant(record['created_at']))}#{record['report_id']}"


@dataclass(frozen=True)
class ReportStart:
    """What makes two starts of one report id the same request: the instant asked for. The
    stored status and execution come along, not compared, for the answer to a replay."""

    report_id: str
    requested_now: str | None
    status: str = field(default=RUNNING, compare=False)
    execution_arn: str | None = field(default=None, compare=False)


def _start_of(item: dict[str, Any]) -> ReportStart:
    return ReportStart(
        report_id=str(item["pk"]),
        requested_now=item.get("requested_now"),
        status=str(item.get("status", RUNNING)),
        execution_arn=item.get("execution_arn"),
    )


class ReportRepository:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def _key(self, report_id: str) -> dict[str, Any]:
        return {"pk": {"S": report_id}}

    def create(self, record: dict[str, Any]) -> WriteOutcome[ReportStart]:
        """Store a new record under its id (`common.idempotent.write_once`): created, or a
        replay of the same start (the stored one returned), or `KeyTakenError` when the id was
        started with another `requested_now`."""
        values = {"pk": record["report_id"], **record}
        put = {
            "Put": {
                "TableName": self._table,
                "Item": dynamo.to_item(
                    {**values, "gsi1pk": _REPORT_KIND, "gsi1sk": _listing_position(record)}
                ),
                "ConditionExpression": "attribute_not_exists(pk)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }
        return idempotent.write_once(
            self._client,
            _start_of(values),
            lambda: [put],
            decode=_start_of,
            read_stored=lambda: self.get(record["report_id"], consistent=True),
        )

    def get(self, report_id: str, consistent: bool = False) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table, Key=self._key(report_id), ConsistentRead=consistent
        )
        return dynamo.from_item(response["Item"]) if "Item" in response else None

    def newest(self, limit: int, next_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Reports newest first: one Query on `gsi1` per page."""
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": REPORT_INDEX,
            "KeyConditionExpression": "gsi1pk = :kind",
            "ExpressionAttributeValues": {":kind": {"S": _REPORT_KIND}},
            "ScanIndexForward": False,
        }
        start = REPORT_LISTING.start_key(
            next_token,
            None,
            expected={"pk": _REPORT_ID, "gsi1pk": _REPORT_KIND, "gsi1sk": _REPORT_POSITION},
            check=lambda values: values["gsi1sk"].endswith("#" + values["pk"]),
        )
        items, last_key = REPORT_LISTING.query_page(self._client, query, limit, start)
        return [dynamo.from_item(item) for item in items], REPORT_LISTING.token(last_key, None)

    def set_execution(self, report_id: str, execution_arn: str) -> None:
        self._client.update_item(
            TableName=self._table,
            Key=self._key(report_id),
            UpdateExpression="SET execution_arn = :arn",
            ExpressionAttributeValues={":arn": {"S": execution_arn}},
        )

    def _transition(
        self,
        report_id: str,
        update: str,
        values: dict[str, Any],
        names: dict[str, str] | None = None,
        condition: str = "",
    ) -> bool:
        """Apply an update while the report is Running; False if it is not (anymore)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key(report_id),
                UpdateExpression=update,
                ConditionExpression="#status = :running" + (f" AND {condition}" if condition else ""),
                ExpressionAttributeNames={"#status": "status", **(names or {})},
                ExpressionAttributeValues=dynamo.to_item({**values, ":running": RUNNING}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def planned(self, report_id: str, now: str, now_us: int, total: int, shard_count: int) -> bool:
        return self._transition(
            report_id,
            "SET #now = :now, now_us = :now_us, #total = :total, done = if_not_exists(done, :zero), "
            "shard_count = :shards",
            {":now": now, ":now_us": now_us, ":total": total, ":zero": 0, ":shards": shard_count},
            {"#now": "now", "#total": "total"},
        )

    def shard_done(self, report_id: str, shard: int, stores: int) -> bool:
        """Count a shard's stores once, however often the shard is retried."""
        return self._transition(
            report_id,
            "ADD done :stores, shards_done :shard",
            {":stores": stores, ":shard": {str(shard)}, ":shard_id": str(shard)},
            condition="NOT contains(shards_done, :shard_id)",
        )

    def complete(self, report_id: str, completed_at: str, rows: int, csv_key: str) -> bool:
        return self._transition(
            report_id,
            "SET #status = :complete, completed_at = :at, stores = :rows, csv_key = :key",
            {":complete": COMPLETE, ":at": completed_at, ":rows": rows, ":key": csv_key},
        )

    def fail(self, report_id: str, error: str) -> bool:
        return self._transition(
            report_id,
            "SET #status = :failed, #error = :error",
            {":failed": FAILED, ":error": error},
            {"#error": "error"},
        )
