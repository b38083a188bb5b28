"""ApiKeysTable access. One item per key, keyed by its public id:

| attribute   | type | holds                                              |
|-------------|------|----------------------------------------------------|
| key_id      | S    | public id (partition key)                          |
| name        | S    |                                                    |
| scopes      | SS   |                                                    |
| limits      | S    | JSON `{"sensors"?, "buildings"?, "hotels"?}`       |
| secret_hash | S    | SHA-256 of the secret; the secret is never stored  |
| created_at, expires_at, revoked_at | S | ISO 8601 UTC                    |
| gsi1pk      | S    | `KEY` (one partition of `gsi1`)                    |
| gsi1sk      | S    | `<sortable created_at>#<key_id>`: creation order   |

`gsi1` lists the keys in creation order (then key id), one Query per page, and does not
project `secret_hash`: listing keys never reads a hash. The authorizer only ever calls
`get` (one GetItem: its IAM allows nothing else).
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from sitepulse.access.models import ApiKeyRecord, Limits
from sitepulse.access.tokens import KEY_ID_PATTERN
from sitepulse.common import dynamo, idempotent
from sitepulse.common.aws import DynamoDBClient
from sitepulse.common.errors import KeyTakenError
from sitepulse.common.pagination import Listing
from sitepulse.common.timestamps import format_instant, sortable_instant

KEY_LISTING = Listing("api-keys", {"key_id": "S", "gsi1pk": "S", "gsi1sk": "S"})
KEY_INDEX = "gsi1"
_KEY_KIND = "KEY"
_KEY_ID = re.compile(KEY_ID_PATTERN.removeprefix("^").removesuffix("$"))
_KEY_POSITION = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z#" + _KEY_ID.pattern, re.ASCII)


@dataclass(frozen=True)
class _KeyClaim:
    """What makes a stored key this key: its id and its secret's hash (256 random bits)."""

    key_id: str
    secret_hash: str


class KeyIdTaken(Exception):
    """Another key already has this id (a 1-in-2^80 event: the caller draws a new one)."""


def _item(record: ApiKeyRecord) -> dict[str, Any]:
    item: dict[str, Any] = {
        "key_id": {"S": record.key_id},
        "name": {"S": record.name},
        "scopes": {"SS": sorted(record.scopes)},
        "limits": {"S": json.dumps(record.limits.compact(), separators=(",", ":"), sort_keys=True)},
        "secret_hash": {"S": record.secret_hash},
        "created_at": {"S": format_instant(record.created_at)},
        "gsi1pk": {"S": _KEY_KIND},
        "gsi1sk": {"S": f"{sortable_instant(record.created_at)}#{record.key_id}"},
    }
    if record.expires_at:
        item["expires_at"] = {"S": format_instant(record.expires_at)}
    if record.revoked_at:
        item["revoked_at"] = {"S": format_instant(record.revoked_at)}
    return item


def _record(item: dict[str, Any]) -> ApiKeyRecord:
    return ApiKeyRecord(
        key_id=item["key_id"]["S"],
        name=item["name"]["S"],
        scopes=sorted(item["scopes"]["SS"]),
        limits=Limits.model_validate(json.loads(item.get("limits", {}).get("S") or "{}")),
        secret_hash=item.get("secret_hash", {}).get("S", ""),  # not in gsi1
        created_at=item["created_at"]["S"],
        expires_at=item.get("expires_at", {}).get("S"),
        revoked_at=item.get("revoked_at", {}).get("S"),
    )


class ApiKeyRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def get(self, key_id: str) -> ApiKeyRecord | None:
        response = self._client.get_item(TableName=self._table, Key={"key_id": {"S": key_id}})
        item = response.get("Item")
        return _record(item) if item else None

    def create(self, record: ApiKeyRecord) -> None:
        """Store a new key under its id: `common.idempotent.write_once`, the key id being the
        idempotency key and (id, secret hash) the value. A retried PutItem whose first attempt
        was stored (the answer lost) is a replay of this very key, not a collision; another
        key under this id raises `KeyIdTaken` (the caller draws a new id and secret)."""
        claim = _KeyClaim(record.key_id, record.secret_hash)
        try:
            idempotent.write_once(
                self._client,
                claim,
                lambda: [
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": _item(record),
                            "ConditionExpression": "attribute_not_exists(key_id)",
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        }
                    }
                ],
                decode=lambda stored: _KeyClaim(stored["key_id"], stored.get("secret_hash", "")),
                read_stored=lambda: self._stored(record.key_id),
            )
        except KeyTakenError:
            raise KeyIdTaken(record.key_id) from None

    def _stored(self, key_id: str) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table, Key={"key_id": {"S": key_id}}, ConsistentRead=True
        )
        return dynamo.from_item(response["Item"]) if "Item" in response else None

    def revoke(self, key_id: str, at: datetime) -> ApiKeyRecord | None:
        """Mark revoked (the first revocation time stays); None when there is no such key."""
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key={"key_id": {"S": key_id}},
                UpdateExpression="SET revoked_at = if_not_exists(revoked_at, :at)",
                ConditionExpression="attribute_exists(key_id)",
                ExpressionAttributeValues={":at": {"S": format_instant(at)}},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        return _record(response["Attributes"])

    def list(self, limit: int, next_token: str | None) -> tuple[list[ApiKeyRecord], str | None]:
        """A page of keys in creation order (then key id): one Query on `gsi1` per page."""
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": KEY_INDEX,
            "KeyConditionExpression": "gsi1pk = :kind",
            "ExpressionAttributeValues": {":kind": {"S": _KEY_KIND}},
        }
        start = KEY_LISTING.start_key(
            next_token,
            None,
            expected={"key_id": _KEY_ID, "gsi1pk": _KEY_KIND, "gsi1sk": _KEY_POSITION},
            check=lambda values: values["gsi1sk"].endswith("#" + values["key_id"]),
        )
        items, last_key = KEY_LISTING.query_page(self._client, query, limit, start)
        return [_record(item) for item in items], KEY_LISTING.token(last_key, None)
