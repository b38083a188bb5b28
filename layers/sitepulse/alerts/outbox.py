"""The delivery queue's message for a new delivery item seen on the alerts table's stream."""

from typing import Any


def delivery_message(record: dict[str, Any]) -> dict[str, Any] | None:
    """`{"alert_id", "version"}` for the INSERT of a delivery item; None for any other record."""
    if record.get("eventName") != "INSERT":
        return None
    image = (record.get("dynamodb") or {}).get("NewImage") or {}
    sort_key = (image.get("sk") or {}).get("S", "")
    alert_id = (image.get("alert_id") or {}).get("S")
    version = (image.get("version") or {}).get("N")
    if not sort_key.startswith("DELIVERY#") or not alert_id or not version:
        return None
    return {"alert_id": alert_id, "version": int(version)}
