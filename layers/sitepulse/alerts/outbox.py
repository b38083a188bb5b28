"""The delivery queue's message for a new delivery item seen on the alerts table's stream."""

from typing import Any

from sitepulse.common import dynamo


def delivery_message(record: dict[str, Any]) -> dict[str, Any] | None:
    """`{"alert_id", "version"}` for the INSERT of a delivery item; None for any other record."""
    if record.get("eventName") != "INSERT":
        return None
    image = dynamo.from_item((record.get("dynamodb") or {}).get("NewImage") or {})
    if not str(image.get("sk", "")).startswith("DELIVERY#") or "alert_id" not in image:
        return None
    return {"alert_id": str(image["alert_id"]), "version": int(image["version"])}
