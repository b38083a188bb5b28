"""POST /api/events — the hotel reservation system reports a booking or a cancellation."""

from sitepulse.common import init_phase  # first: the collector stays off while the modules below load

# isort: split
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit

from sitepulse.bookings.models import BookingEventIn, BookingEventOut
from sitepulse.bookings.wiring import booking_service
from sitepulse.common.http import create_app, lambda_entry, stored_response
from sitepulse.common.observability import metrics
from sitepulse.common.openapi_responses import api_responses, linked

service = booking_service()
app = create_app()


@app.post(
    "/api/events",
    summary="Record a booking (rpg_status 1) or cancellation (2); idempotent on id",
    responses=api_responses(
        {
            201: linked("Stored", {"Events": ("listEvents", {"hotel_id": "$response.body#/hotel_id"})}),
            200: "Replay of an already stored event; nothing changed",
        },
        conflict="Another event is stored under this id",
        body=True,
    ),
    tags=["bookings"],
)
def post_event(event: Annotated[BookingEventIn, Body()]) -> Response[BookingEventOut]:
    stored, created = service.record(event)
    metrics.add_metric(
        name="BookingEventsStored" if created else "BookingEventsReplayed", unit=MetricUnit.Count, value=1
    )
    return stored_response(stored.model_dump(), created)


handler = lambda_entry(app)
init_phase.end()
