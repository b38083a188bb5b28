"""The `from` / `to` / `step` query parameters of every series read, declared once.

The HTTP side of `sitepulse.common.series_range`: each series handler builds its three parameter
types here, with the words that differ per domain (the grain both ends are floored to, the
default span, the steps it takes), so that bounds, aliases and schemas cannot drift apart:

    SeriesFrom, SeriesTo, SeriesStep = series_params(
        grain="minute", default_span="24 h", steps="5m … 1d, a whole number of minutes; default 1h")

    def occupancy_series(sensor: SensorPath, from_: SeriesFrom = None, to: SeriesTo = None,
                         step: SeriesStep = None) -> OccupancySeries: ...
"""

from typing import Annotated, Any, NamedTuple

from aws_lambda_powertools.event_handler.openapi.params import Query

from sitepulse.common.durations import DURATION_PATTERN
from sitepulse.common.timestamps import DESCRIPTION as INSTANT_DESCRIPTION
from sitepulse.common.timestamps import INSTANT_QUERY, MAX_LENGTH

STEP_MAX_LENGTH = 32


class SeriesQuery(NamedTuple):
    """Parameter types: `from_: start = None`, `to: end = None`, `step: step = None`."""

    start: Any
    end: Any
    step: Any


def series_params(*, grain: str, default_span: str, steps: str) -> SeriesQuery:
    """`grain` as in "Floored to the <grain>", `default_span` as in "default to − <span>"."""
    return SeriesQuery(
        start=Annotated[
            str | None,
            Query(
                alias="from",  # a Python keyword: the handler's parameter is `from_`
                max_length=MAX_LENGTH,
                description=f"Floored to the {grain}; default to − {default_span}. {INSTANT_DESCRIPTION}",
                json_schema_extra=INSTANT_QUERY,
            ),
        ],
        end=Annotated[
            str | None,
            Query(
                max_length=MAX_LENGTH,
                description=f"Floored to the {grain}; default now. {INSTANT_DESCRIPTION}",
                json_schema_extra=INSTANT_QUERY,
            ),
        ],
        step=Annotated[
            str | None,
            Query(
                max_length=STEP_MAX_LENGTH, description=steps, json_schema_extra={"pattern": DURATION_PATTERN}
            ),
        ],
    )
