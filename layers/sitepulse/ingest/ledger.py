"""The ingestion ledger (INGESTION_TABLE): one item per object version, pk = S3 key, sk = ETag.

An object is ingested by whoever holds its lease. Claiming is one conditional write that
succeeds only for a new object, or for an unfinished one whose lease expired (its run
crashed or timed out) — so two runs never ingest the same object at once, and a crashed
run is taken over. Progress (byte offset, line, segment, counts) is checkpointed under the
same lease after every segment; `Done` is final, so an object is never ingested twice.

| attribute                  | meaning                                                     |
|----------------------------|-------------------------------------------------------------|
| status                     | Processing, Done (ingested, possibly with rejected rows), Failed |
| lease_owner, lease_expires | run id, epoch seconds                                        |
| attempts, last_error       | claims so far; the error that ended the previous attempt     |
| next_offset, next_line, segments_done, header, segment_bytes | the checkpoint |
| accepted, rejected, replayed | rows so far / in total                                     |
| started_at, finished_at, duration_ms, rejected_key, error     | the outcome                 |
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from sitepulse.common import dynamo
from sitepulse.ingest.objects import IncomingObject
from sitepulse.ingest.segments import Position

PROCESSING = "Processing"
DONE = "Done"
FAILED = "Failed"


class LeaseLostError(RuntimeError):
    """Another run took the object over (our lease had expired): stop touching it."""


@dataclass
class Claim:
    """A held lease on an object and the checkpoint to resume from."""

    obj: IncomingObject
    owner: str
    attempts: int
    position: Position | None  # None: nothing read yet (the header is not known)
    header: bytes | None
    segment_bytes: int
    accepted: int
    rejected: int
    replayed: int
    started_at: str
    last_error: str | None
    duration_ms: int = 0  # processing time over all attempts so far


def _key(obj: IncomingObject) -> dict[str, Any]:
    return {"pk": {"S": obj.key}, "sk": {"S": obj.etag}}


class IngestionLedger:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def statuses(self, objects: Iterable[IncomingObject]) -> dict[tuple[str, str], dict[str, Any]]:
        """Ledger items of the given objects (missing ones are new), one BatchGetItem per 100."""
        wanted = list({(o.key, o.etag): o for o in objects}.values())
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for start in range(0, len(wanted), 100):
            request: dict[str, Any] = {
                self._table: {
                    "Keys": [_key(o) for o in wanted[start : start + 100]],
                    "ProjectionExpression": "pk, sk, #status, lease_expires, lease_owner",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ConsistentRead": True,
                }
            }
            for item in dynamo.batch_get(self._client, request)[self._table]:
                values = dynamo.from_item(item)
                found[(values["pk"], values["sk"])] = values
        return found

    def claim(
        self, obj: IncomingObject, owner: str, now_s: int, lease_s: int, segment_bytes: int, started_at: str
    ) -> Claim | None:
        """Take the lease, or None when the object is finished or leased by a live run.

        Not `common.idempotent.write_once`: that writes a value once and compares replays with
        it, while a claim is a lease that expires and passes from run to run (the condition
        takes an expired or own lease as well as a new object), and a refused claim is no
        conflict to report but an object to leave to the run that holds it."""
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=_key(obj),
                UpdateExpression=(
                    "SET #status = :processing, lease_owner = :owner, lease_expires = :expires, "
                    "kind = :kind, size_bytes = :size, object_id = :object_id, "
                    "started_at = if_not_exists(started_at, :started), "
                    "segment_bytes = if_not_exists(segment_bytes, :segment_bytes), "
                    "accepted = if_not_exists(accepted, :zero), rejected = if_not_exists(rejected, :zero), "
                    "replayed = if_not_exists(replayed, :zero) ADD attempts :one"
                ),
                ConditionExpression=(
                    "attribute_not_exists(pk) OR (#status = :processing AND "
                    "(lease_expires < :now OR lease_owner = :owner))"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=dynamo.to_item(
                    {
                        ":processing": PROCESSING,
                        ":owner": owner,
                        ":expires": now_s + lease_s,
                        ":now": now_s,
                        ":kind": obj.kind,
                        ":size": obj.size,
                        ":object_id": obj.object_id,
                        ":started": started_at,
                        ":segment_bytes": segment_bytes,
                        ":zero": 0,
                        ":one": 1,
                    }
                ),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        item = dynamo.from_item(response["Attributes"])
        position = None
        if "next_offset" in item:
            position = Position(int(item["next_offset"]), int(item["next_line"]), int(item["segments_done"]))
        header = item.get("header")
        return Claim(
            obj=obj,
            owner=owner,
            attempts=int(item["attempts"]),
            position=position,
            header=bytes(header) if header is not None else None,
            segment_bytes=int(item["segment_bytes"]),
            accepted=int(item["accepted"]),
            rejected=int(item["rejected"]),
            replayed=int(item["replayed"]),
            started_at=str(item["started_at"]),
            last_error=item.get("last_error"),
            duration_ms=int(item.get("duration_ms", 0)),
        )

    def checkpoint(self, claim: Claim, position: Position, now_s: int, lease_s: int) -> None:
        """Record progress (and extend the lease) after a segment is fully written."""
        values: dict[str, Any] = {
            ":offset": position.offset,
            ":line": position.line,
            ":segments": position.index,
            ":accepted": claim.accepted,
            ":rejected": claim.rejected,
            ":replayed": claim.replayed,
            ":expires": now_s + lease_s,
            ":duration": claim.duration_ms,
        }
        update = (
            "SET next_offset = :offset, next_line = :line, segments_done = :segments, accepted = :accepted, "
            "rejected = :rejected, replayed = :replayed, lease_expires = :expires, duration_ms = :duration"
        )
        if claim.header is not None:
            update += ", header = :header"
            values[":header"] = claim.header
        self._update_owned(claim, update, values)
        claim.position = position

    def finish(
        self,
        claim: Claim,
        status: str,
        finished_at: str,
        rejected_key: str | None,
        error: str | None = None,
    ) -> None:
        update = (
            "SET #status = :status, finished_at = :finished, duration_ms = :duration, accepted = :accepted, "
            "rejected = :rejected, replayed = :replayed REMOVE lease_owner, lease_expires, header"
        )
        values: dict[str, Any] = {
            ":status": status,
            ":finished": finished_at,
            ":duration": claim.duration_ms,
            ":accepted": claim.accepted,
            ":rejected": claim.rejected,
            ":replayed": claim.replayed,
        }
        if rejected_key:
            update = update.replace("SET ", "SET rejected_key = :rejected_key, ", 1)
            values[":rejected_key"] = rejected_key
        if error:
            update = update.replace("SET ", "SET #error = :error, ", 1)
            values[":error"] = error
        self._update_owned(claim, update, values, {"#error": "error"} if error else None)

    def release(self, claim: Claim, error: str | None) -> None:
        """Give the lease back early (time budget reached, or an error) so the next run resumes at once."""
        update = "SET lease_expires = :zero"
        values: dict[str, Any] = {":zero": 0}
        if error:
            update += ", last_error = :error"
            values[":error"] = error[:1000]
        with contextlib.suppress(LeaseLostError):
            self._update_owned(claim, update, values)

    def _update_owned(
        self, claim: Claim, update: str, values: dict[str, Any], extra_names: dict[str, str] | None = None
    ) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(claim.obj),
                UpdateExpression=update,
                ConditionExpression="lease_owner = :me AND #status = :processing",
                ExpressionAttributeNames={"#status": "status", **(extra_names or {})},
                ExpressionAttributeValues=dynamo.to_item(
                    {**values, ":me": claim.owner, ":processing": PROCESSING}
                ),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise LeaseLostError(f"{claim.obj.key}: lease taken over by another run") from None
            raise

    def item(self, key: str, etag: str) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table, Key={"pk": {"S": key}, "sk": {"S": etag}}, ConsistentRead=True
        )
        return dynamo.from_item(response["Item"]) if "Item" in response else None
