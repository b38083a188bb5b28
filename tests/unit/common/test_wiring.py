"""One way to wire: per domain a settings model (non-empty names) and a per-container factory."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from sitepulse.bookings.settings import BookingsSettings
from sitepulse.common import container
from sitepulse.common.settings import load_settings
from sitepulse.ingest_wiring import IngestSettings
from sitepulse.occupancy.settings import OccupancySettings
from sitepulse.store_uptime.report.settings import (
    PipelineSettings,
    ReportsReadSettings,
    ReportsWriteSettings,
)
from sitepulse.temperature.settings import TemperatureSettings

SETTINGS = [
    BookingsSettings,
    IngestSettings,
    OccupancySettings,
    TemperatureSettings,
    PipelineSettings,
    ReportsReadSettings,
    ReportsWriteSettings,
]


def _names(model: type[BaseModel]) -> dict[str, str]:
    return {name: "x" for name, field in model.model_fields.items() if field.annotation is str}


@pytest.mark.parametrize("model", SETTINGS)
def test_every_name_must_be_non_empty(model: type[BaseModel]) -> None:
    names = _names(model)
    assert names, "a settings model without names"
    model.model_validate(names)
    for name in names:
        with pytest.raises(ValidationError):
            model.model_validate({**names, name: ""})


def test_an_empty_variable_fails_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    container.reset()
    monkeypatch.setenv("OCCUPANCY_TABLE", "")
    with pytest.raises(RuntimeError, match="OCCUPANCY_TABLE"):
        load_settings(OccupancySettings)
    container.reset()


def test_a_factory_builds_once_per_container_until_reset() -> None:
    built: list[object] = []

    @container.per_container
    def thing() -> object:
        built.append(object())
        return built[-1]

    assert thing() is thing()
    assert len(built) == 1
    container.reset()
    assert thing() is not built[0]
    assert len(built) == 2
