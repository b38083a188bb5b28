"""Bookings use cases: record an event, list events, the bookings-per-period dashboard."""

from datetime import date, datetime

from sitepulse.bookings.dashboard import bookings_per_period
from sitepulse.bookings.ids import MAX_PROBES, derived_event_id
from sitepulse.bookings.models import (
    BookingEventIn,
    BookingEventList,
    BookingEventOut,
    Dashboard,
    HotelList,
    Period,
    PeriodBookings,
    parse_night,
)
from sitepulse.bookings.repository import BookingRepository, EventQuery
from sitepulse.bookings.transitions import BookingEvent
from sitepulse.common.errors import ConflictError, InvalidInputError, KeyTakenError
from sitepulse.common.timestamps import format_instant, parse_instant


class BookingService:
    def __init__(self, repository: BookingRepository) -> None:
        self._repository = repository

    def record(self, posted: BookingEventIn) -> tuple[BookingEventOut, bool]:
        """The stored event and whether this call created it (False: idempotent replay).

        Raises ConflictError when the id holds a different event.
        """
        if posted.id is not None:
            try:
                outcome = self._repository.record(_event(posted, posted.id))
            except KeyTakenError as taken:
                raise ConflictError(_conflict_message(taken.stored)) from None
            return _out(outcome.value), outcome.created
        for probe in range(MAX_PROBES):
            candidate = derived_event_id(
                posted.hotel_id,
                posted.timestamp,
                posted.rpg_status,
                posted.room_id,
                posted.night_of_stay,
                probe,
            )
            try:
                outcome = self._repository.record(_event(posted, candidate))
            except KeyTakenError:
                continue  # another event holds this derived id: the next probe is as deterministic
            return _out(outcome.value), outcome.created
        raise RuntimeError("no free derived id for this event")

    def events(
        self,
        hotel_id: int,
        *,
        updated_gte: str | None = None,
        updated_lte: str | None = None,
        rpg_status: int | None = None,
        room_id: str | None = None,
        night_gte: str | None = None,
        night_lte: str | None = None,
        limit: int = 100,
        next_token: str | None = None,
    ) -> BookingEventList:
        criteria = EventQuery(
            hotel_id=hotel_id,
            updated_from=_instant_param("updated__gte", updated_gte),
            updated_to=_instant_param("updated__lte", updated_lte),
            rpg_status=rpg_status,
            room_id=room_id,
            night_from=_night_param("night_of_stay__gte", night_gte),
            night_to=_night_param("night_of_stay__lte", night_lte),
        )
        _check_range("updated__gte", criteria.updated_from, "updated__lte", criteria.updated_to)
        _check_range("night_of_stay__gte", criteria.night_from, "night_of_stay__lte", criteria.night_to)
        events, token = self._repository.list_events(criteria, limit, next_token)
        return BookingEventList(events=[_out(event) for event in events], next_token=token)

    def hotels(self, limit: int, next_token: str | None, allowed: list[int] | None = None) -> HotelList:
        """`allowed`: a key's hotel limits — then only those hotels are read."""
        if allowed is not None:
            hotels, token = self._repository.list_allowed_hotels(allowed, limit, next_token)
        else:
            hotels, token = self._repository.list_hotels(limit, next_token)
        return HotelList(hotels=hotels, next_token=token)

    def dashboard(self, hotel_id: int, year: int, period: Period) -> Dashboard:
        per_day = self._repository.bookings_per_day(hotel_id, year)
        values = [
            PeriodBookings(period=label, bookings=count)
            for label, count in bookings_per_period(year, period, per_day)
        ]
        return Dashboard(hotel_id=hotel_id, year=year, period=period, values=values)


def _event(posted: BookingEventIn, event_id: int) -> BookingEvent:
    return BookingEvent(
        id=event_id,
        hotel_id=posted.hotel_id,
        timestamp=posted.timestamp,
        rpg_status=posted.rpg_status,
        room_id=posted.room_id,
        night_of_stay=posted.night_of_stay,
    )


def _out(event: BookingEvent) -> BookingEventOut:
    return BookingEventOut.of(
        event.id, event.hotel_id, event.timestamp, event.rpg_status, event.room_id, event.night_of_stay
    )


def _conflict_message(stored: BookingEvent) -> str:
    return (
        f"event id {stored.id} is already stored with another payload: hotel_id={stored.hotel_id}, "
        f"timestamp={format_instant(stored.timestamp)}, rpg_status={stored.rpg_status}, "
        f"room_id={stored.room_id}, night_of_stay={stored.night_of_stay.isoformat()}"
    )


def _instant_param(field: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise InvalidInputError(field, str(exc)) from None


def _night_param(field: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return parse_night(value)
    except ValueError as exc:
        raise InvalidInputError(field, str(exc)) from None


def _check_range[T: (datetime, date)](low_name: str, low: T | None, high_name: str, high: T | None) -> None:
    if low is not None and high is not None and low > high:
        raise InvalidInputError(low_name, f"must not be after {high_name}")
