"""POST /api/v1/buildings/{building}/rooms/{room}/temperatures — a thermometer reports a reading."""

from sitepulse.common import init_phase  # first: the collector stays off while the modules below load

# isort: split
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.metrics import MetricUnit

from sitepulse.common.http import create_app, lambda_entry, stored_response
from sitepulse.common.observability import metrics
from sitepulse.common.openapi_responses import api_responses, linked
from sitepulse.temperature.models import ID_DESCRIPTION, ID_PATTERN, Reading, ReadingIn
from sitepulse.temperature.wiring import temperature_service

service = temperature_service()
app = create_app()

IdPath = Annotated[str, Path(pattern=ID_PATTERN, description=ID_DESCRIPTION)]


@app.post(
    "/api/v1/buildings/<building>/rooms/<room>/temperatures",
    summary="Record a temperature reading (idempotent on building + room + recorded_at)",
    responses=api_responses(
        {
            201: linked(
                "Stored",
                {
                    "Average": (
                        "getAverageTemperature",
                        {"building": "$response.body#/building", "room": "$response.body#/room"},
                    ),
                    "Rooms": ("listRooms", {"building": "$response.body#/building"}),
                },
            ),
            200: "Replay of an already stored reading; nothing changed",
        },
        conflict="Another temperature is stored for this room and recorded_at",
        body=True,
    ),
    tags=["temperature"],
)
def post_temperature(
    building: IdPath, room: IdPath, reading: Annotated[ReadingIn, Body()]
) -> Response[Reading]:
    stored, created = service.record(building, room, reading)
    metrics.add_metric(
        name="TemperatureReadingsStored" if created else "TemperatureReadingsReplayed",
        unit=MetricUnit.Count,
        value=1,
    )
    return stored_response(stored.model_dump(), created)


handler = lambda_entry(app)
init_phase.end()
