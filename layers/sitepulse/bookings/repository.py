"""DynamoDB access for bookings. Table layout (pk / sk):

| item              | pk                          | sk           | attributes                            |
|-------------------|-----------------------------|--------------|---------------------------------------|
| event             | E#<id>                      | EVENT        | id, hotel_id, ts, rpg_status, room_id,|
|                   |                             |              | night_of_stay, gsi1pk = H#<hotel>,    |
|                   |                             |              | gsi1sk = <ts>#<id, 16 digits>         |
| reservation-night | N#<hotel>#<night>#<room_id> | STATE        | ts, event_id, rpg_status, version     |
| day counter       | C#<hotel>#<year of night>   | <YYYY-MM-DD> | bookings                              |

* The event item is keyed by id alone: the id is the idempotency key, whatever the hotel.
* `gsi1` (all attributes) lists a hotel's events in (timestamp, id) order; `ts` is the
  fixed-width sortable UTC form, so a timestamp range is a key condition.
* A reservation-night item holds the latest event (by timestamp, then id) of that
  (hotel, room, night) and a version for optimistic locking.
* A day counter holds the number of booked reservation-nights of one hotel and night;
  a hotel-year's counters share a partition, so a year of days is one Query.

A write reads the reservation-night, computes the transition (`transitions.py`) and
commits event + new state + counter change in ONE transaction whose conditions fail
if the id is taken (→ replay or conflict) or another writer moved the state first
(→ re-read and retry).
"""

import random
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from botocore.exceptions import ClientError

from sitepulse.bookings.transitions import BookingEvent, NightState, transition
from sitepulse.common import dynamo
from sitepulse.common.aws import DynamoDBClient
from sitepulse.common.errors import InvalidInputError, ServiceUnavailableError
from sitepulse.common.pagination import decode_token, encode_token
from sitepulse.common.timestamps import from_sortable, sortable_instant

EVENT_INDEX = "gsi1"
_EVENT_SK = "EVENT"
_STATE_SK = "STATE"
_INDEX_KEYS = {"pk", "sk", "gsi1pk", "gsi1sk"}
_ID_WIDTH = 16  # digits of 2^53 − 1, the largest id
_MAX_ATTEMPTS = 25
_MAX_QUERY_ROUNDS = 5  # per page: bounds the cost of a page when filters discard most events


@dataclass(frozen=True)
class RecordOutcome:
    event: BookingEvent
    created: bool  # False: this exact event was already stored (an idempotent replay)


class EventIdTaken(Exception):
    """Another event is stored under this id."""

    def __init__(self, stored: BookingEvent) -> None:
        super().__init__(f"event id {stored.id} taken")
        self.stored = stored


@dataclass(frozen=True)
class EventQuery:
    hotel_id: int
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    rpg_status: int | None = None
    room_id: str | None = None
    night_from: date | None = None
    night_to: date | None = None


def _event_pk(event_id: int) -> str:
    return f"E#{event_id}"


def _hotel_pk(hotel_id: int) -> str:
    return f"H#{hotel_id}"


def _position(timestamp: datetime, event_id: int) -> str:
    return f"{sortable_instant(timestamp)}#{event_id:0{_ID_WIDTH}d}"


def _state_key(event: BookingEvent) -> dict[str, Any]:
    pk = f"N#{event.hotel_id}#{event.night_of_stay.isoformat()}#{event.room_id}"
    return {"pk": {"S": pk}, "sk": {"S": _STATE_SK}}


def _counter_pk(hotel_id: int, year: int) -> str:
    return f"C#{hotel_id}#{year:04d}"


def event_item(event: BookingEvent) -> dict[str, Any]:
    """The stored form of an event (also used by the benchmark's bulk seeding)."""
    return dynamo.to_item(
        {
            "pk": _event_pk(event.id),
            "sk": _EVENT_SK,
            "id": event.id,
            "hotel_id": event.hotel_id,
            "ts": sortable_instant(event.timestamp),
            "rpg_status": event.rpg_status,
            "room_id": event.room_id,
            "night_of_stay": event.night_of_stay.isoformat(),
            "gsi1pk": _hotel_pk(event.hotel_id),
            "gsi1sk": _position(event.timestamp, event.id),
        }
    )


def counter_item(hotel_id: int, night: date, bookings: int) -> dict[str, Any]:
    return dynamo.to_item(
        {"pk": _counter_pk(hotel_id, night.year), "sk": night.isoformat(), "bookings": bookings}
    )


