"""Pure rules for "the latest event of a reservation-night decides whether it is booked".

A reservation-night is (hotel, room_id, night_of_stay). Its state is the latest event
seen so far, ordered by (timestamp, id). An incoming event either replaces the latest
(it is later) or changes nothing (it is earlier); the night is booked when its latest
event is a booking. The dashboard's day counter moves by `booked_delta` exactly when
the booked bit flips, so it always equals the number of booked reservation-nights,
whatever order the events arrive in.

"Latest" only ever moves forward, so an event found older than the state stays older
than every later state: it can be stored without re-checking the state.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sitepulse.bookings.models import BOOKING


@dataclass(frozen=True)
class BookingEvent:
    id: int
    hotel_id: int
    timestamp: datetime
    rpg_status: int
    room_id: str
    night_of_stay: date

    @property
    def order_key(self) -> tuple[datetime, int]:
        return (self.timestamp, self.id)


@dataclass(frozen=True)
class NightState:
    """The stored latest event of a reservation-night, and its optimistic-lock version."""

    timestamp: datetime
    event_id: int
    rpg_status: int
    version: int

    @property
    def order_key(self) -> tuple[datetime, int]:
        return (self.timestamp, self.event_id)

    @property
    def booked(self) -> bool:
        return self.rpg_status == BOOKING


@dataclass(frozen=True)
class Transition:
    replaces_latest: bool
    booked_delta: int  # −1, 0 or +1 on the night's day counter


def transition(state: NightState | None, event: BookingEvent) -> Transition:
    if state is not None and event.order_key <= state.order_key:
        return Transition(replaces_latest=False, booked_delta=0)
    was_booked = state is not None and state.booked
    is_booked = event.rpg_status == BOOKING
    return Transition(replaces_latest=True, booked_delta=int(is_booked) - int(was_booked))
