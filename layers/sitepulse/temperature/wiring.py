"""The temperature service of this container, built once (see `sitepulse.common.container`)."""

from sitepulse.common.aws import dynamodb
from sitepulse.common.container import per_container
from sitepulse.common.settings import load_settings
from sitepulse.temperature.repository import TemperatureRepository
from sitepulse.temperature.service import TemperatureService
from sitepulse.temperature.settings import TemperatureSettings


@per_container
def temperature_service() -> TemperatureService:
    settings = load_settings(TemperatureSettings)
    return TemperatureService(TemperatureRepository(dynamodb(), settings.temperature_table))