def _event_of(values: dict[str, Any]) -> BookingEvent:
    return BookingEvent(
        id=int(values["id"]),
        hotel_id=int(values["hotel_id"]),
        timestamp=from_sortable(values["ts"]),
        rpg_status=int(values["rpg_status"]),
        room_id=values["room_id"],
        night_of_stay=date.fromisoformat(values["night_of_stay"]),
    )


def _backoff(attempt: int) -> None:
    # Full jitter: concurrent writers of one reservation-night spread out instead of colliding again.
    time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))


class BookingRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    # ------------------------------------------------------------------ writes
    def record(self, event: BookingEvent) -> RecordOutcome:
        """Store the event and fold it into its reservation-night and day counter, atomically.

        Raises EventIdTaken when the id holds a different event.
        """
        for attempt in range(_MAX_ATTEMPTS):
            state = self._get_state(event)
            if state is not None and state.event_id == event.id:
                return self._replay(event, self._get_event_item(event.id))
            change = transition(state, event)
            if not change.replaces_latest:
                return self._put_older_event(event)
            items = [self._put_event(event), self._put_state(event, state)]
            if change.booked_delta:
                items.append(self._add_to_counter(event, change.booked_delta))
            try:
                self._client.transact_write_items(TransactItems=items)
                return RecordOutcome(event, created=True)
            except ClientError as error:
                codes = dynamo.cancellation_codes(error)
                if codes[:1] == ["ConditionalCheckFailed"]:
                    stored = dynamo.cancellation_item(error, 0) or self._get_event_item(event.id)
                    return self._replay(event, stored)
                state_moved = codes[1:2] == ["ConditionalCheckFailed"]
                if not (state_moved or dynamo.is_transaction_conflict(error)):
                    raise
            _backoff(attempt)
        # Nothing was written (every attempt's transaction was cancelled): the client may retry.
        raise ServiceUnavailableError("too many concurrent updates of one reservation-night; retry shortly")

    def _put_older_event(self, event: BookingEvent) -> RecordOutcome:
        """An event older than the night's latest changes no aggregate: store it alone."""
        try:
            self._client.put_item(
                TableName=self._table, Item=event_item(event), ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            return self._replay(event, self._get_event_item(event.id))
        return RecordOutcome(event, created=True)

    def _replay(self, event: BookingEvent, stored_item: dict[str, Any] | None) -> RecordOutcome:
        if stored_item is None:  # nothing ever deletes events
            raise RuntimeError("event reported as existing but could not be read")
        stored = _event_of(stored_item)
        if stored != event:
            raise EventIdTaken(stored)
        return RecordOutcome(stored, created=False)

    def _put_event(self, event: BookingEvent) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": event_item(event),
                "ConditionExpression": "attribute_not_exists(pk)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def _put_state(self, event: BookingEvent, state: NightState | None) -> dict[str, Any]:
        version = 0 if state is None else state.version
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": {
                **_state_key(event),
                **dynamo.to_item(
                    {
                        "ts": sortable_instant(event.timestamp),
                        "event_id": event.id,
                        "rpg_status": event.rpg_status,
                        "version": version + 1,
                    }
                ),
            },
        }
        if state is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :seen"
            put["ExpressionAttributeValues"] = {":seen": {"N": str(version)}}
        return {"Put": put}

    def _add_to_counter(self, event: BookingEvent, delta: int) -> dict[str, Any]:
        night = event.night_of_stay
        return {
            "Update": {
                "TableName": self._table,
                "Key": {"pk": {"S": _counter_pk(event.hotel_id, night.year)}, "sk": {"S": night.isoformat()}},
                "UpdateExpression": "ADD bookings :delta",
                "ExpressionAttributeValues": {":delta": {"N": str(delta)}},
            }
        }

    def _get_state(self, event: BookingEvent) -> NightState | None:
        response = self._client.get_item(TableName=self._table, Key=_state_key(event), ConsistentRead=True)
        if "Item" not in response:
            return None
        values = dynamo.from_item(response["Item"])
        return NightState(
            timestamp=from_sortable(values["ts"]),
            event_id=int(values["event_id"]),
            rpg_status=int(values["rpg_status"]),
            version=int(values["version"]),
        )

    def _get_event_item(self, event_id: int) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table,
            Key={"pk": {"S": _event_pk(event_id)}, "sk": {"S": _EVENT_SK}},
            ConsistentRead=True,
        )
        return dynamo.from_item(response["Item"]) if "Item" in response else None

    # ------------------------------------------------------------------- reads
    def bookings_per_day(self, hotel_id: int, year: int) -> dict[date, int]:
        """Booked reservation-nights per night of the hotel-year: one Query (≤ 366 small items)."""
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": _counter_pk(hotel_id, year)}},
            "ProjectionExpression": "sk, bookings",
            "ConsistentRead": True,
        }
        per_day: dict[date, int] = {}
        while True:
            response = self._client.query(**query)
            for item in response["Items"]:
                per_day[date.fromisoformat(item["sk"]["S"])] = int(item["bookings"]["N"])
            if "LastEvaluatedKey" not in response:
                return per_day
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def list_events(
        self, criteria: EventQuery, limit: int, next_token: str | None
    ) -> tuple[list[BookingEvent], str | None]:
        """One page of the hotel's events in (timestamp, id) order.

        The timestamp range is the index key condition; the other criteria are filters,
        so a page may hold fewer than `limit` events (even none) while `next_token`
        still continues: up to `_MAX_QUERY_ROUNDS` index reads are made to fill a page.
        """
        lower = sortable_instant(criteria.updated_from) if criteria.updated_from else None
        upper = f"{sortable_instant(criteria.updated_to)}#~" if criteria.updated_to else None
        query = self._events_query(criteria, lower, upper)
        start = decode_token(next_token, _INDEX_KEYS)
        if start is not None:
            self._check_start(start, criteria.hotel_id, lower, upper)
            query["ExclusiveStartKey"] = start
        events: list[BookingEvent] = []
        last_key: dict[str, Any] | None = None
        for _ in range(_MAX_QUERY_ROUNDS):
            query["Limit"] = limit - len(events)
            response = self._client.query(**query)
            events.extend(_event_of(dynamo.from_item(item)) for item in response["Items"])
            last_key = response.get("LastEvaluatedKey")
            if last_key is None or len(events) >= limit:
                break
            query["ExclusiveStartKey"] = last_key
        return events, encode_token(last_key)

    def _events_query(self, criteria: EventQuery, lower: str | None, upper: str | None) -> dict[str, Any]:
        values: dict[str, Any] = {":hotel": _hotel_pk(criteria.hotel_id)}
        key_condition = "gsi1pk = :hotel"
        if lower is not None and upper is not None:
            key_condition += " AND gsi1sk BETWEEN :lower AND :upper"
            values.update({":lower": lower, ":upper": upper})
        elif lower is not None:
            key_condition += " AND gsi1sk >= :lower"
            values[":lower"] = lower
        elif upper is not None:
            key_condition += " AND gsi1sk <= :upper"
            values[":upper"] = upper
        filters: list[str] = []
        if criteria.rpg_status is not None:
            filters.append("rpg_status = :status")
            values[":status"] = criteria.rpg_status
        if criteria.room_id is not None:
            filters.append("room_id = :room")
            values[":room"] = criteria.room_id
        if criteria.night_from is not None:
            filters.append("night_of_stay >= :night_from")
            values[":night_from"] = criteria.night_from.isoformat()
        if criteria.night_to is not None:
            filters.append("night_of_stay <= :night_to")
            values[":night_to"] = criteria.night_to.isoformat()
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": EVENT_INDEX,
            "KeyConditionExpression": key_condition,
            "ExpressionAttributeValues": dynamo.to_values(values),
        }
        if filters:
            query["FilterExpression"] = " AND ".join(filters)
        return query

    @staticmethod
    def _check_start(start: dict[str, Any], hotel_id: int, lower: str | None, upper: str | None) -> None:
        """A token only continues the query that issued it (DynamoDB would reject it with a 400)."""
        if any(set(value) != {"S"} for value in start.values()):
            raise InvalidInputError("next_token", "not a token issued by this API")
        position = start["gsi1sk"]["S"]
        valid = (
            start["gsi1pk"]["S"] == _hotel_pk(hotel_id)
            and start["sk"]["S"] == _EVENT_SK
            and start["pk"]["S"].startswith("E#")
            and (lower is None or position >= lower)
            and (upper is None or position <= upper)
        )
        if not valid:
            raise InvalidInputError("next_token", "does not belong to this query (same filters are required)")
