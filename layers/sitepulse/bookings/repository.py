"""DynamoDB access for bookings. Table layout (pk / sk):

| item              | pk                          | sk           | attributes                            |
|-------------------|-----------------------------|--------------|---------------------------------------|
| event             | E#<id>                      | EVENT        | id, hotel_id, ts, rpg_status, room_id,|
|                   |                             |              | night_of_stay, gsi1pk = HOTEL#<hotel>,|
|                   |                             |              | gsi1sk = <ts>#<id, 16 digits>         |
| reservation-night | N#<hotel>#<night>#<room_id> | STATE        | ts, event_id, rpg_status, version     |
| day counter       | C#<hotel>#<year of night>   | <YYYY-MM-DD> | bookings                              |
| hotel marker      | HOTEL#<hotel>               | HOTEL        | gsi1pk = HOTELS, gsi1sk = <10 digits> |

* The event item is keyed by id alone: the id is the idempotency key, whatever the hotel.
* `gsi1` (all attributes) lists a hotel's events in (timestamp, id) order; `ts` is the
  fixed-width sortable UTC form, so a timestamp range is a key condition.
* A reservation-night item holds the latest event (by timestamp, then id) of that
  (hotel, room, night) and a version for optimistic locking.
* The hotel marker is SET by every transaction that writes a reservation-night (the only
  way a hotel's first event is stored), so `gsi1` partition `HOTELS` lists the hotels
  with events in id order; re-setting the same key writes nothing to the index.
* A day counter holds the number of booked reservation-nights of one hotel and night;
  a hotel-year's counters share a partition, so a year of days is one Query.

A write reads the reservation-night, computes the transition (`transitions.py`) and
commits event + new state + counter change in ONE transaction whose conditions fail
if the id is taken (→ replay or conflict) or another writer moved the state first
(→ re-read and retry), through `common.idempotent.write_once`. Every key prefix has one
meaning across all tables (docs/architecture.md, "Key prefixes").
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sitepulse.bookings.transitions import BookingEvent, NightState, transition
from sitepulse.common import dynamo, idempotent
from sitepulse.common.aws import DynamoDBClient
from sitepulse.common.idempotent import WriteOutcome
from sitepulse.common.pagination import Listing, named_page
from sitepulse.common.timestamps import from_sortable, sortable_instant

EVENT_INDEX = "gsi1"
_EVENT_PREFIX = "E#"
_EVENT_SK = "EVENT"
_STATE_SK = "STATE"
_ID_WIDTH = 16  # digits of 2^53 − 1, the largest id
EVENT_LISTING = Listing("hotel-events", {"pk": "S", "sk": "S", "gsi1pk": "S", "gsi1sk": "S"})
# Positions are event items: pk E#<id>, gsi1sk <sortable ts>#<id on 16 digits> (same id).
_EVENT_PK = re.compile(r"E#[1-9][0-9]{0,15}", re.ASCII)
_POSITION = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z#\d{16}", re.ASCII)
HOTEL_LISTING = Listing("hotels", {"pk": "S", "sk": "S", "gsi1pk": "S", "gsi1sk": "S"})
_HOTELS = "HOTELS"
_HOTEL_SK = "HOTEL"
_HOTEL_WIDTH = 10  # digits of 2^31 − 1, the largest hotel id
_MAX_QUERY_ROUNDS = 5  # per page: bounds the cost of a page when filters discard most events


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
    return f"{_EVENT_PREFIX}{event_id}"


def _hotel_pk(hotel_id: int) -> str:
    return f"HOTEL#{hotel_id}"


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


class BookingRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    # ------------------------------------------------------------------ writes
    def record(self, event: BookingEvent) -> WriteOutcome[BookingEvent]:
        """Store the event and fold it into its reservation-night and day counter, atomically.

        Each attempt reads the night's state and plans event + new state (+ counter change) as
        one transaction; the state Put is conditional on the version read, so a concurrent
        writer of the same night makes the attempt fail and be re-planned (contention, under
        the one retry policy of `common.idempotent`). An event older than the night's latest
        changes no aggregate and is stored alone. Raises KeyTakenError when the id holds a
        different event.
        """

        def plan() -> Sequence[dict[str, Any]]:
            state = self._get_state(event)
            if state is not None and state.event_id == event.id:
                return idempotent.ALREADY_STORED
            change = transition(state, event)
            if not change.replaces_latest:
                return [self._put_event(event)]  # the hotel was marked with the night's first event
            items = [self._put_event(event), self._put_state(event, state), self._mark_hotel(event.hotel_id)]
            if change.booked_delta:
                items.append(self._add_to_counter(event, change.booked_delta))
            return items

        def state_moved(codes: list[str]) -> idempotent.Retry | None:
            return idempotent.Retry.BACKOFF if codes[1:2] == ["ConditionalCheckFailed"] else None

        return idempotent.write_once(
            self._client,
            event,
            plan,
            decode=_event_of,
            read_stored=lambda: self._get_event_item(event.id),
            on_cancelled=state_moved,
        )

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

    def _mark_hotel(self, hotel_id: int) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._table,
                "Key": {"pk": {"S": _hotel_pk(hotel_id)}, "sk": {"S": _HOTEL_SK}},
                "UpdateExpression": "SET gsi1pk = :hotels, gsi1sk = :hotel",
                "ExpressionAttributeValues": {
                    ":hotels": {"S": _HOTELS},
                    ":hotel": {"S": f"{hotel_id:0{_HOTEL_WIDTH}d}"},
                },
            }
        }

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
        for item in dynamo.query_items(self._client, query):
            per_day[date.fromisoformat(item["sk"]["S"])] = int(item["bookings"]["N"])
        return per_day

    def list_hotels(self, limit: int, next_token: str | None) -> tuple[list[int], str | None]:
        """Hotels with events in id order: one Query on `gsi1` per page."""
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": EVENT_INDEX,
            "KeyConditionExpression": "gsi1pk = :hotels",
            "ExpressionAttributeValues": {":hotels": {"S": _HOTELS}},
        }
        # A position is a hotel marker: pk HOTEL#<id>, the same id on 10 digits in gsi1sk.
        start = HOTEL_LISTING.start_key(
            next_token,
            None,
            expected={
                "pk": re.compile(r"HOTEL#[1-9][0-9]{0,9}", re.ASCII),
                "sk": _HOTEL_SK,
                "gsi1pk": _HOTELS,
                "gsi1sk": re.compile(rf"[0-9]{{{_HOTEL_WIDTH}}}", re.ASCII),
            },
            check=lambda values: values["pk"] == _hotel_pk(int(values["gsi1sk"])),
        )
        items, last_key = HOTEL_LISTING.query_page(self._client, query, limit, start)
        return [int(item["gsi1sk"]["S"]) for item in items], HOTEL_LISTING.token(last_key, None)

    def list_allowed_hotels(
        self, allowed: list[int], limit: int, next_token: str | None
    ) -> tuple[list[int], str | None]:
        """A hotel-limited key's listing: reads only its allowed hotels' markers (one BatchGetItem
        of at most 50 keys), never the index of every hotel."""
        keys = [{"pk": {"S": _hotel_pk(hotel)}, "sk": {"S": _HOTEL_SK}} for hotel in sorted(set(allowed))]
        items = dynamo.get_keys(self._client, self._table, keys, projection="pk")
        existing = [item["pk"]["S"].removeprefix("HOTEL#") for item in items]
        names, token = named_page(
            HOTEL_LISTING.name, [str(h) for h in allowed], existing, limit, next_token, sort_key=int
        )
        return [int(name) for name in names], token

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
        start = EVENT_LISTING.start_key(
            next_token,
            listing_filters(criteria),
            expected={
                "pk": _EVENT_PK,
                "sk": _EVENT_SK,
                "gsi1pk": _hotel_pk(criteria.hotel_id),
                "gsi1sk": _POSITION,
            },
            check=lambda key: _position_in_range(key, lower, upper),
        )
        if start is not None:
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
        return events, EVENT_LISTING.token(last_key, listing_filters(criteria))

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
            "ExpressionAttributeValues": dynamo.to_item(values),
        }
        if filters:
            query["FilterExpression"] = " AND ".join(filters)
        return query


def listing_filters(criteria: EventQuery) -> dict[str, Any]:
    """What a token of this listing is bound to: every criterion (limit may change between pages)."""
    return {
        "hotel_id": criteria.hotel_id,
        "updated_from": criteria.updated_from.isoformat() if criteria.updated_from else None,
        "updated_to": criteria.updated_to.isoformat() if criteria.updated_to else None,
        "rpg_status": criteria.rpg_status,
        "room_id": criteria.room_id,
        "night_from": criteria.night_from.isoformat() if criteria.night_from else None,
        "night_to": criteria.night_to.isoformat() if criteria.night_to else None,
    }


def _position_in_range(key: dict[str, str], lower: str | None, upper: str | None) -> bool:
    """The event's own id on both keys, its position within the queried timestamp range."""
    position = key["gsi1sk"]
    same_event = int(position.rsplit("#", 1)[1]) == int(key["pk"].removeprefix("E#"))
    return same_event and (lower is None or position >= lower) and (upper is None or position <= upper)
