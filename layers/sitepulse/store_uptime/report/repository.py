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

Every transition is conditional on `status = Running`, so a late retry of a shard or of
finalize can never resurrect or double-count a finished report.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from sitepulse.common import dynamo

RUNNING = "Running"
COMPLETE = "Complete"
FAILED = "Failed"


class ReportExistsError(Exception):
    def __init__(self, stored: dict[str, Any]) -> None:
        super().__init__("report exists")
        self.stored = stored


class ReportRepository:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def _key(self, report_id: str) -> dict[str, Any]:
        return {"pk": {"S": report_id}}

    def create(self, record: dict[str, Any]) -> None:
        """Store a new record; ReportExistsError (with the stored one) when the id is taken."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=dynamo.to_item({"pk": record["report_id"], **record}),
                ConditionExpression="attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            stored = error.response.get("Item")
            raise ReportExistsError(
                dynamo.from_item(stored) if stored else (self.get(record["report_id"]) or {})
            ) from None

    def get(self, report_id: str, consistent: bool = False) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table, Key=self._key(report_id), ConsistentRead=consistent
        )
        return dynamo.from_item(response["Item"]) if "Item" in response else None

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
