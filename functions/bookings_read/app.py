"""GET /api/events (filtered, paginated), GET /api/dashboard (bookings per day/month/year) and
GET /api/hotels (hotels with events)."""

from sitepulse.common import init_phase  # first: the collector stays off while the modules below load

# isort: split
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from sitepulse.access.edge import current_limits
from sitepulse.bookings.models import (
    MAX_HOTEL_ID,
    MAX_YEAR,
    MIN_YEAR,
    ROOM_ID_PATTERN,
    BookingEventList,
    Dashboard,
    HotelList,
    Period,
)
from sitepulse.bookings.wiring import booking_service
from sitepulse.common.http import create_app, lambda_entry
from sitepulse.common.openapi_responses import api_responses, linked
from sitepulse.common.pagination import DEFAULT_PAGE_SIZE, TOKEN_QUERY, PageLimit
from sitepulse.common.timestamps import DATE_QUERY, INSTANT_QUERY, MAX_LENGTH
from sitepulse.common.timestamps import DESCRIPTION as INSTANT_DESCRIPTION

service = booking_service()
app = create_app()

HotelParam = Annotated[int, Query(ge=1, le=MAX_HOTEL_ID, description="Required")]
InstantParam = Annotated[
    str | None,
    Query(
        max_length=MAX_LENGTH,
        description=f"Compared with the events' timestamp; __gte must not be after __lte. "
        f"{INSTANT_DESCRIPTION}",
        json_schema_extra=INSTANT_QUERY,
    ),
]
NightParam = Annotated[
    str | None,
    Query(
        max_length=10,
        description="YYYY-MM-DD, 1970-01-01 … 9999-12-31; __gte must not be after __lte",
        json_schema_extra=DATE_QUERY,
    ),
]


@app.get(
    "/api/events",
    summary="A hotel's events by timestamp (filtered, paginated)",
    operation_id="listEvents",
    responses=api_responses(
        {
            200: linked(
                "One page of events; `next_token` is null on the last page",
                {
                    "NextPage": (
                        "listEvents",
                        {"hotel_id": "$request.query.hotel_id", "next_token": "$response.body#/next_token"},
                    )
                },
            )
        }
    ),
    tags=["bookings"],
)
def list_events(
    hotel_id: HotelParam,
    updated__gte: InstantParam = None,
    updated__lte: InstantParam = None,
    rpg_status: Annotated[int | None, Query(ge=1, le=2, description="1 = booking, 2 = cancellation")] = None,
    room_id: Annotated[str | None, Query(pattern=ROOM_ID_PATTERN)] = None,
    night_of_stay__gte: NightParam = None,
    night_of_stay__lte: NightParam = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    next_token: Annotated[str | None, TOKEN_QUERY] = None,
) -> BookingEventList:
    return service.events(
        hotel_id,
        updated_gte=updated__gte,
        updated_lte=updated__lte,
        rpg_status=rpg_status,
        room_id=room_id,
        night_gte=night_of_stay__gte,
        night_lte=night_of_stay__lte,
        limit=limit,
        next_token=next_token,
    )


@app.get(
    "/api/dashboard",
    summary="Bookings per day, month or year of a hotel-year",
    responses=api_responses({200: "Every period of the year, zeros included"}),
    tags=["bookings"],
)
def dashboard(
    hotel_id: HotelParam,
    year: Annotated[int, Query(ge=MIN_YEAR, le=MAX_YEAR)],
    period: Annotated[Period, Query(description="day, month (default) or year")] = "month",
) -> Dashboard:
    return service.dashboard(hotel_id, year, period)


@app.get(
    "/api/hotels",
    summary="Hotels that have events (ascending ids, paginated)",
    operation_id="listHotels",
    responses=api_responses(
        {
            200: linked(
                "One page of hotel ids; `next_token` is null on the last page",
                {"NextPage": ("listHotels", {"next_token": "$response.body#/next_token"})},
            )
        }
    ),
    tags=["bookings"],
)
def list_hotels(
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    next_token: Annotated[str | None, TOKEN_QUERY] = None,
) -> HotelList:
    # A key limited to hotel ids lists only those.
    return service.hotels(limit, next_token, current_limits().hotels)


handler = lambda_entry(app)
init_phase.end()
