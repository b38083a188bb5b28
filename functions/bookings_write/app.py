"""POST /api/events — the hotel reservation system reports a booking or a cancellation."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit

from sitepulse.bookings.models import BookingEventIn, BookingEventOut
from sitepulse.bookings.service import booking_service_from_env
from sitepulse.common.errors import InvalidInputError
from sitepulse.common.http import create_app, lambda_entry
from sitepulse.common.observability import metrics

service = booking_service_from_env()
app = create_app()


@app.post(
    "/api/events",
    summary="Record a booking (rpg_status 1) or cancellation (2); idempotent on id",
    responses={
        201: {"description": "Stored"},
        200: {"description": "Replay of an already stored event; nothing changed"},
        409: {"description": "Another event is stored under this id"},
        422: {"description": "Validation error"},
    },
    tags=["bookings"],
)
def post_event(event: Annotated[BookingEventIn, Body()]) -> Response[BookingEventOut]:
    if not isinstance(app.current_event.json_body, dict):
        # Powertools validates the first element of a list body as the event: refuse it rather
        # than store one event of what the client believes is a batch.
        raise InvalidInputError("body", "expected one event as a JSON object")
    stored, created = service.record(event)
    metrics.add_metric(
        name="BookingEventsStored" if created else "BookingEventsReplayed", unit=MetricUnit.Count, value=1
    )
    return Response(
        status_code=201 if created else 200,
        content_type=content_types.APPLICATION_JSON,
        body=stored.model_dump(),
    )


handler = lambda_entry(app)
